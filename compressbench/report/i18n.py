"""Report prose per language, from templates/i18n/<language>.yaml."""

from __future__ import annotations

from pathlib import Path

import yaml

from .numbers import LANGUAGES, Numbers

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def times_word_ru(count: int) -> str:
    """ "раз" or "раза" after a whole number (5 раз, 2 раза, 21 раз, 12 раз)."""
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return "раза"
    return "раз"


class Strings:
    """`say(key, **values)` fills one sentence; values are formatted text already."""

    def __init__(self, language: str, templates: str | Path = TEMPLATES):
        if language not in LANGUAGES:
            raise ValueError(f"report.language={language!r}: use one of {', '.join(LANGUAGES)}")
        self.language = language
        self.texts = yaml.safe_load((Path(templates) / "i18n" / f"{language}.yaml").read_text(encoding="utf-8"))
        self.num = Numbers(language)

    def __getitem__(self, key: str) -> str:
        return self.texts[key]

    def __getattr__(self, key: str) -> str:
        try:
            return self.texts[key]
        except KeyError:
            raise AttributeError(key) from None

    def say(self, key: str, **values) -> str:
        text = self.texts[key].format(**values)
        text = text.replace(" %", "\u00a0%")  # "95 %" never breaks across lines
        return text.replace("п.\u00a0п..", "п.\u00a0п.")  # a sentence ending in the unit

    def times(self, value, decimals: int = 2) -> str:
        """A factor in prose: "2.50×" / "2,50 раза" (used after "в" in Russian)."""
        if self.language == "ru":
            text = self.num.fixed(value, decimals)
            if text == self.num.missing:
                return text
            return f"{text}\u00a0{times_word_ru(round(value)) if decimals == 0 else 'раза'}"
        return self.num.ratio(value, decimals)

    def count(self, value, forms_key: str) -> str:
        """A number with its noun in the right form: "2 эпохи", "15 эпох", "1 epoch" (forms in the YAML)."""
        forms = self.texts[forms_key]
        if not isinstance(value, int | float):
            return f"{self.num.missing} {forms[-1]}"
        number = round(value)
        if self.language == "ru":
            index = 0 if number % 10 == 1 and number % 100 != 11 else 1 if times_word_ru(number) == "раза" else 2
        else:
            index = 0 if number == 1 else 1
        return f"{self.num.integer(number)}\u00a0{forms[min(index, len(forms) - 1)]}"

    def join(self, items: list[str]) -> str:
        items = [str(i) for i in items]
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self.texts['and']} {items[-1]}"

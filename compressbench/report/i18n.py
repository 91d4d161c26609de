"""The report's wording per language (templates/wording/<language>.yaml), one block per section.

Code names every key in full ("speed.lead_latency_resolved"): grepping a sentence's key finds the
code that says it. A key that is missing raises KeyError naming it and the wording file.

A sentence names another table or figure by number with a placeholder nobody passes, {table_<name>} or
{figure_<name>}: `say` leaves a marker there (ref_marker) that the report replaces with the number once
the report's tables and figures are numbered (resolve_refs).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .numbers import LANGUAGES, Numbers

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def wording_file(language: str, templates: str | Path = TEMPLATES) -> Path:
    return Path(templates) / "wording" / f"{language}.yaml"


def load_wording(language: str, templates: str | Path = TEMPLATES) -> dict[str, object]:
    """The wording file flattened to {"section.key": text}."""
    tree = yaml.safe_load(wording_file(language, templates).read_text(encoding="utf-8")) or {}
    return {f"{section}.{key}": text for section, block in tree.items() for key, text in (block or {}).items()}


def times_word_ru(count: int) -> str:
    """ "раз" or "раза" after a whole number (5 раз, 2 раза, 21 раз, 12 раз)."""
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return "раза"
    return "раз"


REF_KINDS = ("table", "figure")
# private-use characters: no wording, label or number contains them
REF_MARKER = re.compile("\ue000(table|figure):(\\w+)\ue001")
UNFILLED_REF = re.compile(r"\{(?:table|figure)_\w+\}")  # in a wording file's sentence


def ref_marker(kind: str, name: str) -> str:
    return f"\ue000{kind}:{name}\ue001"


class _WithRefs(dict):
    """A sentence's values; a {table_<name>} or {figure_<name>} placeholder not among them becomes a marker."""

    def __missing__(self, key: str) -> str:
        kind, _, name = key.partition("_")
        if kind in REF_KINDS and name:
            return ref_marker(kind, name)
        raise KeyError(key)


def resolve_refs(value, numbers: dict, missing: str):
    """`value` (text, a Paragraph, or lists, tuples and dicts of them) with every marker replaced by the number
    the report gives that table or figure (numbers: context.numbering's), `missing` for one it does not have."""
    if isinstance(value, str):
        if "\ue000" not in value:
            return value

        def number(match: re.Match) -> str:
            return str(numbers[f"{match.group(1)}_numbers"].get(match.group(2), missing))

        resolved = REF_MARKER.sub(number, value)
        return type(value)(resolved, value.findings) if hasattr(value, "findings") else resolved
    if isinstance(value, list | tuple):
        return type(value)(resolve_refs(item, numbers, missing) for item in value)
    if isinstance(value, dict):
        return {key: resolve_refs(item, numbers, missing) for key, item in value.items()}
    return value


class Strings:
    """`say(key, **values)` fills one sentence; values are formatted text already."""

    def __init__(self, language: str, templates: str | Path = TEMPLATES):
        if language not in LANGUAGES:
            raise ValueError(f"report.language={language!r}: use one of {', '.join(LANGUAGES)}")
        self.language = language
        self.source = wording_file(language, templates)
        self.texts = load_wording(language, templates)
        self.num = Numbers(language)

    def _text(self, key: str):
        try:
            return self.texts[key]
        except KeyError:
            raise KeyError(f"{self.source} has no {key!r}") from None

    def __getitem__(self, key: str):
        """A sentence without placeholders; one that names a table or figure by number needs say()."""
        text = self._text(key)
        if isinstance(text, str) and UNFILLED_REF.search(text):
            raise ValueError(f"{self.source}: {key!r} names a table or figure by number: take it with Strings.say")
        return text

    def say(self, key: str, **values) -> str:
        text = self._text(key).format_map(_WithRefs(values))
        text = text.replace(" %", "\u00a0%")  # "95 %" never breaks across lines
        return text.replace("п.\u00a0п..", "п.\u00a0п.")  # a sentence ending in the unit

    def label(self, target: str, label: str) -> str:
        """A target's label in this language: its spec's label_words where it has them, else `label`."""
        from ..targets import TARGETS  # the lazy registry: the report's words need only the spec

        spec = TARGETS[target] if target in TARGETS else None
        return self[spec.label_words] if spec and spec.label_words else label

    def gloss(self, target: str) -> str | None:
        """What an abbreviation in the target's label stands for ("ORT: ONNX Runtime"), if it has one."""
        from ..targets import TARGETS

        spec = TARGETS[target] if target in TARGETS else None
        return self[spec.label_gloss] if spec and spec.label_gloss else None

    def times(self, value, decimals: int = 2) -> str:
        """A factor in prose: "2.50×" / "2,50 раза" (used after "в" in Russian)."""
        if self.language == "ru":
            text = self.num.fixed(value, decimals)
            if text == self.num.missing:
                return text
            return f"{text}\u00a0{times_word_ru(round(value)) if decimals == 0 else 'раза'}"
        return self.num.ratio(value, decimals)

    def times_genitive(self, value, decimals: int = 2) -> str:
        """A factor after "от"/"до" in Russian: "от 5,5 раза до 47 раз" (21 раза, 22 раз); as `times` in English."""
        if self.language != "ru":
            return self.times(value, decimals)
        text = self.num.fixed(value, decimals)
        if text == self.num.missing:
            return text
        whole = round(value)
        singular = decimals or (whole % 10 == 1 and whole % 100 != 11)
        return f"{text}\u00a0{'раза' if singular else 'раз'}"

    def count(self, value, forms_key: str) -> str:
        """A number with its noun in the right form: "2 эпохи", "15 эпох", "1 epoch" (forms in the YAML)."""
        forms = self[forms_key]
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
        return f"{', '.join(items[:-1])} {self['common.and']} {items[-1]}"

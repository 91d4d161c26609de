"""Number formats per report language: decimal comma and spaced thousands in Russian."""

from __future__ import annotations

import math

NBSP = "\u00a0"
MINUS = "\u2212"  # a typographic minus, not a hyphen
LANGUAGES = ("ru", "en")


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def decimals_for(value: float, significant: int = 3, most: int = 4) -> int:
    """Decimals that show `significant` digits of value (at most `most`)."""
    if not is_number(value) or value == 0:
        return 0
    return max(0, min(most, significant - 1 - math.floor(math.log10(abs(value)))))


class Numbers:
    """Formats numbers for one language; every method returns text ("—" when missing)."""

    missing = "—"

    def __init__(self, language: str):
        if language not in LANGUAGES:
            raise ValueError(f"report.language={language!r}: use one of {', '.join(LANGUAGES)}")
        self.language = language

    def fixed(self, value, decimals: int = 2) -> str:
        if not is_number(value):
            return self.missing
        text = f"{value:,.{decimals}f}"
        if self.language == "ru":
            integer = text.split(".")[0].lstrip("-")
            grouped = len(integer.replace(",", "")) > 4  # Russian style: 1000 but 10 000
            text = text.replace(",", NBSP if grouped else "").replace(".", ",")
        if text.lstrip("-").strip("0,.") == "" and value <= 0:
            text = text.lstrip("-")  # no "-0.00" (from a small negative value or from -0.0)
        return text.replace("-", MINUS)

    def integer(self, value) -> str:
        return self.fixed(round(value), 0) if is_number(value) else self.missing

    def count(self, value, significant: int = 3) -> str:
        """A large count that varies between repeats (images per second) to `significant` digits: 82 973 is
        printed 83 000, as its repeats' spread of a few per cent leaves the last digits noise."""
        if not is_number(value):
            return self.missing
        digits = significant - 1 - math.floor(math.log10(abs(value))) if value else 0
        return self.integer(round(value, digits) if digits < 0 else value)

    def sig(self, value, significant: int = 3) -> str:
        """About `significant` significant digits, without trailing exponent notation."""
        return self.fixed(value, decimals_for(value, significant)) if is_number(value) else self.missing

    def column(self, values, significant: int = 3, most: int = 4) -> list[str]:
        """One decimals count for a whole table column, so its numbers align."""
        numbers = [v for v in values if is_number(v) and v != 0]
        decimals = max((decimals_for(v, significant, most) for v in numbers), default=0)
        return [self.fixed(v, decimals) for v in values]

    def small(self, value, significant: int = 2) -> str:
        """Tiny values in plain decimals with `significant` digits (0.0000038), never as 3.8e-6."""
        if not is_number(value):
            return self.missing
        return self.fixed(value, decimals_for(value, significant, most=12)) if value else "0"

    def ratio(self, value, decimals: int = 2) -> str:
        return f"{self.fixed(value, decimals)}×" if is_number(value) else self.missing

    def percent(self, fraction, decimals: int = 2) -> str:
        if not is_number(fraction):
            return self.missing
        return f"{self.fixed(100 * fraction, decimals)}{NBSP}%"

    def chance(self, probability) -> str:
        """A chance as a percentage with two significant digits at most: 10 %, 2.9 % (2 / C(8, 4)), 0.02 %
        (2 / C(16, 8))."""
        return self.percent(probability, 0 if probability >= 0.1 else 1 if probability >= 0.01 else 2)

    def pp(self, value, decimals: int = 2, signed: bool = True) -> str:
        if not is_number(value):
            return self.missing
        sign = "+" if signed and value > 0 and round(value, decimals) != 0 else ""
        unit = "п.\u00a0п." if self.language == "ru" else "pp"
        return f"{sign}{self.fixed(value, decimals)}{NBSP}{unit}"

    def kib(self, size_bytes, decimals: int = 1) -> str:
        return self.fixed(size_bytes / 1024, decimals) if is_number(size_bytes) else self.missing

    def kib_unit(self, size_bytes, decimals: int = 1) -> str:
        unit = "КиБ" if self.language == "ru" else "KiB"
        return f"{self.kib(size_bytes, decimals)}{NBSP}{unit}" if is_number(size_bytes) else self.missing

    def ms(self, value, significant: int = 3) -> str:
        """A duration given in ms, printed in µs below 1 ms (41.4 µs, not 0.0414 ms)."""
        if not is_number(value):
            return self.missing
        if abs(value) < 1:
            unit = "мкс" if self.language == "ru" else "µs"
            return f"{self.sig(1000 * value, significant)}{NBSP}{unit}"
        unit = "мс" if self.language == "ru" else "ms"
        return f"{self.sig(value, significant)}{NBSP}{unit}"

    def ms_range(self, low, high, significant: int = 3) -> str:
        """An interval of durations in ms, both ends in the unit of the larger one: 40.1–42.3 µs."""
        if not (is_number(low) and is_number(high)):
            return self.missing
        scale, unit = (
            (1000, "мкс" if self.language == "ru" else "µs")
            if abs(high) < 1
            else (1, "мс" if self.language == "ru" else "ms")
        )
        return f"{self.sig(scale * low, significant)}–{self.sig(scale * high, significant)}{NBSP}{unit}"

    def mb(self, value, decimals: int = 1) -> str:
        unit = "МиБ" if self.language == "ru" else "MiB"  # resident memory is read in KiB: 2**20 bytes
        return f"{self.fixed(value, decimals)}{NBSP}{unit}" if is_number(value) else self.missing

    def ips(self, value) -> str:
        unit = "изобр./с" if self.language == "ru" else "images/s"
        return f"{self.count(value)}{NBSP}{unit}" if is_number(value) else self.missing

    def p_value(self, value) -> str:
        """p-values: three decimals, "< 0.001" below that."""
        if not is_number(value):
            return self.missing
        return f"<{NBSP}{self.fixed(0.001, 3)}" if value < 0.001 else self.fixed(value, 3)

    def seconds(self, value, significant: int = 3) -> str:
        unit = "с" if self.language == "ru" else "s"
        return f"{self.sig(value, significant)}{NBSP}{unit}" if is_number(value) else self.missing

    def s_range(self, low, high, significant: int = 3) -> str:
        """An interval of durations in seconds: 0.0062–0.045 s."""
        return f"{self.sig(low, significant)}–{self.seconds(high, significant)}"

"""Turning facts into the report language: quantities, comparisons and citations."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import facts as f
from .checks import Q
from .facts import Comparison, Leader, Run
from .i18n import Strings
from .numbers import is_number

# The unit each speed/size metric's value is shown in (compressbench.report.facts.METRICS keys).
METRIC_UNITS = {
    "latency": "ms",
    "latency_1thread": "ms",
    "throughput": "ips",
    "size": "kib",
    "load": "s",
    "first_call": "ms",
}


@dataclass
class Citations:
    """Sources numbered in the order the report first cites them (templates/bibliography.yaml)."""

    sources: dict[str, dict]
    order: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, templates: str | Path) -> Citations:
        return cls(yaml.safe_load((Path(templates) / "bibliography.yaml").read_text(encoding="utf-8")))

    def cite(self, key: str) -> str:
        if key not in self.sources:
            raise KeyError(f"templates/bibliography.yaml has no source {key!r}")
        if key not in self.order:
            self.order.append(key)
        return f"[{self.order.index(key) + 1}]"

    def entries(self) -> list[dict]:
        return [{"number": i + 1, "key": k, **self.sources[k]} for i, k in enumerate(self.order)]


QUALITY = ("accuracy", "f1_macro")


class Writer:
    """Formats quantities and comparisons of one run in one language."""

    def __init__(self, run: Run, strings: Strings, citations: Citations):
        self.run, self.s, self.n, self.citations = run, strings, strings.num, citations

    def cite(self, key: str) -> str:
        return self.citations.cite(key)

    def label(self, target: str | None) -> str:
        return self.run.label(target) if target else self.n.missing

    def labels(self, targets) -> str:
        return self.s.join([self.label(t) for t in targets])

    def quantity(self, q: Q) -> str:
        """One quantity, or a list of (label, value) pairs "A 1.0 ms, B 2.0 ms"."""
        if isinstance(q.value, list):
            return ", ".join(f"{label} {self.quantity(Q(value, q.unit))}" for label, value in q.value)
        n, value = self.n, q.value
        formats = {
            "ms": n.ms,
            "s": n.seconds,
            "kib": n.kib_unit,
            "ratio": lambda v: n.ratio(v, 2),
            "fraction": lambda v: f"1/{n.fixed(1 / v, 2)}" if is_number(v) and v else n.missing,
            "pp": n.pp,
            "percent": lambda v: n.percent(v, 1),
            "count": n.integer,
            "p": n.p_value,
            "ips": n.ips,
            "bpp": lambda v: n.fixed(v, 2),
            "small": n.small,
            "mb": n.mb,
        }
        if q.unit in formats:
            return formats[q.unit](value)
        return str(value) if value is not None else n.missing

    def quantities(self, numbers: dict[str, Q]) -> dict[str, str]:
        return {name: self.quantity(q) for name, q in numbers.items()}

    def value(self, target: str, metric: str) -> str:
        key = f.METRICS[metric].key
        unit = METRIC_UNITS.get(metric, "")
        value = self.run.value(target, key)
        if metric in ("accuracy", "f1_macro"):
            return self.n.fixed(value, 4)
        if metric == "memory":
            return self.n.mb(value)
        if metric == "load" and value is not None:
            return self.quantity(Q(1000 * value, "ms"))  # load times are milliseconds for models this small
        return self.quantity(Q(value, unit))

    def interval(self, target: str, metric: str) -> str:
        interval = self.run.interval(target, metric)
        if interval is None:
            return self.n.missing
        if metric in ("latency", "latency_1thread"):
            return self.n.ms_range(*interval)
        if metric == "throughput":
            return f"{self.n.integer(interval[0])}–{self.n.integer(interval[1])}"
        return f"{self.n.fixed(interval[0], 4)}–{self.n.fixed(interval[1], 4)}"

    def interval_note(self, target: str, metric: str, inner: bool = False) -> str:
        """ " (range 40.1–42.3 µs)" / " (95 % CI 0.57–0.59)", or ", range ..." inside parentheses (inner);
        nothing when the run has no interval."""
        if self.run.interval(target, metric) is None:
            return ""
        key = ("note_ci" if metric in QUALITY else "note_range") + ("_inner" if inner else "")
        return self.s.say(key, interval=self.interval(target, metric))

    def reason(self, status: str, metric: str = "") -> str:
        """Why a comparison is not resolved; quality intervals are confidence intervals, not repeat ranges."""
        if status in (f.OVERLAP, f.NO_INTERVAL) and metric in QUALITY:
            status = {f.OVERLAP: "ci_overlap", f.NO_INTERVAL: "no_ci"}[status]
        return self.s.say(f"reason_{status}", threshold=self.n.ratio(f.SINGLE_RATIO, 1))

    def comparison(self, c: Comparison) -> str:
        """ "A is faster than B (1.20×; ...)" when resolved, otherwise that it is not resolved and why."""
        if c.better is None and c.ratio is not None:
            return self.s.say("cmp_equal", a=self.label(c.a), b=self.label(c.b), metric=self.s[f"metric_{c.metric}"])
        if c.ratio is None:
            return self.s.say("cmp_missing", a=self.label(c.a), b=self.label(c.b), metric=self.s[f"metric_{c.metric}"])
        values = {
            "better": self.label(c.better),
            "worse": self.label(c.worse),
            "ratio": self.s.times(c.ratio),
            "better_value": self.value(c.better, c.metric),
            "worse_value": self.value(c.worse, c.metric),
            "metric": self.s[f"metric_{c.metric}"],
        }
        if c.resolved:
            return self.s.say(f"cmp_{c.metric}", **values)
        return self.s.say("cmp_unresolved", **values, reason=self.reason(c.status, c.metric))

    def leader(self, lead: Leader, key: str) -> str:
        """The best target on a metric, and against whom it is not resolved."""
        best = lead.best
        values = {
            "best": self.label(best),
            "value": self.value(best, lead.metric),
            "interval": self.interval_note(best, lead.metric),
            "repeats": self.n.integer(self.run.value(best, "repeats")),
        }
        if lead.resolved:
            second = lead.order[1]
            return self.s.say(
                f"{key}_resolved",
                **values,
                second=self.label(second),
                second_value=self.value(second, lead.metric),
                second_interval=self.interval_note(second, lead.metric, inner=True),
                ratio=self.s.times(f.compare(self.run, lead.metric, best, second).ratio),
            )
        return self.s.say(
            f"{key}_unresolved", **values, ties=self.labels(lead.ties), reason=self.reason(lead.status, lead.metric)
        )

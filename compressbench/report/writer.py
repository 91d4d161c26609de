"""Turning findings and results into the report language: quantities, comparisons and citations.

The Writer reads a finding by id (`finding`), remembers which findings the paragraph in progress
rests on and hands them to the paragraph (`para`): the Markdown report carries them as comments,
so a sentence can be traced to its finding in results/findings.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..analysis import Findings
from ..analysis.claims import Q
from ..analysis.rule import (
    BETWEEN_BOUNDS,
    MACHINES,
    MCNEMAR_CALM,
    NO_INTERVAL,
    OVERLAP,
    ROUNDS_DISAGREE,
    UPPER_BOUND,
    Comparison,
    Leader,
    paired_ratios,
    ranges_apart_by_chance,
)
from ..analysis.view import METRICS, Run
from .i18n import TEMPLATES, Strings
from .numbers import is_number

# The unit each speed/size metric's value is shown in (analysis.view.METRICS keys).
METRIC_UNITS = {
    "latency": "ms",
    "latency_1thread": "ms",
    "throughput": "ips",
    "size": "kib",
    "load": "s",
    "first_call": "ms",
}
METRIC_NAMES = {
    "latency": "comparison.metric_latency",
    "latency_1thread": "comparison.metric_latency_1thread",
    "throughput": "comparison.metric_throughput",
    "accuracy": "comparison.metric_accuracy",
    "f1_macro": "comparison.metric_f1_macro",
    "size": "comparison.metric_size",
    "load": "comparison.metric_load",
    "first_call": "comparison.metric_first_call",
    "memory": "comparison.metric_memory",
    "memory_batch1": "comparison.metric_memory_batch1",
}
RESOLVED_COMPARISONS = {
    "latency": "comparison.cmp_latency",
    "latency_1thread": "comparison.cmp_latency_1thread",
    "throughput": "comparison.cmp_throughput",
    "accuracy": "comparison.cmp_accuracy",
    "f1_macro": "comparison.cmp_f1_macro",
    "size": "comparison.cmp_size",
    "load": "comparison.cmp_load",
    "first_call": "comparison.cmp_first_call",
    "memory": "comparison.cmp_memory",
    "memory_batch1": "comparison.cmp_memory",
}
MEMORY_METRICS = ("memory", "memory_batch1", "memory_largest")
# Why a comparison is not resolved, in the wordings reason() takes in turn: a reason given in many places
# of one report (the speed section, the claims, the conclusions) does not repeat one phrase. Quality
# intervals are confidence intervals, not repeat ranges (QUALITY_REASONS).
REASONS = {
    OVERLAP: ("comparison.reason_intervals_overlap", "comparison.reason_intervals_overlap_2"),
    ROUNDS_DISAGREE: (
        "comparison.reason_rounds_disagree",
        "comparison.reason_rounds_disagree_2",
        "comparison.reason_rounds_disagree_3",
    ),
    NO_INTERVAL: ("comparison.reason_no_interval",),
    MACHINES: ("comparison.reason_different_machines",),
    UPPER_BOUND: ("comparison.reason_upper_bound_only",),
    BETWEEN_BOUNDS: ("comparison.reason_between_bounds",),
}
QUALITY_REASONS = {
    OVERLAP: ("comparison.reason_ci_overlap",),
    NO_INTERVAL: ("comparison.reason_no_ci",),
    MCNEMAR_CALM: ("comparison.reason_mcnemar_calm",),
}
QUALITY = ("accuracy", "f1_macro")
DURATIONS = ("latency", "latency_1thread", "first_call", "load")  # ranges printed by Numbers.ms_range


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

    def entries(self, language: str) -> list[dict]:
        """The cited sources in citation order: number, key, title (with the report's note on the source, in
        `language`, in parentheses) and url (None for a source without an address, such as the coursework)."""
        out = []
        for number, key in enumerate(self.order, start=1):
            source = self.sources[key]
            note = (source.get("note") or {}).get(language)
            title = f"{source['title']} ({note})" if note else source["title"]
            out.append({"number": number, "key": key, "title": title, "url": source.get("url")})
        return out


class Paragraph(str):
    """A paragraph of report text and the ids of the findings it states."""

    findings: tuple[str, ...]

    def __new__(cls, text: str, findings=()):
        paragraph = super().__new__(cls, text)
        paragraph.findings = tuple(dict.fromkeys(findings))
        return paragraph


class Writer:
    """Formats quantities and findings of one run in one language."""

    def __init__(
        self,
        run: Run,
        findings: Findings,
        strings: Strings,
        citations: Citations,
        environment: dict | None = None,
        templates: str | Path = TEMPLATES,
    ):
        self.run, self.findings, self.s, self.n, self.citations = run, findings, strings, strings.num, citations
        self.environment = run.results.environment if environment is None else environment
        self.templates = Path(templates)
        self.pending: list[str] = []  # ids of the findings read since the last paragraph
        # how often each set of alternative wordings was used so far (next_wording): a reason, a per-round ratio
        self.wordings_said: dict[str, int] = {}

    # ---- findings and paragraphs ----

    def finding(self, finding_id: str):
        """The body of a finding (None when the analysis made none), remembered for the next paragraph."""
        found = self.findings.get(finding_id)
        if found is None:
            return None
        self.pending.append(finding_id)
        return found.body

    def each(self, prefix: str):
        """The bodies of the findings whose id starts with `prefix`, each remembered as it is handed out
        (so that each paragraph made from one rests on that one)."""
        for found in self.findings.with_prefix(prefix):
            self.pending.append(found.id)
            yield found.body

    def take(self) -> tuple[str, ...]:
        """The ids of the findings read since the previous paragraph, forgotten here."""
        taken, self.pending = tuple(self.pending), []
        return taken

    def para(self, text: str) -> Paragraph:
        """A paragraph resting on the findings read since the previous one."""
        return Paragraph(text, self.take())

    # ---- words ----

    def cite(self, key: str) -> str:
        return self.citations.cite(key)

    def label(self, target: str | None) -> str:
        return self.s.label(target, self.run.label(target)) if target else self.n.missing

    def introduced(self, target: str) -> str:
        """The label where the report first names a target: with its abbreviation spelled out, if it has one."""
        gloss = self.s.gloss(target)
        return f"{self.label(target)} ({gloss})" if gloss else self.label(target)

    def labels(self, targets) -> str:
        return self.s.join([self.label(t) for t in targets])

    def quantity(self, q: Q) -> str:
        """One quantity, or a list of (label, value) pairs "A 1.0 ms, B 2.0 ms"."""
        if q.unit == "readiness":  # rows of analysis.claims.Readiness.row
            return ", ".join(self.readiness_item(*row) for row in q.value)
        if q.unit == "targets":  # target names, joined as the language joins a list
            return self.s.join([self.label(t) for t in q.value])
        if q.unit == "s_range":
            return self.n.s_range(*q.value)
        if q.unit == "in_rounds":  # (ahead, rounds) of a signed-rank test
            return self.in_rounds(*q.value)
        if q.unit in ("ms_range", "ips_range") and not q.value:  # a single repeat: no range
            return self.n.missing
        if q.unit == "ms_range":
            return self.n.ms_range(*q.value)
        if q.unit == "ips_range":
            return f"{self.n.count(q.value[0])}–{self.n.ips(q.value[1])}"
        if q.unit == "percent_range":
            return f"{self.n.percent(q.value[0], 1)}–{self.n.percent(q.value[1], 1)}"
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
            "chance": n.chance,
            "count": n.integer,
            "p": n.p_value,
            "ips": n.ips,
            "bpp": lambda v: n.fixed(v, 2),
            "small": n.small,
            "mb": n.mb,
            "precision": precision_name,
        }
        if q.unit in formats:
            return formats[q.unit](value)
        return str(value) if value is not None else n.missing

    def readiness_item(self, label, total, low, high, prep, prep_low, prep_high, timings) -> str:
        """One target's time to its first answer with its range, and of it the preparation with its range over
        its timings (how many: the section's own sentence), or "timed once" (no range, analysis.claims.readiness)."""
        n = self.n

        def ms(seconds):  # in ms (µs below one): these paths take milliseconds for models this small
            return n.ms(1000 * seconds)

        def ms_range(low, high):
            return n.ms_range(1000 * low, 1000 * high)

        total_range = self.s.say("comparison.readiness_range", range=ms_range(low, high)) if low is not None else ""
        if timings < 2:
            return self.s.say("comparison.readiness_item_once", target=label, total=ms(total), prep=ms(prep))
        return self.s.say(
            "comparison.readiness_item",
            target=label,
            total=ms(total),
            total_range=total_range,
            prep=ms(prep),
            prep_range=ms_range(prep_low, prep_high),
        )

    def ratio(self, r) -> str:
        """A time ratio (analysis.rule.Ratio) with the range its repeats allow: "2.50× (2.31–2.72)"."""
        if r is None:
            return self.n.missing
        text = self.s.times(r.value)
        if r.low is None or r.high is None:
            return text
        return f"{text} ({self.n.fixed(r.low, 2)}–{self.n.fixed(r.high, 2)})"

    def quantities(self, numbers: dict[str, Q]) -> dict[str, str]:
        return {name: self.quantity(q) for name, q in numbers.items()}

    def value(self, target: str, metric: str) -> str:
        key = METRICS[metric].key
        unit = METRIC_UNITS.get(metric, "")
        value = self.run.value(target, key)
        if metric in QUALITY:
            return self.n.fixed(value, 4)
        if metric in MEMORY_METRICS:
            return self.n.mb(value)
        if metric == "load" and value is not None:
            return self.quantity(Q(1000 * value, "ms"))  # load times are milliseconds for models this small
        return self.quantity(Q(value, unit))

    def interval(self, target: str, metric: str, significant: int = 3) -> str:
        """A target's range (or CI) as printed; `significant`: digits of a duration's bounds."""
        interval = self.run.interval(target, metric)
        if interval is None:
            return self.n.missing
        if metric in DURATIONS and metric != "load":
            return self.n.ms_range(*interval, significant)
        if metric == "load":  # seconds, shown in milliseconds like the value
            return self.n.ms_range(1000 * interval[0], 1000 * interval[1], significant)
        if metric in MEMORY_METRICS:
            return f"{self.n.fixed(interval[0], 1)}–{self.n.mb(interval[1])}"
        if metric == "throughput":
            return f"{self.n.count(interval[0], significant)}–{self.n.count(interval[1], significant)}"
        return f"{self.n.fixed(interval[0], 4)}–{self.n.fixed(interval[1], 4)}"

    def interval_note(self, target: str, metric: str, inner: bool = False, significant: int = 3) -> str:
        """ " (range 40.1–42.3 µs)" / " (95 % CI 0.57–0.59)", or ", range ..." inside parentheses (inner);
        nothing when the run has no interval."""
        if self.run.interval(target, metric) is None:
            return ""
        notes = {
            (True, False): "comparison.note_ci",
            (True, True): "comparison.note_ci_inner",
            (False, False): "comparison.note_range",
            (False, True): "comparison.note_range_inner",
        }
        return self.s.say(notes[(metric in QUALITY, inner)], interval=self.interval(target, metric, significant))

    def apart_digits(self, metric: str, first: str, second: str) -> int:
        """Significant digits that print two ranges of durations or throughputs apart: three, or up to five
        where at three the bounds that face each other read the same (4.63 ms against 4.63 ms)."""
        intervals = [self.run.interval(t, metric) for t in (first, second)]
        if None in intervals or metric not in (*DURATIONS, "throughput"):
            return 3
        lower, upper = sorted(intervals)
        scale = 1000 if metric == "load" else 1  # load times are seconds, printed in milliseconds
        end, start = scale * lower[1], scale * upper[0]
        printed = self.n.count if metric == "throughput" else (lambda v, d: self.n.ms_range(v, v, d))
        return next((d for d in (3, 4) if printed(end, d) != printed(start, d)), 5)

    def rank_test(self, tested: Comparison | Leader | None) -> dict[str, str]:
        """A signed-rank test's rounds, the rounds the better one led in, and its p, as a sentence prints them
        (missing where `tested` carries none)."""
        if tested is None:
            rounds = ahead = p = None
        else:
            rounds, ahead, p = tested.rank_test_rounds, tested.rank_test_ahead, tested.rank_test_p
        return {"in_rounds": self.in_rounds(ahead, rounds), "p": self.n.p_value(p)}

    def in_rounds(self, ahead: int | None, rounds: int | None) -> str:
        """ "in 7 of the 8 rounds"; "in all 8 rounds" where the better one led in every round."""
        counts = {"rounds": self.n.integer(rounds), "ahead": self.n.integer(ahead)}
        every = rounds is not None and ahead == rounds
        return self.s.say("comparison.in_all_rounds" if every else "comparison.in_rounds", **counts)

    def reason(self, status: str, metric: str = "", tested: Comparison | Leader | None = None) -> str:
        """Why a comparison is not resolved: each time a reason is given, its next wording (REASONS); where the
        rounds disagree and `tested` carries their signed-rank test, its counts and p."""
        if status == ROUNDS_DISAGREE and tested is not None and tested.rank_test_p is not None:
            return self.s.say("comparison.reason_rounds_test", **self.rank_test(tested))
        wordings = (QUALITY_REASONS.get(status) if metric in QUALITY else None) or REASONS[status]
        return self.s.say(self.next_wording(wordings))

    def _said_before(self, topic: str) -> int:
        """How often wordings of `topic` were used before this one (counted here)."""
        said = self.wordings_said.get(topic, 0)
        self.wordings_said[topic] = said + 1
        return said

    def next_wording(self, wordings: tuple[str, ...]) -> str:
        """The next of alternative wording keys, in turn, so that a report does not repeat one phrase throughout."""
        return wordings[self._said_before(wordings[0]) % len(wordings)]

    def once_then(self, first: str, again: str, topic: str | None = None) -> str:
        """The wording key `first` the first time, `again` after that: a phrase the reader has met, shortened.
        `topic`: the count shared by wordings of one idea (default: `first`'s own)."""
        return again if self._said_before(topic or first) else first

    def comparison(self, c: Comparison) -> str:
        """ "A is faster than B (1.20×; ...)" when resolved, otherwise that it is not resolved and why."""
        metric_name = self.s[METRIC_NAMES[c.metric]]
        if c.better is None and c.ratio is not None:
            return self.s.say("comparison.cmp_equal", a=self.label(c.a), b=self.label(c.b), metric=metric_name)
        if c.ratio is None:
            return self.s.say("comparison.cmp_missing", a=self.label(c.a), b=self.label(c.b), metric=metric_name)
        values = {
            "better": self.label(c.better),
            "worse": self.label(c.worse),
            "ratio": self.ratio_of(c.metric, c.better, c.worse, c.ratio, inner=True),
            "better_value": self.value(c.better, c.metric),
            "worse_value": self.value(c.worse, c.metric),
            "metric": metric_name,
        }
        if c.resolved and c.rank_test_p is not None:  # the ranges overlap: say what resolved it
            values["ratio"] += self.s.say("comparison.by_rounds", **self.rank_test(c))
        elif c.resolved and c.weak_rounds:  # the ranges of few rounds: the weaker finding
            values["ratio"] += self.weaker("comparison.by_ranges_weaker", c.weak_rounds)
        if c.resolved:
            return self.s.say(RESOLVED_COMPARISONS[c.metric], **values)
        return self.s.say("comparison.cmp_unresolved", **values, reason=self.reason(c.status, c.metric, c))

    def ratio_of(self, metric: str, better: str, worse: str, ratio: float, inner: bool = False) -> str:
        """A comparison's ratio; where it is the median of the per-round ratios, it says so with their range
        (the reader who divides the two values printed beside it may find another); `inner`: inside
        parentheses already."""
        text = self.s.times(ratio)
        rounds = paired_ratios(self.run, metric, worse, better)  # the per-round ratios, whose median `ratio` is
        if not rounds:
            return text
        spread = f"{self.n.fixed(min(rounds), 2)}–{self.n.fixed(max(rounds), 2)}"
        # the first time in full, then shorter: the reader has met what the spread is
        keys = (
            ("comparison.ratio_per_round_inner", "comparison.ratio_per_round_inner_again")
            if inner
            else ("comparison.ratio_per_round", "comparison.ratio_per_round_again")
        )
        return self.s.say(self.once_then(*keys, topic="comparison.ratio_per_round"), ratio=text, spread=spread)

    def weaker(self, key: str, rounds: int) -> str:
        """What resolved a difference by the ranges of so few rounds that it is the weaker finding, with how often
        such ranges fall apart by chance (rule.weak_rounds)."""
        return self.s.say(key, rounds=self.n.integer(rounds), chance=self.n.chance(ranges_apart_by_chance(rounds)))

    def basis(self, lead: Leader) -> str:
        """What resolved the leader against the runner-up: their ranges, or the signed-rank test (speed) or McNemar
        (accuracy) where those overlap."""
        if lead.mcnemar_p is not None:
            return self.s.say("comparison.basis_mcnemar", p=self.n.p_value(lead.mcnemar_p))
        if lead.weak_rounds:  # the ranges of few rounds: the weaker finding
            return self.weaker("comparison.basis_ranges_weaker", lead.weak_rounds)
        if lead.rank_test_p is None:
            return self.s["comparison.basis_ranges"]
        return self.s.say("comparison.basis_rounds", **self.rank_test(lead))

    def gap(self, target: str, other: str, metric: str) -> str:
        """How far apart two targets' values are, in the metric's unit and as a share of the larger
        ("0.5 MiB (0.6 %)": the reader judges whether a resolved margin matters); "" but for memory."""
        if metric not in MEMORY_METRICS:
            return ""
        key = METRICS[metric].key
        values = self.run.value(other, key), self.run.value(target, key)
        difference = abs(values[0] - values[1])
        return f"{self.n.mb(difference)} ({self.n.percent(difference / max(values), 1)})"

    def leader(self, lead: Leader, resolved_key: str, unresolved_key: str) -> str:
        """The best target on a metric, and against whom it is not resolved."""
        best = lead.best
        values = {
            "best": self.label(best),
            "value": self.value(best, lead.metric),
            "interval": self.interval_note(best, lead.metric),
            "repeats": self.n.integer(self.run.repeats_of(best, lead.metric)),
        }
        if lead.resolved:
            second = lead.order[1]
            digits = self.apart_digits(lead.metric, best, second)  # ranges apart are printed apart
            return self.s.say(
                resolved_key,
                **{**values, "interval": self.interval_note(best, lead.metric, significant=digits)},
                second=self.label(second),
                second_value=self.value(second, lead.metric),
                second_interval=self.interval_note(second, lead.metric, inner=True, significant=digits),
                ratio=self.ratio_of(lead.metric, best, second, lead.ratio) if lead.ratio else self.s.times(lead.ratio),
                gap=self.gap(best, second, lead.metric),
                basis=self.basis(lead),
            )
        return self.s.say(unresolved_key, **values, ties=self.labels(lead.ties), reason=self.leader_reason(lead))

    def leader_reason(self, lead: Leader) -> str:
        """Why the leader is not resolved: with several ties whose reasons differ, or which the signed-rank test
        weighed, each tie's own (one p stands for one comparison); else the one reason they share."""
        ties = lead.tie_reasons
        shared = len({t.status for t in ties}) == 1 and all(t.p is None for t in ties)
        if len(ties) < 2 or shared:
            return self.reason(lead.status, lead.metric, lead)
        tested = [
            self.s.say(
                "comparison.tie_tested",
                target=self.label(t.target),
                p=self.n.p_value(t.p),
                in_rounds=self.in_rounds(t.ahead, t.rounds),
            )
            for t in ties
            if t.p is not None
        ]
        others = [
            self.s.say("comparison.tie_other", target=self.label(t.target), reason=self.reason(t.status, lead.metric))
            for t in ties
            if t.p is None
        ]
        # the test named once before its ps: "the signed-rank test gives p = a for X (...) and p = b for Y (...)"
        said = [self.s.say("comparison.ties_tested", items=self.s.join(tested))] if tested else []
        return self.s.join(said + others)


PRECISION_NAMES = {"f32": "FP32", "bf16": "BF16", "f16": "FP16", "int8": "INT8", "i8": "INT8"}


def precision_name(code) -> str:
    return PRECISION_NAMES.get(str(code).lower(), str(code or "—").upper())

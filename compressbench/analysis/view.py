"""Typed access to one run's numbers for the analysis: each target's record, by name.

`value` is a finite number or None; `interval` is the metric's interval (a between-repeat range for
speed, a bootstrap interval for quality) or None. Which targets are the runtimes' baselines and
which are variants comes from the registry (TargetSpec.method and reference), never from names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..machine import isa_flag_names
from ..results import Results
from ..targets import TARGETS


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Metric:
    key: str
    low: str | None  # interval columns; None: the value is exact (size) or a single measurement
    high: str | None
    higher_is_better: bool
    exact: bool = False  # exact values (file sizes): any difference is resolved
    per_repeat: str | None = None  # each repeat's own value, in repeat order (a speed compared round by round)


METRICS = {
    "latency": Metric(
        "latency_p50_ms", "latency_p50_ci_low_ms", "latency_p50_ci_high_ms", False, per_repeat="latency_repeat_p50_ms"
    ),
    "latency_1thread": Metric(
        "latency_1thread_p50_ms",
        "latency_1thread_p50_ci_low_ms",
        "latency_1thread_p50_ci_high_ms",
        False,
        per_repeat="latency_1thread_repeat_p50_ms",
    ),
    "throughput": Metric(
        "throughput_ips", "throughput_ips_low", "throughput_ips_high", True, per_repeat="throughput_repeat_ips"
    ),
    "accuracy": Metric("accuracy", "accuracy_ci_low", "accuracy_ci_high", True),
    "f1_macro": Metric("f1_macro", "f1_macro_ci_low", "f1_macro_ci_high", True),
    "size": Metric("size_bytes", None, None, False, exact=True),
    "load": Metric("load_seconds", "load_seconds_low", "load_seconds_high", False, per_repeat="load_repeat_seconds"),
    "first_call": Metric(
        "first_call_ms", "first_call_ms_low", "first_call_ms_high", False, per_repeat="first_call_repeat_ms"
    ),
    "memory": Metric("peak_rss_mb", "peak_rss_mb_low", "peak_rss_mb_high", False),
    # at one batch size for every target (peak_rss_mb is each target's own best batch)
    "memory_batch1": Metric("peak_rss_batch1_mb", "peak_rss_batch1_mb_low", "peak_rss_batch1_mb_high", False),
    "empty_call": Metric(
        "empty_call_p50_ms",
        "empty_call_p50_low_ms",
        "empty_call_p50_high_ms",
        False,
        per_repeat="empty_call_repeat_ms",
    ),
    "memory_largest": Metric("peak_rss_largest_mb", "peak_rss_largest_mb_low", "peak_rss_largest_mb_high", False),
}
# measured in the benchmark's fresh-process repeats: their interval is the range between repeats
REPEATED_METRICS = {
    "latency",
    "latency_1thread",
    "throughput",
    "load",
    "first_call",
    "memory",
    "memory_batch1",
    "memory_largest",
    "empty_call",
}


def grouped(values: dict) -> dict:
    """Targets with equal values together, each group under its value, in the order first met: variants that
    agree in every detail shown (per-class measures, predictions) are shown once, as one group."""
    groups: dict = {}
    for target, value in values.items():
        groups.setdefault(value, []).append(target)
    return groups


def is_baseline(target: str) -> bool:
    """A runtime's baseline: the trained network as that runtime stores it by default (the
    coursework's targets), judged against no other target."""
    spec = TARGETS.get(target)
    return spec is not None and spec.method == "baseline" and spec.reference is None


class Run:
    """One run's records for the analysis."""

    def __init__(self, results: Results):
        self.results = results
        self.targets = list(results.targets)

    def record(self, target: str):
        return self.results.record(target)

    def value(self, target: str, key: str):
        record = self.record(target)
        value = record.get(key) if record else None
        return value if is_number(value) else None

    def text(self, target: str, key: str) -> str | None:
        record = self.record(target)
        value = record.get(key) if record else None
        return str(value) if value not in (None, "") else None

    def label(self, target: str) -> str:
        """The record's label; a registry target outside this run (a search's candidate) by its spec's."""
        record = self.record(target)
        if record:
            return record.label
        return TARGETS[target].label if target in TARGETS else target

    def runtime(self, target: str) -> str | None:
        record = self.record(target)
        return record.runtime if record else None

    def interval(self, target: str, metric: str) -> tuple[float, float] | None:
        """The metric's interval; for speed only a between-repeat range (a single process's CI of the median
        misses the machine's drift between runs, so it does not resolve anything)."""
        spec = METRICS[metric]
        if spec.low is None:
            return None
        if metric in REPEATED_METRICS and self.repeats_of(target, metric) < 2:
            return None
        low, high = self.value(target, spec.low), self.value(target, spec.high)
        return (low, high) if low is not None and high is not None else None

    def repeats_of(self, target: str, metric: str) -> int:
        """How many repeats measured the metric: the rounds with a value where it keeps one per round
        (one-thread latency: the full rounds only), else every repeat."""
        rounds = self.rounds(target, metric)
        return len(rounds) if rounds else int(self.value(target, "repeats") or 0)

    def rounds(self, target: str, metric: str) -> dict[int, float]:
        """round (repeat number) -> that repeat's own value of a speed metric; {} when not recorded."""
        spec = METRICS[metric]
        record = self.record(target)
        values = record.get(spec.per_repeat) if record and spec.per_repeat else None
        if not values:
            return {}
        indices = record.get("repeat_indices") or list(range(len(values)))
        return {int(r): v for r, v in zip(indices, values, strict=False) if is_number(v) and v > 0}

    def round_ratios(self, target: str, numerator: str, denominator: str) -> list[float]:
        """One target's `numerator` over its `denominator` in each round that recorded both (metrics with
        per-round values: a first call or an empty-batch call over the same process's batch-1 median)."""
        top, bottom = self.rounds(target, numerator), self.rounds(target, denominator)
        return [top[r] / bottom[r] for r in sorted(set(top) & set(bottom))]

    def measured(self, metric: str, targets=None) -> list[str]:
        return [t for t in (targets or self.targets) if self.value(t, METRICS[metric].key) is not None]

    def reference_of(self, target: str) -> str | None:
        """The target a variant is judged against (TargetSpec.reference), when it is in this run."""
        record = self.record(target)
        return record.reference if record and record.reference in self.targets else None

    def baseline_of_runtime(self, runtime: str) -> str | None:
        return next((t for t in self.base if self.runtime(t) == runtime), None)

    @property
    def variants(self) -> list[str]:
        return [t for t in self.targets if not is_baseline(t)]

    @property
    def base(self) -> list[str]:
        """The runtimes' baselines in this run, in the run's order."""
        return [t for t in self.targets if is_baseline(t)]

    def method(self, target: str) -> str | None:
        record = self.record(target)
        return record.method if record else None

    def family(self, target: str) -> str | None:
        record = self.record(target)
        return record.family if record else None

    def build(self, target: str) -> dict:
        record = self.record(target)
        return dict(record.build_info) if record else {}

    @property
    def test_images(self) -> int | None:
        images = self.results.dataset.get("test_images")
        return images if is_number(images) else None

    def cpu_flags(self) -> set[str]:
        return isa_flag_names(self.results.environment)

    def has_flag(self, *names: str) -> bool | None:
        flags = self.cpu_flags()
        return bool(flags & set(names)) if flags else None

"""Findings of the memory, start-up, size and precision sections."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .findings import Finding, body, make
from .rule import compare, leader, ranking
from .speed import Extremes, extremes
from .view import METRICS, Run

BF16_FLAGS = ("avx512_bf16", "amx_bf16")


# the peak the memory section compares: at the largest timed batch size, one size for every target (each
# target's best batch differs, and ONNX Runtime's graph optimizations, for one, cost most at large batches)
PEAK = "peak_rss_largest_mb"


def model_memory_mb(run: Run, target: str) -> float | None:
    """Resident memory the model and its inference at the largest batch add on top of the loaded runtime
    library."""
    peak, baseline = run.value(target, PEAK), run.value(target, "baseline_rss_mb")
    return peak - baseline if peak is not None and baseline is not None else None


def baseline_share(run: Run, target: str, peak: str = PEAK) -> float:
    """The share of a peak (`peak`: at the largest batch, or peak_rss_batch1_mb) a benchmark process held
    before its model was loaded (interpreter, libraries, input sample); only where both are measured."""
    return run.value(target, "baseline_rss_mb") / run.value(target, peak)


@body
@dataclass(frozen=True)
class MemoryRange:
    peak: Extremes  # lowest and highest peak resident memory
    model_low_mb: float  # the least and most memory a model adds over its runtime library
    model_high_mb: float
    # the least and most of a process's peak it held before its model was loaded (interpreter,
    # libraries, input sample): how much of the figure is not the model's
    baseline_share_low: float
    baseline_share_high: float

    def statement(self) -> str:
        return (
            f"peak memory lowest in {self.peak.low}, highest in {self.peak.high}; held before loading: "
            f"{100 * self.baseline_share_low:.0f}-{100 * self.baseline_share_high:.0f} % of the peak"
        )


@body
@dataclass(frozen=True)
class FirstCall:
    """The first call after loading over the warm batch-1 median of the same process: the median of the per-round
    ratios with their range (the rule's ratio), or the ratio of the medians where the rounds are not recorded."""

    target: str
    first_call_ms: float
    over_warm: float
    low: float | None = None
    high: float | None = None


def first_call(run: Run, target: str) -> FirstCall:
    """A target's first call over its warm batch-1 median, round by round where both are recorded per round."""
    ratios = run.round_ratios(target, "first_call", "latency")
    if len(ratios) < 2:
        value = run.value(target, "first_call_ms") / run.value(target, "latency_p50_ms")
        return FirstCall(target, run.value(target, "first_call_ms"), value)
    return FirstCall(target, run.value(target, "first_call_ms"), float(np.median(ratios)), min(ratios), max(ratios))


@body
@dataclass(frozen=True)
class FirstCalls:
    items: list[FirstCall]

    def statement(self) -> str:
        return "first call over warm batch-1 median: " + ", ".join(f"{x.target} {x.over_warm:.0f}x" for x in self.items)


@body
@dataclass(frozen=True)
class Pareto:
    """Targets on the front of these metrics: a target is dominated only by one that beats it on a
    resolved comparison in some metric and is not resolved-worse in any."""

    metrics: list[str]
    front: dict[str, bool]

    def statement(self) -> str:
        return f"on the {'/'.join(self.metrics)} front: " + ", ".join(t for t, on in self.front.items() if on)


# The trade-off figure's panels: accuracy against size, and against batch-1 latency (one front each).
FRONTS = {"size": ("size", "accuracy"), "latency": ("latency", "accuracy")}


def resolved_pareto(run: Run, metrics=("size", "latency", "accuracy")) -> Pareto:
    targets = [t for t in run.targets if all(run.value(t, METRICS[m].key) is not None for m in metrics)]

    def dominates(a: str, b: str) -> bool:
        comparisons = [compare(run, m, a, b) for m in metrics]
        a_resolved_better = any(c.resolved and c.better == a for c in comparisons)
        b_resolved_better = any(c.resolved and c.better == b for c in comparisons)
        return a_resolved_better and not b_resolved_better

    return Pareto(list(metrics), {t: not any(dominates(o, t) for o in targets if o != t) for t in targets})


@body
@dataclass(frozen=True)
class MixedPrecision:
    """Quantized targets whose runtime reported a floating-point precision: their quantized layers run
    in INT8, the rest in that precision."""

    targets: list[str]

    def statement(self) -> str:
        return f"INT8 layers beside floating-point ones: {', '.join(self.targets)}"


@body
@dataclass(frozen=True)
class CpuFeature:
    feature: str
    present: bool | None  # None: the CPU's flags could not be read

    def statement(self) -> str:
        return f"CPU has {self.feature}: {self.present}"


def is_mixed(run: Run, target: str) -> bool:
    record = run.record(target)
    return bool(record) and record.precision not in (None, "int8") and "int8" in str(record.weights).lower()


def findings(run: Run) -> list[Finding]:
    out = []
    measured = [t for t in run.targets if model_memory_mb(run, t) is not None]
    if measured:
        model = [model_memory_mb(run, t) for t in measured]
        shares = [baseline_share(run, t) for t in measured]
        memory = MemoryRange(extremes(run, PEAK, measured), min(model), max(model), min(shares), max(shares))
        out.append(make("memory.range", "memory", memory))
    batch1 = [t for t in run.measured("memory_batch1") if run.value(t, "baseline_rss_mb")]
    if len(batch1) >= 2:  # the recommendation's: every target at the same batch size
        out.append(make("memory.leader.batch1", "memory", leader(run, "memory_batch1", batch1)))
    if len(run.measured("load")) >= 2:
        out.append(make("startup.leader.load", "memory", leader(run, "load")))
    cold = [t for t in run.targets if run.value(t, "first_call_ms") and run.value(t, "latency_p50_ms")]
    if cold:
        out.append(make("startup.first_call", "memory", FirstCalls([first_call(run, t) for t in cold])))
    if ranking(run, "size"):
        order = ranking(run, "size")
        out.append(make("size.extremes", "size", Extremes("size_bytes", order[0], order[-1])))
        for name, metrics in FRONTS.items():
            out.append(make(f"size.pareto.{name}", "size", resolved_pareto(run, metrics)))
    mixed = [t for t in run.targets if is_mixed(run, t)]
    if mixed:
        out.append(make("precision.mixed", "precision", MixedPrecision(mixed)))
    if any(run.runtime(t) == "openvino" for t in run.targets):
        out.append(make("precision.bf16", "precision", CpuFeature("native bf16", run.has_flag(*BF16_FLAGS))))
    return out

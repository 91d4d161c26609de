"""Explanations: hypotheses the run's data can test, as named numbers and booleans.

Each function answers one "why" of the report (why an INT8 variant is slower, why eager PyTorch is
slow at batch 1, why the coursework's ordering does not reproduce, which averaging the coursework's
F1 was) from the measurements, and returns None when the run lacks what the test needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..targets import TRAINED
from .findings import body
from .rule import Comparison, Ratio, compare, time_ratio
from .view import Run

VNNI = ("avx512_vnni", "avx_vnni", "amx_int8")  # INT8 dot-product instructions


def per_image_ms(run: Run, target: str) -> float | None:
    """Per-image time at the best batch size, ms."""
    ips = run.value(target, "throughput_ips")
    return 1000.0 / ips if ips else None


@body
@dataclass(frozen=True)
class Slowdown:
    """A variant against its reference at batch 1 and at the best batch size, as time ratios with ranges."""

    variant: str
    base: str
    batch1: Comparison
    best_batch: Comparison
    ratio_batch1: Ratio  # variant time / reference time (>1: variant slower)
    ratio_best: Ratio | None
    # the slowdown at batch 1 exceeds the one at the best batch beyond both ranges: a per-call cost,
    # not per-image work (None: the ranges overlap or are missing)
    fixed_cost: bool | None
    vnni: bool | None  # the CPU has VNNI (INT8 dot-product instructions)

    @property
    def resolved(self) -> bool:
        return self.batch1.resolved

    def statement(self) -> str:
        cause = {True: "per-call cost", False: "per-image work", None: "not resolved"}[self.fixed_cost]
        best = self.ratio_best.value if self.ratio_best else float("nan")
        return (
            f"{self.variant} against {self.base}: {self.ratio_batch1.value:.3g}x the time at batch 1, "
            f"{best:.3g}x at the best batch; cause: {cause}"
        )


def int8_slowdown(run: Run, variant: str) -> Slowdown | None:
    base = run.reference_of(variant)
    ratio1 = time_ratio(run, "latency", variant, base) if base else None
    if ratio1 is None:
        return None
    ratio_best = time_ratio(run, "throughput", variant, base)
    fixed = ratio1.above(ratio_best) if ratio_best else None
    return Slowdown(
        variant,
        base,
        compare(run, "latency", variant, base),
        compare(run, "throughput", variant, base),
        ratio1,
        ratio_best,
        fixed,
        run.has_flag(*VNNI),
    )


@dataclass(frozen=True)
class Overhead:
    """Batch-1 latency split into per-image compute (time per image at the best batch) and the rest."""

    target: str
    latency_ms: float
    per_image_ms: float
    overhead_ms: float


def overheads(run: Run) -> list[Overhead]:
    rows = []
    for t in run.base:
        latency, per_image = run.value(t, "latency_p50_ms"), per_image_ms(run, t)
        if latency is not None and per_image is not None:
            rows.append(Overhead(t, latency, per_image, max(0.0, latency - per_image)))
    return rows


@body
@dataclass(frozen=True)
class EagerGap:
    """Eager PyTorch (the trained model as trained) against the fastest other baseline at batch 1
    and at the best batch."""

    target: str
    other: str
    ratio_batch1: Ratio
    ratio_best: Ratio | None
    # of PyTorch's batch-1 call, the part that is not per-image compute (batch-1 latency minus the per-image
    # time at the best batch: an upper bound, as it also counts what batching saves)
    overhead_share: float
    resolved: bool
    fixed_cost: bool | None  # the gap at batch 1 exceeds the one at the best batch beyond both ranges
    # the same share of the other's batch-1 call: what batching alone saves where no Python runs per operator
    other_overhead_share: float | None = None

    def statement(self) -> str:
        best = self.ratio_best.value if self.ratio_best else float("nan")
        return (
            f"{self.target} vs {self.other}: {self.ratio_batch1.value:.3g}x at batch 1, {best:.3g}x at the best "
            f"batch; {self.overhead_share:.0%} of its batch-1 call is not per-image work"
        )


def eager_gap(run: Run) -> EagerGap | None:
    rows = {o.target: o for o in overheads(run)}
    others = [t for t in rows if t != TRAINED]
    if TRAINED not in rows or not others:
        return None
    other = min(others, key=lambda t: rows[t].latency_ms)
    torch = rows[TRAINED]
    ratio1 = time_ratio(run, "latency", TRAINED, other)
    ratio_best = time_ratio(run, "throughput", TRAINED, other)
    return EagerGap(
        TRAINED,
        other,
        ratio1,
        ratio_best,
        torch.overhead_ms / torch.latency_ms,
        compare(run, "latency", TRAINED, other).resolved,
        ratio1.above(ratio_best) if ratio_best else None,
        rows[other].overhead_ms / rows[other].latency_ms,
    )


@body
@dataclass(frozen=True)
class Outlier:
    target: str
    batch: int
    dip: float  # share below the slower neighbour (medians)


def throughput_outliers(run: Run) -> list[Outlier]:
    """Batch sizes whose throughput falls below both neighbouring batch sizes beyond the repeats' ranges:
    the range's top at that batch is below the bottom of both neighbours' ranges."""
    found = []
    for t in run.targets:
        record = run.record(t)
        by_batch, low, high = (
            record.throughput_by_batch,
            record.throughput_by_batch_low,
            record.throughput_by_batch_high,
        )
        if not by_batch or not low or not high:
            continue
        sizes = sorted(int(b) for b in by_batch)
        for before, size, after in zip(sizes, sizes[1:], sizes[2:], strict=False):
            floor = min(low[str(before)], low[str(after)])
            if high[str(size)] < floor:
                neighbours = min(by_batch[str(before)], by_batch[str(after)])
                found.append(Outlier(t, size, 1 - by_batch[str(size)] / neighbours))
    return found

"""Explanations: hypotheses the run's data can test, as named numbers and booleans.

Each function answers one "why" of the report (why an INT8 variant is slower, why eager PyTorch is
slow at batch 1, why the coursework's ordering does not reproduce, which averaging the coursework's
F1 was) from the measurements, and returns None when the run lacks what the test needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..targets import TRAINED
from .findings import body
from .rule import Comparison, compare
from .view import Run

FIXED_COST_FACTOR = 1.2  # a slowdown this much larger at batch 1 than at the best batch is per-call cost
VNNI = ("avx512_vnni", "avx_vnni", "amx_int8")  # INT8 dot-product instructions


def per_image_ms(run: Run, target: str) -> float | None:
    """Per-image time at the best batch size, ms."""
    ips = run.value(target, "throughput_ips")
    return 1000.0 / ips if ips else None


def _time_ratio(run: Run, variant: str, base: str, key: str, higher_is_faster: bool) -> float | None:
    v, b = run.value(variant, key), run.value(base, key)
    if not v or not b:
        return None
    return b / v if higher_is_faster else v / b


@body
@dataclass(frozen=True)
class Slowdown:
    """A variant against its reference at batch 1 and at the best batch size."""

    variant: str
    base: str
    batch1: Comparison
    best_batch: Comparison
    ratio_batch1: float | None  # variant time / reference time (>1: variant slower)
    ratio_best: float | None
    fixed_cost: bool | None  # the slowdown shrinks with the batch: a per-call cost, not per-image compute
    vnni: bool | None  # the CPU has VNNI (INT8 dot-product instructions)

    def statement(self) -> str:
        cause = {True: "per-call cost", False: "per-image work", None: "not tested"}[self.fixed_cost]
        return (
            f"{self.variant} against {self.base}: {self.ratio_batch1:.3g}x the time at batch 1, "
            f"{self.ratio_best or float('nan'):.3g}x at the best batch; cause: {cause}"
        )


def int8_slowdown(run: Run, variant: str) -> Slowdown | None:
    base = run.reference_of(variant)
    if base is None:
        return None
    ratio1 = _time_ratio(run, variant, base, "latency_p50_ms", False)
    ratio_best = _time_ratio(run, variant, base, "throughput_ips", True)
    fixed = ratio1 / ratio_best > FIXED_COST_FACTOR if ratio1 and ratio_best and ratio1 > 1 else None
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
    ratio_batch1: float
    ratio_best: float | None
    overhead_share: float  # of PyTorch's batch-1 call, the part that is not per-image compute
    resolved: bool
    fixed_cost: bool  # the gap shrinks at the best batch by more than FIXED_COST_FACTOR

    def statement(self) -> str:
        return (
            f"{self.target} vs {self.other}: {self.ratio_batch1:.3g}x at batch 1, "
            f"{self.ratio_best or float('nan'):.3g}x at the best batch; "
            f"{self.overhead_share:.0%} of its batch-1 call is not per-image work"
        )


def eager_gap(run: Run) -> EagerGap | None:
    rows = {o.target: o for o in overheads(run)}
    others = [t for t in rows if t != TRAINED]
    if TRAINED not in rows or not others:
        return None
    other = min(others, key=lambda t: rows[t].latency_ms)
    torch = rows[TRAINED]
    ratio_best = _time_ratio(run, TRAINED, other, "throughput_ips", True)
    ratio1 = torch.latency_ms / rows[other].latency_ms
    return EagerGap(
        TRAINED,
        other,
        ratio1,
        ratio_best,
        torch.overhead_ms / torch.latency_ms,
        compare(run, "latency", TRAINED, other).resolved,
        ratio_best is not None and ratio_best < ratio1 / FIXED_COST_FACTOR,
    )


OUTLIER_DIP = 0.20  # a batch size whose throughput is this far below both neighbours


@body
@dataclass(frozen=True)
class Outlier:
    target: str
    batch: int
    dip: float  # share below the lower neighbour


def throughput_outliers(run: Run) -> list[Outlier]:
    """Batch sizes whose throughput falls below both neighbouring batch sizes by OUTLIER_DIP."""
    found = []
    for t in run.targets:
        by_batch = (run.record(t).throughput_by_batch if run.record(t) else None) or {}
        sizes = sorted(int(b) for b in by_batch)
        values = [by_batch[str(b)] for b in sizes]
        for i in range(1, len(values) - 1):
            neighbours = min(values[i - 1], values[i + 1])
            if values[i] < (1 - OUTLIER_DIP) * neighbours:
                found.append(Outlier(t, sizes[i], 1 - values[i] / neighbours))
    return found

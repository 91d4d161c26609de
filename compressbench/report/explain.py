"""Language-free explanations: hypotheses the run's data can test, as named numbers and booleans.

Each function answers one "why" of the report (why INT8 is slower, why PyTorch is slow at batch 1,
why the coursework's ordering does not reproduce, which averaging the coursework's F1 was) from
the measurements, and returns None when the run lacks what the test needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from . import facts as f
from .facts import Run

FIXED_COST_FACTOR = 1.2  # a slowdown this much larger at batch 1 than at the best batch is per-call cost


@dataclass(frozen=True)
class Slowdown:
    """A variant against its base at batch 1 and at the best batch size."""

    variant: str
    base: str
    batch1: f.Comparison
    best_batch: f.Comparison
    ratio_batch1: float | None  # variant time / base time (>1: variant slower)
    ratio_best: float | None
    fixed_cost: bool | None  # the slowdown shrinks with the batch: a per-call cost, not per-image compute
    vnni: bool | None  # the CPU has VNNI (INT8 dot-product instructions)


def _time_ratio(run: Run, variant: str, base: str, key: str, higher_is_faster: bool) -> float | None:
    v, b = run.value(variant, key), run.value(base, key)
    if not v or not b:
        return None
    return b / v if higher_is_faster else v / b


def int8_slowdown(run: Run, variant: str = "onnxruntime_int8") -> Slowdown | None:
    base = run.base_of(variant) if variant in run.targets else None
    if base is None:
        return None
    ratio1 = _time_ratio(run, variant, base, "latency_p50_ms", False)
    ratio_best = _time_ratio(run, variant, base, "throughput_ips", True)
    fixed = ratio1 / ratio_best > FIXED_COST_FACTOR if ratio1 and ratio_best and ratio1 > 1 else None
    return Slowdown(
        variant,
        base,
        f.compare(run, "latency", variant, base),
        f.compare(run, "throughput", variant, base),
        ratio1,
        ratio_best,
        fixed,
        f.has_flag(run, "avx512vnni", "avxvnni", "amxint8"),
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
        latency, per_image = run.value(t, "latency_p50_ms"), f.per_image_ms(run, t)
        if latency is not None and per_image is not None:
            rows.append(Overhead(t, latency, per_image, max(0.0, latency - per_image)))
    return rows


@dataclass(frozen=True)
class EagerGap:
    """PyTorch eager against the fastest other runtime at batch 1 and at the best batch."""

    other: str
    ratio_batch1: float
    ratio_best: float | None
    overhead_share: float  # of PyTorch's batch-1 call, the part that is not per-image compute
    resolved: bool


def eager_gap(run: Run) -> EagerGap | None:
    rows = {o.target: o for o in overheads(run)}
    others = [t for t in ("onnxruntime", "openvino") if t in rows]
    if "pytorch" not in rows or not others:
        return None
    other = min(others, key=lambda t: rows[t].latency_ms)
    torch = rows["pytorch"]
    ratio_best = _time_ratio(run, "pytorch", other, "throughput_ips", True)
    return EagerGap(
        other,
        torch.latency_ms / rows[other].latency_ms,
        ratio_best,
        torch.overhead_ms / torch.latency_ms,
        f.compare(run, "latency", "pytorch", other).resolved,
    )


OUTLIER_DIP = 0.20  # a batch size whose throughput is this far below both neighbours


def throughput_outliers(run: Run) -> list[tuple[str, int, float]]:
    """(target, batch, dip) where throughput falls below both neighbouring batch sizes by OUTLIER_DIP."""
    found = []
    for t in run.targets:
        by_batch = (run.data.bench.get(t) or {}).get("throughput_by_batch") or {}
        sizes = sorted(int(b) for b in by_batch)
        values = [by_batch[str(b)] for b in sizes]
        for i in range(1, len(values) - 1):
            neighbours = min(values[i - 1], values[i + 1])
            if values[i] < (1 - OUTLIER_DIP) * neighbours:
                found.append((t, sizes[i], 1 - values[i] / neighbours))
    return found


# ---- the coursework ---------------------------------------------------------------------------------


def load_coursework(templates: str | Path) -> dict:
    """The coursework's published numbers (templates/claims/coursework.yaml)."""
    return yaml.safe_load((Path(templates) / "claims" / "coursework.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Ordering:
    """The base runtimes ordered by one hypothesis' timing, and whether that order is the coursework's."""

    hypothesis: str  # naive_loop | first_pass | first_call | tuned_batch1 | best_batch
    order: list[str]
    matches: bool
    resolved: bool | None  # None: the hypothesis' timing has no interval


HYPOTHESES = {
    # hypothesis -> (key, lower is faster); the coursework timed a loop of unknown form once, cold
    "naive_loop": ("naive_test_set_seconds", True),
    "first_pass": ("naive_first_pass_seconds", True),
    "first_call": ("first_call_ms", True),
    "tuned_batch1": ("latency_p50_ms", True),
    "best_batch": ("throughput_ips", False),
}


def coursework_order(coursework: dict, run: Run) -> list[str]:
    targets = [t for t in run.base if t in coursework["targets"]]
    return sorted(targets, key=lambda t: coursework["targets"][t]["seconds"])


def orderings(coursework: dict, run: Run) -> list[Ordering]:
    wanted = coursework_order(coursework, run)
    results = []
    for hypothesis, (key, lower) in HYPOTHESES.items():
        if len(wanted) < 2 or any(run.value(t, key) is None for t in wanted):
            continue
        order = sorted(wanted, key=lambda t: run.value(t, key), reverse=not lower)
        resolved = None
        if hypothesis in ("tuned_batch1", "best_batch"):
            metric = "latency" if hypothesis == "tuned_batch1" else "throughput"
            resolved = all(f.compare(run, metric, a, b).resolved for a, b in zip(order, order[1:], strict=False))
        results.append(Ordering(hypothesis, order, order == wanted, resolved))
    return results


@dataclass(frozen=True)
class Averaging:
    """Which averaging the coursework's F1 was, from how far F1 sits from accuracy."""

    coursework_gap: float  # coursework F1 - accuracy
    macro_gap: float | None  # this run's PyTorch macro F1 - accuracy
    weighted_gap: float | None
    balanced: bool | None
    verdict: str  # macro | weighted | macro_or_weighted (identical on a balanced test set)


def averaging(coursework: dict, run: Run) -> Averaging:
    cw = coursework["targets"]["pytorch"]
    accuracy = run.value("pytorch", "accuracy")
    macro, weighted = run.value("pytorch", "f1_macro"), run.value("pytorch", "f1_weighted")
    macro_gap = macro - accuracy if macro is not None and accuracy is not None else None
    weighted_gap = weighted - accuracy if weighted is not None and accuracy is not None else None
    balanced = f.class_balance(run)
    if balanced or macro_gap is None or weighted_gap is None:
        verdict = "macro_or_weighted"
    else:
        gap = cw["f1"] - cw["accuracy"]
        verdict = "macro" if abs(macro_gap - gap) <= abs(weighted_gap - gap) else "weighted"
    return Averaging(cw["f1"] - cw["accuracy"], macro_gap, weighted_gap, balanced, verdict)

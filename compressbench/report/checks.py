"""One quantitative test per claim of templates/claims/*.yaml, each on the claim's own quantity.

A check returns a Verdict: `holds` is True/False when the run measured the quantity and
resolved it, `status` says why not otherwise. `detail` names an i18n template
(`evidence_<name>`) and the quantities it prints, so this module has no words in it.
Thresholds sit next to the check that uses them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import facts as f
from .facts import NO_INTERVAL, RESOLVED, Run

NOT_MEASURED = "not_measured"
NOT_RESOLVED = "not_resolved"


@dataclass(frozen=True)
class Q:
    """A quantity to print: value and unit (ms, s, kib, ratio, pp, percent, count, p, ips, bpp, label, text)."""

    value: object
    unit: str = ""


@dataclass(frozen=True)
class Verdict:
    holds: bool | None  # None: not measured or not resolved
    status: str  # RESOLVED, NOT_MEASURED, NOT_RESOLVED
    detail: str = ""  # i18n key suffix: evidence_<detail>
    numbers: dict[str, Q] = field(default_factory=dict)
    reason: str = ""  # why not resolved (facts.OVERLAP, MACHINES, ...)


def measured(holds: bool, detail: str, **numbers: Q) -> Verdict:
    return Verdict(holds, RESOLVED, detail, numbers)


def not_measured(detail: str = "", **numbers: Q) -> Verdict:
    return Verdict(None, NOT_MEASURED, detail, numbers)


def unresolved(reason: str, detail: str, **numbers: Q) -> Verdict:
    return Verdict(None, NOT_RESOLVED, detail, numbers, reason)


CHECKS: dict[str, Callable[[Run], Verdict]] = {}


def check(function: Callable[[Run], Verdict]) -> Callable[[Run], Verdict]:
    CHECKS[function.__name__] = function
    return function


def _speed_claim(run: Run, metric: str, winner: str, losers: list[str], detail: str) -> Verdict:
    """The claim "winner is faster than every one of losers" on metric, resolved by the intervals."""
    present = [t for t in losers if run.value(t, f.METRICS[metric].key) is not None]
    if run.value(winner, f.METRICS[metric].key) is None or not present:
        return not_measured()
    comparisons = [f.compare(run, metric, winner, other) for other in present]
    unit = "ms" if metric == "latency" else "ips"
    numbers = {"target": Q(run.label(winner), "label"), "value": Q(run.value(winner, f.METRICS[metric].key), unit)}
    numbers.update(others=Q([(run.label(t), run.value(t, f.METRICS[metric].key)) for t in present], unit))
    lost = [c for c in comparisons if c.better is not None and c.better != winner]
    if any(c.resolved for c in lost):
        return measured(False, detail, **numbers)
    unsettled = [c for c in comparisons if not c.resolved]
    if unsettled:
        return unresolved(unsettled[0].status, detail, **numbers)
    return measured(True, detail, **numbers)


@check
def pytorch_loads_fastest(run: Run) -> Verdict:
    """No export or compile step: PyTorch is ready sooner than the runtimes that compile a graph."""
    others = [t for t in ("onnxruntime", "openvino") if run.value(t, "load_seconds") is not None]
    if run.value("pytorch", "load_seconds") is None or not others:
        return not_measured()
    comparisons = [f.compare(run, "load", "pytorch", t) for t in others]
    numbers = {"items": Q([(run.label(t), 1000 * run.value(t, "load_seconds")) for t in ["pytorch", *others]], "ms")}
    if any(c.better not in ("pytorch", None) and c.resolved for c in comparisons):
        return measured(False, "load", **numbers)
    if all(c.resolved and c.better == "pytorch" for c in comparisons):
        return measured(True, "load", **numbers)
    return unresolved(f.SMALL, "load", threshold=Q(f.SINGLE_RATIO, "ratio"), **numbers)


EAGER_OVERHEAD_SHARE = 0.5  # "dominates": more than half of the batch-1 call is not per-image compute


@check
def pytorch_batch1_overhead(run: Run) -> Verdict:
    """Per-call overhead dominates at batch 1: batch-1 latency against the per-image time at the best batch."""
    latency, per_image = run.value("pytorch", "latency_p50_ms"), f.per_image_ms(run, "pytorch")
    if latency is None or per_image is None:
        return not_measured()
    share = max(0.0, 1 - per_image / latency)
    numbers = {
        "latency": Q(latency, "ms"),
        "per_image": Q(per_image, "ms"),
        "batch": Q(run.value("pytorch", "batch_size_best"), "count"),
        "share": Q(share, "percent"),
        "threshold": Q(EAGER_OVERHEAD_SHARE, "percent"),
    }
    return measured(share > EAGER_OVERHEAD_SHARE, "overhead", **numbers)


@check
def pytorch_largest_file(run: Run) -> Verdict:
    present = [t for t in f.BASE_TARGETS if run.value(t, "size_bytes") is not None]
    if "pytorch" not in present or len(present) < 2:
        return not_measured()
    items = Q([(run.label(t), run.value(t, "size_bytes")) for t in present], "kib")
    largest = f.ranking(run, "size", present)[-1]
    return measured(largest == "pytorch", "sizes", items=items)


@check
def onnxruntime_faster_than_pytorch_batch1(run: Run) -> Verdict:
    return _speed_claim(run, "latency", "onnxruntime", ["pytorch"], "speed")


AGREEMENT_SAME = 0.999  # top-1 agreement counted as "reproduces the predictions"


@check
def onnxruntime_reproduces_pytorch(run: Run) -> Verdict:
    agreement = run.value("onnxruntime", "agreement")
    if agreement is None:
        return not_measured()
    numbers = {
        "agreement": Q(agreement, "percent"),
        "diff": Q(run.value("onnxruntime", "max_abs_logit_diff"), "small"),
        "threshold": Q(AGREEMENT_SAME, "percent"),
    }
    return measured(agreement >= AGREEMENT_SAME, "agreement", **numbers)


SAME_SIZE = 0.10  # "about as large": within 10 %


@check
def onnx_about_pytorch_size(run: Run) -> Verdict:
    onnx, torch = run.value("onnxruntime", "size_bytes"), run.value("pytorch", "size_bytes")
    if not onnx or not torch:
        return not_measured()
    items = Q([(run.label(t), run.value(t, "size_bytes")) for t in ("pytorch", "onnxruntime")], "kib")
    return measured(abs(onnx / torch - 1) <= SAME_SIZE, "size_ratio", items=items, ratio=Q(onnx / torch, "percent"))


QUARTER = (0.20, 0.30)  # "roughly a quarter" of the FP32 size


@check
def onnxruntime_int8_quarter_size(run: Run) -> Verdict:
    int8, fp32 = run.value("onnxruntime_int8", "size_bytes"), run.value("onnxruntime", "size_bytes")
    if not int8 or not fp32:
        return not_measured()
    items = Q([(run.label(t), run.value(t, "size_bytes")) for t in ("onnxruntime", "onnxruntime_int8")], "kib")
    ratio = int8 / fp32
    return measured(QUARTER[0] <= ratio <= QUARTER[1], "quarter", items=items, ratio=Q(ratio, "fraction"))


FP16_BYTES_MAX = 3.0  # fewer bytes per parameter than this cannot hold FP32 (4 bytes) weights


@check
def openvino_fp16_weights_half(run: Run) -> Verdict:
    """Weights stored in 2 bytes instead of 4: the .bin file's bytes per parameter when recorded, otherwise
    the whole IR's (an upper bound on the weights' share)."""
    exact = f.bytes_per_param(run, "openvino", "weights_bytes")
    total = f.bytes_per_param(run, "openvino")
    if exact is not None:
        return measured(exact <= 2.2, "weights_bpp", bpp=Q(exact, "bpp"))
    if total is None:
        return not_measured()
    numbers = {"bpp": Q(total, "bpp"), "threshold": Q(FP16_BYTES_MAX, "bpp")}
    if total < FP16_BYTES_MAX:
        return measured(True, "total_bpp", **numbers)
    if total >= 4:
        return measured(False, "total_bpp", **numbers)
    return unresolved(f.SMALL, "total_bpp", **numbers)


@check
def openvino_fastest_best_batch(run: Run) -> Verdict:
    others = [t for t in run.targets if t != "openvino" and run.runtime(t) != "openvino"]
    return _speed_claim(run, "throughput", "openvino", others, "speed")


@check
def openvino_default_bf16(run: Run) -> Verdict:
    """Testable only where the CPU has native bf16 and OpenVINO kept its default precision."""
    has_bf16 = f.has_flag(run, "avx512bf16", "amxbf16")
    requested = run.text("openvino", "precision_requested") or _runtime_info(run, "openvino", "precision_requested")
    executed = (run.data.bench.get("openvino") or {}).get("precision") or (run.data.row("openvino") or {}).get(
        "precision"
    )
    numbers = {"requested": Q(requested or "—", "text"), "executed": Q(_precision_name(executed), "text")}
    if has_bf16 is None or not executed or requested is None:
        return not_measured("bf16_unknown", **numbers)
    if not has_bf16:
        return not_measured("bf16_absent", **numbers)
    if requested != "auto":
        return not_measured("bf16_forced", **numbers)
    return measured(executed == "bf16", "bf16", **numbers)


def _runtime_info(run: Run, target: str, key: str):
    info = (run.data.bench.get(target) or {}).get("runtime_info") or {}
    metrics = run.data.metrics.get(target) or {}
    return info.get(key) or metrics.get(f"runtime_{key}")


def _precision_name(precision) -> str:
    return f.PRECISION_NAMES.get(str(precision), str(precision or "—"))


NAIVE_SLOWER = 1.20  # the convenience call costs at least 20 % more: "slower"
NAIVE_SAME = 1.05  # within 5 %: no measurable cost


@check
def openvino_naive_slower_than_tuned(run: Run) -> Verdict:
    naive, tuned = run.value("openvino", "naive_test_set_seconds"), run.value("openvino", "tuned_test_set_seconds")
    if not naive or not tuned:
        return not_measured()
    ratio = naive / tuned
    numbers = {
        "naive": Q(naive, "s"),
        "tuned": Q(tuned, "s"),
        "ratio": Q(ratio, "ratio"),
        "slower": Q(NAIVE_SLOWER, "ratio"),
        "same": Q(NAIVE_SAME, "ratio"),
    }
    if ratio >= NAIVE_SLOWER:
        return measured(True, "naive", **numbers)
    if ratio <= NAIVE_SAME:
        return measured(False, "naive", **numbers)
    return unresolved(f.SMALL, "naive", **numbers)


WITHIN_PP = 1.0


@check
def openvino_int8_accuracy_within_1pp(run: Run) -> Verdict:
    delta = run.value("openvino_int8", "accuracy_delta_pp")
    if delta is None:
        return not_measured()
    numbers = {
        "delta": Q(delta, "pp"),
        "p": Q(run.value("openvino_int8", "mcnemar_p"), "p"),
        "changed": Q(run.value("openvino_int8", "changed_predictions"), "count"),
    }
    return measured(abs(delta) <= WITHIN_PP, "delta", **numbers)


def check_all(run: Run) -> dict[str, Verdict]:
    return {name: function(run) for name, function in CHECKS.items()}


__all__ = ["CHECKS", "NOT_MEASURED", "NOT_RESOLVED", "NO_INTERVAL", "Q", "RESOLVED", "Verdict", "check_all"]

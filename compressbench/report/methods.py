"""Language-free facts about the compression methods of one run (the "methods" section).

Each function takes the run and returns numbers, comparisons (facts.Comparison, gated by intervals
or exact tests like the rest of the report) and a verdict name; methods_text.py words them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..stats import mcnemar
from ..targets import TARGETS, chain
from . import facts as f
from .facts import Comparison, Run

# method -> its targets, in table order (names from compressbench.targets.TARGETS)
METHODS = {
    "struct": ("pytorch_struct", "onnxruntime_struct", "openvino_struct", "torchscript_struct", "openvino_struct_int8"),
    "pruned": ("pytorch_pruned",),
    "distill": ("pytorch_distill", "pytorch_student_labels", "onnxruntime_distill", "openvino_distill_int8"),
    "cluster": ("pytorch_cluster", "onnxruntime_cluster", "openvino_cluster", "openvino_cluster_int8"),
    "qat": ("openvino_qat",),
    "torchscript": ("torchscript",),
}
PTQ_TARGETS = ("openvino_int8", "onnxruntime_int8")  # post-training INT8, the clustering and QAT yardstick
# A speed-up at least this share of the MAC reduction counts as set by arithmetic; below it, other costs dominate.
ARITHMETIC_SHARE = 0.8


def method_targets(run: Run) -> list[str]:
    """The run's targets that apply a compression method, in METHODS order."""
    return [t for targets in METHODS.values() for t in targets if t in run.targets]


def reference_targets(run: Run) -> list[str]:
    """The plain and post-training targets the methods are measured against, when the run has any method."""
    if not method_targets(run):
        return []
    return [t for t in (*f.BASE_TARGETS, *PTQ_TARGETS) if t in run.targets]


def ratio(numerator, denominator) -> float | None:
    return numerator / denominator if numerator and denominator else None


@dataclass(frozen=True)
class PairTest:
    """Accuracy of a against b: an exact McNemar test on their predictions when both are loaded,
    otherwise the bootstrap intervals (facts.compare)."""

    a: str
    b: str
    delta_pp: float | None  # accuracy of a minus b
    p: float | None  # McNemar p; None when the predictions are not loaded
    comparison: Comparison

    @property
    def resolved(self) -> bool:
        return self.p < f.SIGNIFICANCE if self.p is not None else self.comparison.resolved

    @property
    def verdict(self) -> str:
        """ "better" / "worse" (a against b, resolved) or "unresolved"."""
        if not self.resolved or not self.delta_pp:
            return "unresolved"
        return "better" if self.delta_pp > 0 else "worse"


def pair_test(run: Run, a: str, b: str) -> PairTest:
    acc_a, acc_b = run.value(a, "accuracy"), run.value(b, "accuracy")
    delta = 100.0 * (acc_a - acc_b) if acc_a is not None and acc_b is not None else None
    loaded = run.data.predictions
    p = None
    if a in loaded and b in loaded and len(loaded[a][0]) == len(loaded[b][0]):
        p = mcnemar(loaded[a][0], loaded[b][1], loaded[a][1])["mcnemar_p"]
    return PairTest(a, b, delta, p, f.compare(run, "accuracy", a, b))


# ---- structured pruning ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StructSpeedup:
    """One runtime's FP32 target against its structurally pruned one."""

    runtime: str
    base: str
    target: str
    mac_ratio: float | None  # base MACs / pruned MACs
    latency: Comparison  # batch 1
    throughput: Comparison  # best batch
    speedup_batch1: float | None  # base latency / pruned latency
    speedup_best: float | None  # pruned throughput / base throughput
    # Batch 1 at one thread (benchmark.single_thread_latency), None when not measured apart: on a
    # VM whose multi-thread latency jumps between modes it can tell a mode from a speed-up.
    latency_1thread: Comparison | None
    speedup_1thread: float | None
    # "arithmetic" (both batch sizes reach ARITHMETIC_SHARE of the MAC reduction), "arithmetic_best" (only the
    # best batch does: at batch 1 the per-call cost still dominates), "overhead" (neither) or "unresolved"
    # (no speed difference resolved)
    verdict: str
    grows_with_batch: bool | None  # speed-up larger at the best batch than at batch 1, beyond both ranges


def struct_speedups(run: Run) -> list[StructSpeedup]:
    out = []
    for runtime in ("pytorch", "onnxruntime", "openvino", "torchscript"):
        target = f"{runtime}_struct"
        if runtime in run.targets and target in run.targets:
            out.append(struct_speedup(run, runtime, target))
    return out


def struct_speedup(run: Run, base: str, target: str) -> StructSpeedup:
    mac_ratio = ratio(run.value(base, "macs"), run.value(target, "macs"))
    latency, throughput = f.compare(run, "latency", target, base), f.compare(run, "throughput", target, base)
    batch1 = ratio(run.value(base, "latency_p50_ms"), run.value(target, "latency_p50_ms"))
    best = ratio(run.value(target, "throughput_ips"), run.value(base, "throughput_ips"))
    one_thread = None
    if run.interval(base, "latency_1thread") and run.interval(target, "latency_1thread"):
        one_thread = f.compare(run, "latency_1thread", target, base)
    batch1_1thread = ratio(run.value(base, "latency_1thread_p50_ms"), run.value(target, "latency_1thread_p50_ms"))
    return StructSpeedup(
        base,
        base,
        target,
        mac_ratio,
        latency,
        throughput,
        batch1,
        best,
        one_thread,
        batch1_1thread if one_thread else None,
        struct_verdict(mac_ratio, (latency, batch1), (throughput, best), (one_thread, batch1_1thread)),
        speedup_grows(run, base, target),
    )


def struct_verdict(mac_ratio, batch1: tuple, best: tuple, batch1_1thread: tuple = (None, None)) -> str:
    """batch1, best, batch1_1thread: (Comparison or None, speed-up); only a resolved speed-up counts.
    Batch 1 reaches the MAC reduction only if the one-thread figure, where measured, agrees."""

    def reaches(c, s) -> bool:
        return c is not None and c.resolved and bool(s) and bool(mac_ratio) and s >= ARITHMETIC_SHARE * mac_ratio

    if not any(c is not None and c.resolved and s and s > 1 for c, s in (batch1, best)) or mac_ratio is None:
        return "unresolved"
    batch1_reached = reaches(*batch1) and (batch1_1thread[0] is None or reaches(*batch1_1thread))
    if batch1_reached and reaches(*best):
        return "arithmetic"
    return "arithmetic_best" if reaches(*best) else "overhead"


def speedup_grows(run: Run, base: str, target: str) -> bool | None:
    """Whether the speed-up at the best batch exceeds the one at batch 1 even at the ends of the repeat
    ranges (the smallest best-batch speed-up over the largest batch-1 one): then a per-call cost that
    larger batches share, not the arithmetic the pruning removed, set the batch-1 time."""
    lat_base, lat_target = run.interval(base, "latency"), run.interval(target, "latency")
    thr_base, thr_target = run.interval(base, "throughput"), run.interval(target, "throughput")
    if None in (lat_base, lat_target, thr_base, thr_target):
        return None
    largest_batch1 = lat_base[1] / lat_target[0]
    smallest_best = thr_target[0] / thr_base[1]
    if smallest_best > largest_batch1:
        return True
    smallest_batch1, largest_best = lat_base[0] / lat_target[1], thr_target[1] / thr_base[0]
    return False if largest_best < smallest_batch1 else None


def fixed_share(run: Run, target: str) -> float | None:
    """Share of the batch-1 call that is not per-image work: 1 - (per-image time at the best batch /
    batch-1 latency). Near 1, the call's fixed cost dominates and fewer MACs change little at batch 1."""
    per_image, p50 = f.per_image_ms(run, target), run.value(target, "latency_p50_ms")
    return max(0.0, 1.0 - per_image / p50) if per_image and p50 else None


# ---- unstructured pruning ------------------------------------------------------------------------


@dataclass(frozen=True)
class Unstructured:
    target: str
    base: str
    size_ratio: float | None  # base size / pruned size on disk (dense: about 1)
    gzip_ratio: float | None  # the same after gzip: zeros compress
    same_macs: bool | None  # dense kernels do every multiplication, zeros included
    latency: Comparison


def unstructured(run: Run, target: str = "pytorch_pruned", base: str = "pytorch") -> Unstructured | None:
    if target not in run.targets or base not in run.targets:
        return None
    macs = run.value(base, "macs"), run.value(target, "macs")
    return Unstructured(
        target,
        base,
        ratio(run.value(base, "size_bytes"), run.value(target, "size_bytes")),
        ratio(run.value(base, "size_gzip_bytes"), run.value(target, "size_gzip_bytes")),
        macs[0] == macs[1] if None not in macs else None,
        f.compare(run, "latency", target, base),
    )


# ---- distillation, QAT --------------------------------------------------------------------------


def distillation(run: Run) -> PairTest | None:
    """The distilled student against the same student trained on labels alone."""
    if "pytorch_distill" in run.targets and "pytorch_student_labels" in run.targets:
        return pair_test(run, "pytorch_distill", "pytorch_student_labels")
    return None


def qat_vs_ptq(run: Run) -> PairTest | None:
    if "openvino_qat" in run.targets and "openvino_int8" in run.targets:
        return pair_test(run, "openvino_qat", "openvino_int8")
    return None


# ---- clustering against INT8 ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterVsInt8:
    target: str
    int8: str
    packed_bytes: float | None
    int8_bytes: float | None
    smaller: bool | None  # packed clustered model smaller than the INT8 one (exact sizes)
    loss_pp: float | None  # accuracy change of the clustered model against its runtime's FP32 target
    int8_loss_pp: float | None
    accuracy: PairTest  # clustered against INT8


def onnx_fp32_bytes(run: Run, target: str) -> float | None:
    """The FP32 ONNX model's size, from the target's compression ratio (its denominator)."""
    size, compression = run.value(target, "size_bytes"), run.value(target, "compression_ratio")
    return size * compression if size and compression else None


def cluster_vs_int8(run: Run) -> list[ClusterVsInt8]:
    """Each clustered target stored in the packed format (centroids + indices: size_packed_bytes)
    against each post-training INT8 target. The clustered networks converted to other runtimes are
    dequantized, dense files: the chain paragraphs and the methods table cover them."""
    clustered = [t for t in METHODS["cluster"] if t in run.targets and run.value(t, "size_packed_bytes")]
    int8 = [t for t in PTQ_TARGETS if t in run.targets]
    out = []
    for t in clustered:
        for q in int8:
            packed, q_size = run.value(t, "size_packed_bytes"), run.value(q, "size_bytes")
            smaller = (packed < q_size if packed != q_size else None) if packed and q_size else None
            loss = run.value(t, "base_accuracy_delta_pp")
            if loss is None:
                loss = run.value(t, "accuracy_delta_pp")
            out.append(
                ClusterVsInt8(
                    t, q, packed, q_size, smaller, loss, run.value(q, "base_accuracy_delta_pp"), pair_test(run, t, q)
                )
            )
    return out


# ---- chains ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainStep:
    source: str
    target: str
    size_share: float | None  # this step's share of the chain's total size reduction (log ratios)
    size_ratio: float | None  # source size / target size
    accuracy: PairTest  # target against source


def chain_steps(run: Run, target: str) -> list[ChainStep]:
    """The trained FP32 model -> ... -> target, each step with its share of the size reduction
    (log size ratio over the total's, so shares add up to 1) and its accuracy change with its test."""
    names = [t for t in reversed(chain(target)) if t in run.targets]
    root = "pytorch" if "pytorch" in run.targets else None
    names = ([root] if root and names[0] != root else []) + names
    sizes = [run.value(t, "size_bytes") for t in names]
    if len(names) < 3 or not all(sizes):
        return []
    total = math.log(sizes[0] / sizes[-1])
    steps = []
    for i in range(1, len(names)):
        step = math.log(sizes[i - 1] / sizes[i])
        share = step / total if total else None
        test = pair_test(run, names[i], names[i - 1])
        steps.append(ChainStep(names[i - 1], names[i], share, sizes[i - 1] / sizes[i], test))
    return steps


def chain_targets(run: Run) -> list[str]:
    """INT8 steps built on another method's target (TargetSpec.base set): openvino_struct_int8 etc."""
    return [t for t in run.targets if t in TARGETS and TARGETS[t].built_from and TARGETS[t].weights == "int8"]

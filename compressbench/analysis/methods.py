"""The compression methods of one run: what each did to size, accuracy and speed, gated by the one rule.

Which target applies which method, what it is judged against and what it is built from comes
from the registry (TargetSpec.method, reference, control, built_from), never from names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..targets import TARGETS, TRAINED, chain
from .explain import per_image_ms
from .findings import Finding, body, make
from .rule import Comparison, PairTest, compare, pair_test
from .view import Run

# Method families of the methods section (TargetSpec.method of a chain's first step) -> table order;
# a distilled student and its labels-only control share a place. Quantization with accuracy control
# comes first, so that its row follows the plain post-training rows it is set against.
FAMILIES = {
    "ptq_int8_accuracy_control": 0,
    "structured_pruning": 1,
    "unstructured_pruning": 2,
    "distillation": 3,
    "student_from_labels": 3,
    "clustering": 4,
    "qat_int8": 5,
}


def method_targets(run: Run) -> list[str]:
    """The run's targets that apply a compression method of FAMILIES (and a TorchScript conversion of the
    trained model, whose speed the section sets beside eager PyTorch), in family order."""
    found = [t for t in run.targets if run.family(t) in FAMILIES]
    converted = [
        t
        for t in run.targets
        if run.method(t) == "baseline" and run.reference_of(t) and run.runtime(t) != run.runtime(run.reference_of(t))
    ]
    return sorted(found, key=lambda t: FAMILIES[run.family(t)]) + converted


def ptq_targets(run: Run) -> list[str]:
    """Post-training INT8 of the trained model (not a chain step): the clustering and QAT yardstick."""
    return [t for t in run.targets if run.method(t) == "ptq_int8" and run.family(t) == "ptq_int8"]


def reference_targets(run: Run) -> list[str]:
    """The baselines and post-training targets the methods are measured against, when the run has a method."""
    if not method_targets(run):
        return []
    return run.base + ptq_targets(run)


def ratio(numerator, denominator) -> float | None:
    return numerator / denominator if numerator and denominator else None


# ---- structured pruning ---------------------------------------------------------------------------


@body
@dataclass(frozen=True)
class StructSpeedup:
    """One runtime's reference target against its structurally pruned one."""

    runtime: str
    base: str
    target: str
    mac_ratio: float | None  # reference MACs / pruned MACs
    latency: Comparison  # batch 1
    throughput: Comparison  # best batch
    speedup_batch1: float | None  # reference latency / pruned latency
    speedup_best: float | None  # pruned throughput / reference throughput
    # Batch 1 at one thread (benchmark.single_thread_latency), None when not measured apart: on a
    # VM whose multi-thread latency jumps between modes it can tell a mode from a speed-up.
    latency_1thread: Comparison | None
    speedup_1thread: float | None
    # "faster" (resolved faster at batch 1 or at the best batch, slower at neither), "slower" (the other
    # way round), "mixed" (faster at one, slower at the other) or "unresolved" (no difference resolved)
    verdict: str
    grows_with_batch: bool | None  # speed-up larger at the best batch than at batch 1, beyond both ranges
    fixed_share: float | None  # share of the pruned network's batch-1 call that is not per-image work

    @property
    def resolved(self) -> bool:
        return self.verdict != "unresolved"

    def statement(self) -> str:
        return (
            f"{self.target} against {self.base}: {self.mac_ratio or float('nan'):.3g}x fewer MACs, "
            f"{self.speedup_batch1 or float('nan'):.3g}x at batch 1, {self.speedup_best or float('nan'):.3g}x at the "
            f"best batch: {self.verdict}"
        )


def struct_speedups(run: Run) -> list[StructSpeedup]:
    """Each structurally pruned network that is not a further chain step, against its reference."""
    out = []
    for target in run.targets:
        base = run.reference_of(target)
        if run.method(target) == "structured_pruning" and base is not None:
            out.append(struct_speedup(run, base, target))
    return out


def struct_speedup(run: Run, base: str, target: str) -> StructSpeedup:
    mac_ratio = ratio(run.value(base, "macs"), run.value(target, "macs"))
    latency, throughput = compare(run, "latency", target, base), compare(run, "throughput", target, base)
    batch1 = ratio(run.value(base, "latency_p50_ms"), run.value(target, "latency_p50_ms"))
    best = ratio(run.value(target, "throughput_ips"), run.value(base, "throughput_ips"))
    one_thread = None
    if run.interval(base, "latency_1thread") and run.interval(target, "latency_1thread"):
        one_thread = compare(run, "latency_1thread", target, base)
    batch1_1thread = ratio(run.value(base, "latency_1thread_p50_ms"), run.value(target, "latency_1thread_p50_ms"))
    return StructSpeedup(
        run.runtime(base),
        base,
        target,
        mac_ratio,
        latency,
        throughput,
        batch1,
        best,
        one_thread,
        batch1_1thread if one_thread else None,
        speed_verdict(target, latency, throughput),
        speedup_grows(run, base, target),
        fixed_share(run, target),
    )


def speed_verdict(target: str, *comparisons: Comparison) -> str:
    """Faster, slower, mixed or unresolved: only resolved comparisons count."""
    resolved = [c for c in comparisons if c.resolved and c.better is not None]
    faster = any(c.better == target for c in resolved)
    slower = any(c.better != target for c in resolved)
    if faster and slower:
        return "mixed"
    return "faster" if faster else "slower" if slower else "unresolved"


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
    per_image, p50 = per_image_ms(run, target), run.value(target, "latency_p50_ms")
    return max(0.0, 1.0 - per_image / p50) if per_image and p50 else None


# ---- unstructured pruning ------------------------------------------------------------------------


@body
@dataclass(frozen=True)
class Unstructured:
    target: str
    base: str
    size_ratio: float | None  # reference size / pruned size on disk (dense: about 1)
    gzip_ratio: float | None  # the same after gzip: zeros compress
    same_macs: bool | None  # dense kernels do every multiplication, zeros included
    latency: Comparison


def unstructured(run: Run) -> list[Unstructured]:
    out = []
    for target in run.targets:
        base = run.reference_of(target)
        if run.method(target) != "unstructured_pruning" or base is None:
            continue
        macs = run.value(base, "macs"), run.value(target, "macs")
        out.append(
            Unstructured(
                target,
                base,
                ratio(run.value(base, "size_bytes"), run.value(target, "size_bytes")),
                ratio(run.value(base, "size_gzip_bytes"), run.value(target, "size_gzip_bytes")),
                macs[0] == macs[1] if None not in macs else None,
                compare(run, "latency", target, base),
            )
        )
    return out


# ---- distillation, QAT: a method against its control ----------------------------------------------


def controls(run: Run, method: str) -> list[PairTest]:
    """Each target of `method` against its control (TargetSpec.control): the same recipe without the method."""
    out = []
    for target in run.targets:
        control = TARGETS[target].control if target in TARGETS else None
        if run.method(target) == method and control in run.targets:
            out.append(pair_test(run, target, control))
    return out


# ---- quantization with accuracy control against plain post-training quantization ---------------------


@body
@dataclass(frozen=True)
class AccuracyControl:
    """NNCF's quantization with accuracy control against its control, the same quantization without it."""

    target: str
    control: str
    accuracy: PairTest  # the target against its control, on the test images
    size: Comparison
    latency: Comparison
    throughput: Comparison
    max_drop_pp: float | None  # the drop it was allowed on its validation images
    validation_data: str | None  # which images it validated on (its build facts)
    validation_images: int | None
    quantizers: int | None  # FakeQuantize layers left in the model
    quantizers_plain: int | None  # in plain post-training quantization of the same model

    @property
    def returned(self) -> int | None:
        """Quantizers that went back to floating point."""
        if self.quantizers is None or self.quantizers_plain is None:
            return None
        return self.quantizers_plain - self.quantizers

    @property
    def resolved(self) -> bool:
        return any(c.resolved for c in (self.accuracy, self.size, self.latency, self.throughput))

    def statement(self) -> str:
        return (
            f"{self.target} against {self.control}: {self.returned} of {self.quantizers_plain} quantizers back to "
            f"floating point; {self.accuracy.statement()}; {self.size.statement()}; {self.latency.statement()}"
        )


def accuracy_controls(run: Run) -> list[AccuracyControl]:
    """Each accuracy-controlled quantization of the run against its control (TargetSpec.control) when that is
    in the run too."""
    out = []
    for target in run.targets:
        control = TARGETS[target].control if target in TARGETS else None
        if run.method(target) != "ptq_int8_accuracy_control" or control not in run.targets:
            continue
        info = run.build(target)
        out.append(
            AccuracyControl(
                target,
                control,
                pair_test(run, target, control),
                compare(run, "size", target, control),
                compare(run, "latency", target, control),
                compare(run, "throughput", target, control),
                info.get("accuracy_control_max_drop_pp"),
                info.get("accuracy_control_data"),
                info.get("accuracy_control_images"),
                info.get("fake_quantize_nodes"),
                info.get("fake_quantize_nodes_plain_ptq"),
            )
        )
    return out


# ---- clustering against INT8 ----------------------------------------------------------------------


@body
@dataclass(frozen=True)
class ClusterVsInt8:
    target: str
    int8: str
    packed_bytes: float | None
    int8_bytes: float | None
    smaller: bool | None  # packed clustered model smaller than the INT8 one (exact sizes)
    loss_pp: float | None  # accuracy change of the clustered model against its reference
    int8_loss_pp: float | None
    accuracy: PairTest  # clustered against INT8
    fp32_bytes: float | None  # the FP32 ONNX model's size (the compression ratio's numerator)


def onnx_fp32_bytes(run: Run, target: str) -> float | None:
    """The FP32 ONNX model's size, from the target's compression ratio (its denominator)."""
    size, compression = run.value(target, "size_bytes"), run.value(target, "compression_ratio")
    return size * compression if size and compression else None


def cluster_vs_int8(run: Run) -> list[ClusterVsInt8]:
    """Each clustered target stored in the packed format (centroids + indices: size_packed_bytes)
    against each post-training INT8 target. The clustered networks converted to other runtimes are
    dequantized, dense files: the chain paragraphs and the methods table cover them."""
    clustered = [t for t in run.targets if run.method(t) == "clustering" and run.value(t, "size_packed_bytes")]
    out = []
    for t in clustered:
        for q in ptq_targets(run):
            packed, q_size = run.value(t, "size_packed_bytes"), run.value(q, "size_bytes")
            smaller = (packed < q_size if packed != q_size else None) if packed and q_size else None
            loss = run.value(t, "reference_accuracy_delta_pp")
            if loss is None:
                loss = run.value(t, "accuracy_delta_pp")
            out.append(
                ClusterVsInt8(
                    t,
                    q,
                    packed,
                    q_size,
                    smaller,
                    loss,
                    run.value(q, "reference_accuracy_delta_pp"),
                    pair_test(run, t, q),
                    onnx_fp32_bytes(run, t),
                )
            )
    return out


# ---- chains ---------------------------------------------------------------------------------------


@body
@dataclass(frozen=True)
class ChainStep:
    source: str
    target: str
    size_share: float | None  # this step's share of the chain's total size reduction (log ratios)
    size_ratio: float | None  # source size / target size
    accuracy: PairTest  # target against source


@body
@dataclass(frozen=True)
class Chain:
    target: str
    steps: list[ChainStep]


def chain_steps(run: Run, target: str, root: str | None) -> list[ChainStep]:
    """The trained FP32 model -> ... -> target, each step with its share of the size reduction
    (log size ratio over the total's, so shares add up to 1) and its accuracy change with its test."""
    names = [t for t in reversed(chain(target)) if t in run.targets]
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
    """INT8 steps built on another method's target: post-training INT8 of a pruned, clustered or
    distilled network."""
    return [t for t in run.targets if run.method(t) == "ptq_int8" and run.family(t) != "ptq_int8"]


SECTION = "methods"


def findings(run: Run) -> list[Finding]:
    if not method_targets(run):
        return []
    out = [
        make(f"methods.accuracy_control.{x.target}", SECTION, x, sources=(x.target, x.control))
        for x in accuracy_controls(run)
    ]
    out += [make(f"methods.struct.{x.target}", SECTION, x, sources=(x.target, x.base)) for x in struct_speedups(run)]
    out += [make(f"methods.unstructured.{x.target}", SECTION, x, sources=(x.target, x.base)) for x in unstructured(run)]
    out += [make(f"methods.control.{x.a}", SECTION, x, sources=(x.a, x.b)) for x in controls(run, "distillation")]
    out += [
        make(f"methods.cluster.{x.target}.{x.int8}", SECTION, x, sources=(x.target, x.int8))
        for x in cluster_vs_int8(run)
    ]
    out += [make(f"methods.control.{x.a}", SECTION, x, sources=(x.a, x.b)) for x in controls(run, "qat_int8")]
    root = TRAINED if TRAINED in run.targets else None
    for target in chain_targets(run):
        steps = chain_steps(run, target, root)
        if steps:
            out.append(make(f"methods.chain.{target}", SECTION, Chain(target, steps), sources=tuple(chain(target))))
    return out

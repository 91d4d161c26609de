""" "Why isn't it faster?": a variant against its reference, from their per-layer profiles.

For every compressed variant and the plain target of its runtime (its reference), at batch 1 and
at each one's best batch size, the diagnosis lists the measured causes that keep the variant from
being faster, ranked by the time they cost (quantize/convert/reorder layers, layers that fell back
to a float precision in an INT8 model, the per-call cost outside any operator, MAC-carrying layers
slower than the reference's, dense kernels on zeroed weights, channel counts that leave vector lanes
empty, an instruction set the CPU lacks), and what made it faster in the same terms (time saved
per layer against MACs removed, lower-precision kernels, less time outside operators). Everything
is plain data in, plain dataclasses out (diagnosis.model); no words: the report phrases them.

    from compressbench.diagnosis import diagnose, diagnose_run
    diagnosis = diagnose("results", "onnxruntime_int8")          # reference: the runtime's plain target
    diagnoses = diagnose_run("results", ["onnxruntime", "onnxruntime_int8", ...])
"""

from __future__ import annotations

from pathlib import Path

from .. import paths
from ..opprofile import BatchProfile, read_profile
from ..tables import read_json
from ..targets import TARGETS
from . import causes as c
from .layers import CONVERT, OUTSIDE, layer_kind, mac_layers, modules_of
from .model import (
    CAUSES,
    FASTER,
    GAINS,
    SLOWER,
    UNMEASURED,
    UNRESOLVED,
    BatchDiagnosis,
    Cause,
    Diagnosis,
    DiagnosisInputs,
    Gain,
    Int8Layers,
    LayerComparison,
    MacExplanation,
    UnmeasuredLayers,
)

__all__ = [
    "CAUSES",
    "GAINS",
    "FASTER",
    "SLOWER",
    "UNRESOLVED",
    "UNMEASURED",
    "BatchDiagnosis",
    "Cause",
    "Diagnosis",
    "DiagnosisInputs",
    "Gain",
    "Int8Layers",
    "LayerComparison",
    "MacExplanation",
    "UnmeasuredLayers",
    "diagnose",
    "diagnose_inputs",
    "diagnose_run",
    "int8_layers",
    "load_inputs",
    "reference_of",
]


# ---------------------------------------------------------------- pure


def int8_layers(profile: BatchProfile, modules: list[str] = ()) -> Int8Layers:
    """How many executed layers ran in INT8; quantize/convert layers are counted apart. A float layer is
    named with the model's layers it ran where its name does not say (an OpenVINO snippet, "logits")."""
    working = [row for row in profile.layers if layer_kind(row) not in (CONVERT, OUTSIDE)]

    def named(row) -> str:
        ran = [name for name in modules_of(row, list(modules)) if name not in row.layer]
        return f"{row.layer} ({' + '.join(ran)})" if ran else row.layer

    return Int8Layers(
        profile.batch,
        len(working),
        sum(row.precision == "int8" for row in working),
        sum(layer_kind(row) == CONVERT for row in profile.layers),
        tuple(named(row) for row in working if row.precision in c.FLOAT_PRECISIONS),
    )


# Benchmark figures of each setting: (key, low key, high key, the figure is a rate, not a time)
SPEED_KEYS = {
    "batch1": ("latency_p50_ms", "latency_p50_ci_low_ms", "latency_p50_ci_high_ms", False),
    "best": ("throughput_ips", "throughput_ips_low", "throughput_ips_high", True),
}


def time_range(bench: dict, setting: str) -> tuple[float, float | None, float | None] | None:
    """(time per image, its low, its high) in a benchmark summary's units; None when unmeasured."""
    key, low, high, rate = SPEED_KEYS[setting]
    value, low_value, high_value = bench.get(key), bench.get(low), bench.get(high)
    if not value:
        return None
    if rate:  # the highest throughput is the shortest time
        return 1.0 / value, 1.0 / high_value if high_value else None, 1.0 / low_value if low_value else None
    return value, low_value, high_value


def speed(variant: dict, reference: dict, setting: str) -> tuple[float | None, str]:
    """(variant time per image / reference's, status) from two benchmark summaries. Resolved, as in
    the report, only when the min-max ranges over repeats do not overlap (two repeats or more)."""
    mine, theirs = time_range(variant, setting), time_range(reference, setting)
    if mine is None or theirs is None:
        return None, UNMEASURED
    ratio = mine[0] / theirs[0]
    repeats = min(int(variant.get("repeats") or 1), int(reference.get("repeats") or 1))
    if repeats < 2 or None in (*mine, *theirs):
        return ratio, UNRESOLVED
    if mine[2] < theirs[1]:
        return ratio, FASTER
    if mine[1] > theirs[2]:
        return ratio, SLOWER
    return ratio, UNRESOLVED


def model_layers_of(facts: dict, reference_facts: dict, trained: list[dict]):
    """The MAC-carrying layers of a target's network: its own build facts' layers (narrowed networks),
    else the trained network's when its MACs are the trained network's; [] when unknown."""
    if facts.get("layers"):
        return mac_layers(facts["layers"])
    if facts.get("macs") in (None, reference_facts.get("macs")):
        return mac_layers(trained)
    return []


def ranked_causes(inputs: DiagnosisInputs, pair: c.Pair, shares: dict) -> tuple[tuple[Cause, ...], tuple[str, ...]]:
    """The causes the pair shows, largest time first, and the layers the dense-kernel cause explains."""
    macs = inputs.variant_facts.get("macs"), inputs.reference_facts.get("macs")
    dense = c.dense_on_zeroed_weights(pair, float(inputs.variant_facts.get("sparsity") or 0), macs[0] == macs[1])
    isa = c.missing_isa(pair, inputs.isa)
    sparse = dense.layers if dense else ()
    # layers a cause explains are no "slower kernels": the same kernels on the same work differ by
    # noise, and a kernel without its instructions is slow for that reason
    explained = (*sparse, *c.layers_in(pair, isa.numbers["precision"] if isa else None))
    found = [
        c.convert_layers(pair),
        c.fp32_fallback(pair, inputs.variant_bench.get("precision") == "int8"),
        c.per_call_cost(pair, shares),
        c.slower_kernels(pair, explained),
        c.other_layers(pair),
        c.unfused_layers(pair),
        dense,
        c.narrow_channels(pair, inputs.isa),
        isa,
    ]
    costs = (x for x in found if x and c.is_cost(x))
    ranked = sorted(costs, key=lambda x: (-x.us_per_image, CAUSES.index(x.kind)))
    return tuple(ranked), sparse


def _setting(inputs: DiagnosisInputs, setting: str, batches: tuple[int, int], shares: dict) -> BatchDiagnosis:
    for target, profile, batch in zip(
        (inputs.variant, inputs.reference), (inputs.variant_profile, inputs.reference_profile), batches, strict=True
    ):
        if batch not in profile:
            raise ValueError(f"diagnosis: the profile of {target!r} has no batch {batch} (profiled: {sorted(profile)})")
    variant, reference = inputs.variant_profile[batches[0]], inputs.reference_profile[batches[1]]
    reference_model = model_layers_of(inputs.reference_facts, inputs.reference_facts, inputs.model_layers)
    variant_model = model_layers_of(inputs.variant_facts, inputs.reference_facts, inputs.model_layers)
    layers = c.compare_layers(variant, reference, variant_model, reference_model)
    variant_unmeasured, reference_unmeasured, zero_read = c.unmeasured(
        variant, reference, variant_model, reference_model
    )
    pair = c.Pair(variant, reference, layers, variant_unmeasured, reference_unmeasured)
    causes, sparse = ranked_causes(inputs, pair, shares)
    gains = sorted(
        c.layer_gains(pair, sparse) + c.part_gains(pair), key=lambda x: (-x.saved_us_per_image, GAINS.index(x.kind))
    )
    macs = inputs.variant_facts.get("macs"), inputs.reference_facts.get("macs")
    ratio, status = speed(inputs.variant_bench, inputs.reference_bench, setting)
    return BatchDiagnosis(
        setting,
        *batches,
        ratio,
        status,
        (variant.profiled_call_us / batches[0]) / (reference.profiled_call_us / batches[1]),
        causes,
        tuple(gains),
        pair.layers,
        c.mac_explanation(pair, macs[0] / macs[1] if all(macs) else None),
        c.outside_explained(pair, zero_read),
        (counted_us(variant), counted_us(reference)),
        (variant.call_us / batches[0], reference.call_us / batches[1])
        if variant.call_us and reference.call_us
        else None,
    )


def counted_us(profile) -> float:
    """The profiled layers' time per image, the time outside operators left out."""
    return sum(row.us_per_call for row in profile.layers) / profile.batch


def diagnose_inputs(inputs: DiagnosisInputs) -> Diagnosis:
    """The diagnosis of one variant against its reference at batch 1 and at each one's best batch."""
    best = (int(inputs.variant_bench["batch_size_best"]), int(inputs.reference_bench["batch_size_best"]))
    profile = inputs.variant_profile
    shares = {
        setting: profile[batch].outside_us / profile[batch].profiled_call_us
        for setting, batch in (("batch1", 1), ("best", best[0]))
        if batch in profile
    }
    int8 = inputs.variant_bench.get("precision") == "int8"
    layers = model_layers_of(inputs.variant_facts, inputs.reference_facts, inputs.model_layers)
    modules = [layer.name for layer in layers]
    return Diagnosis(
        inputs.variant,
        inputs.reference,
        _setting(inputs, "batch1", (1, 1), shares),
        _setting(inputs, "best", best, shares),
        tuple(int8_layers(profile[batch], modules) for batch in sorted(profile)) if int8 else (),
    )


# ---------------------------------------------------------------- a run's files


def reference_of(target: str) -> str | None:
    """The target a variant is compared with (TargetSpec.reference: onnxruntime_int8 -> onnxruntime);
    None for one that has no reference (the trained model)."""
    spec = TARGETS.get(target)
    return spec.reference if spec else None


def _file(results: str | Path, pattern: str, target: str | None = None) -> Path:
    """A results/ path pattern under another results folder (a study run's results/runs/<run>/results)."""
    relative = Path(pattern.format(target=target) if target else pattern).relative_to(paths.RESULTS)
    path = Path(results) / relative
    if not path.is_file():
        raise FileNotFoundError(f"diagnosis: {path} is missing (the profile, benchmark and evaluate rules write it)")
    return path


def load_inputs(results: str | Path, variant: str, reference: str | None = None) -> DiagnosisInputs:
    """Read one comparison's inputs from a run's results folder (`results`, or a study run's)."""
    reference = reference or reference_of(variant)
    if reference is None:
        raise ValueError(f"diagnosis: target {variant!r} has no reference (it is a plain target)")

    def profile(target):
        ops, summary = (_file(results, paths.PROFILE[name], target) for name in ("ops", "summary"))
        return read_profile(ops, summary)

    return DiagnosisInputs(
        variant,
        reference,
        profile(variant),
        profile(reference),
        read_json(_file(results, paths.BENCH["summary"], variant)),
        read_json(_file(results, paths.BENCH["summary"], reference)),
        read_json(_file(results, paths.EVAL["metrics"], variant)),
        read_json(_file(results, paths.EVAL["metrics"], reference)),
        read_json(_file(results, paths.SPEC)).get("summary", {}).get("layers", []),
        read_json(_file(results, paths.ENVIRONMENT)).get("isa", {}),
    )


def diagnose(results: str | Path, variant: str, reference: str | None = None) -> Diagnosis:
    """The diagnosis of `variant` against `reference` (default: its runtime's plain target) in a run."""
    return diagnose_inputs(load_inputs(results, variant, reference))


def diagnose_run(results: str | Path, targets: list[str]) -> list[Diagnosis]:
    """Every variant among `targets` whose reference is among them too, in `targets` order."""
    return [diagnose(results, target) for target in targets if reference_of(target) in targets]

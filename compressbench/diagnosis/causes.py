"""Each cause and gain as a pure function of one pair of profiles (a variant's and its reference's
at one batch setting): it returns None when the profiles do not show it.

Times are per image (a profile's time per call / its batch), so a variant and a reference compared
at their own best batch sizes are on one scale. Shares are of the variant's profiled call for a
cause and of the reference's for a gain.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..machine import ISA_FLAGS
from ..opprofile import BatchProfile, OpRow
from . import model as m
from .layers import (
    COMPUTE,
    CONVERT,
    OTHER,
    ModelLayer,
    is_activation,
    kernel_isa,
    lane_use,
    lanes,
    layer_kind,
    match_compute,
    rows_of,
    vector_bits,
)

SAME_TIME = 0.05  # a layer within 5 % of the reference's time took the same time (profile noise)
# Convert layers, a part every call has: they cost only where they take longer than the reference's (then
# whole); shorter, they are a saving (part_gains). The time outside operators costs only its excess over the
# reference's (per_call_cost). The other causes name why work was not made faster (a float fallback, dense
# kernels on zeros, empty lanes) and count at any time.
LONGER_THAN_REFERENCE = (m.CONVERT_LAYERS,)
FLOAT_PRECISIONS = ("f32", "bf16", "f16")
# The instructions a precision's kernels need on x86 (any one of them), as machine.ISA_FLAGS keys.
PRECISION_ISA = {
    "int8": ("avx512_vnni", "avx_vnni", "amx_int8"),
    "bf16": ("avx512_bf16", "amx_bf16"),
    "f16": ("avx512_fp16", "amx_fp16"),
}


@dataclass(frozen=True)
class Pair:
    """A variant's and its reference's profiles at one batch setting, and what both ran."""

    variant: BatchProfile
    reference: BatchProfile
    layers: tuple[m.LayerComparison, ...]  # MAC-carrying layers found in both
    # Per image, the other side's time for MAC-carrying layers that one side ran under the counter's unit
    # (0 us in every call): their time is in that side's time outside operators (see unmeasured).
    variant_unmeasured_us: float = 0.0
    reference_unmeasured_us: float = 0.0

    def variant_us(self, rows) -> float:
        return sum(row.us_per_call for row in rows) / self.variant.batch

    def reference_us(self, rows) -> float:
        return sum(row.us_per_call for row in rows) / self.reference.batch

    def variant_share(self, us_per_image: float) -> float:
        return us_per_image * self.variant.batch / self.variant.profiled_call_us

    def reference_share(self, us_per_image: float) -> float:
        return us_per_image * self.reference.batch / self.reference.profiled_call_us


def _matched_layers(
    variant: BatchProfile, reference: BatchProfile, variant_model: list[ModelLayer], reference_model: list[ModelLayer]
):
    """(key, model layer names, variant rows, reference rows) for each MAC-carrying layer that ran in both,
    matched through the model's layers. A layer that ran several model layers at once (an OpenVINO snippet,
    named "classifier.3+classifier.5") goes with the other side's layers for them together."""
    found_variant = match_compute(list(variant.rows), variant_model)
    found_reference = match_compute(list(reference.rows), reference_model)
    for key, variant_rows in found_variant.items():
        names = key.split("+") if key not in found_reference else [key]
        if all(name in found_reference for name in names):
            yield key, names, variant_rows, [row for name in names for row in found_reference[name]]
    for key, reference_rows in found_reference.items():  # and a reference snippet, the variant's layers apart
        names = key.split("+")
        if key not in found_variant and len(names) > 1 and all(name in found_variant for name in names):
            yield key, names, [row for name in names for row in found_variant[name]], reference_rows


def _timed(rows) -> bool:
    return any(row.us_per_call for row in rows)


def compare_layers(
    variant: BatchProfile, reference: BatchProfile, variant_model: list[ModelLayer], reference_model: list[ModelLayer]
) -> tuple[m.LayerComparison, ...]:
    """The MAC-carrying layers that ran in both (_matched_layers), in reference order. A layer whose time
    reads 0 on either side ran under the profiler's unit in every call and is left out (unmeasured)."""
    order = {name: index for index, name in enumerate(match_compute(list(reference.rows), reference_model))}
    variant_layers = {layer.name: layer for layer in variant_model}
    reference_layers = {layer.name: layer for layer in reference_model}
    comparisons = []
    for key, names, variant_rows, reference_rows in _matched_layers(variant, reference, variant_model, reference_model):
        if not _timed(variant_rows) or not _timed(reference_rows):
            continue  # no call counted a whole microsecond (OpenVINO's unit) on one side: no time to compare
        mine = [variant_layers.get(name) for name in names]
        theirs = [reference_layers.get(name) for name in names]
        single = len(names) == 1
        comparisons.append(
            m.LayerComparison(
                key,
                sum(row.us_per_call for row in variant_rows) / variant.batch,
                sum(row.us_per_call for row in reference_rows) / reference.batch,
                variant_rows[0].precision,
                reference_rows[0].precision,
                [(r.type, r.kernel) for r in variant_rows] == [(r.type, r.kernel) for r in reference_rows],
                sum(layer.macs for layer in mine) if all(mine) else None,
                sum(layer.macs for layer in theirs) if all(theirs) else None,
                mine[0].channels if single and mine[0] else None,
                theirs[0].channels if single and theirs[0] else None,
            )
        )
    return tuple(sorted(comparisons, key=lambda c: order.get(c.layer, order.get(c.layer.split("+")[0], 0))))


def unmeasured(
    variant: BatchProfile, reference: BatchProfile, variant_model: list[ModelLayer], reference_model: list[ModelLayer]
) -> tuple[float, float, tuple[str, ...]]:
    """Per image, the reference's time for the MAC-carrying layers whose variant counters read 0 in every call
    and the variant's for those whose reference counters did; and the former layers. OpenVINO counts whole
    microseconds, so a layer under one (its INT8 classifier snippet at batch 1) reads 0 and its time lands
    outside operators; the other side's time for the same model layers is the estimate of how much."""
    variant_us = reference_us = 0.0
    layers = []
    for key, _, variant_rows, reference_rows in _matched_layers(variant, reference, variant_model, reference_model):
        if _timed(reference_rows) and not _timed(variant_rows):
            variant_us += sum(row.us_per_call for row in reference_rows) / reference.batch
            layers.append(key)
        if _timed(variant_rows) and not _timed(reference_rows):
            reference_us += sum(row.us_per_call for row in variant_rows) / variant.batch
    return variant_us, reference_us, tuple(layers)


def outside_explained(pair: Pair, layers: tuple[str, ...]) -> m.UnmeasuredLayers | None:
    """The variant's longer time outside operators where layers it ran under the counter's unit are in it
    and it is not counted as a cost (per_call_cost): the account says why."""
    longer = pair.variant.outside_us / pair.variant.batch > pair.reference.outside_us / pair.reference.batch
    if not layers or not longer or per_call_cost(pair, {}) is not None:
        return None
    return m.UnmeasuredLayers(
        layers,
        pair.variant.outside_us,
        pair.reference.outside_us,
        pair.variant_unmeasured_us * pair.variant.batch,
    )


def layers_in(pair: Pair, precision: str | None) -> tuple[str, ...]:
    """The compared MAC-carrying layers the variant ran in `precision` (none for None)."""
    return tuple(c.layer for c in pair.layers if precision is not None and c.variant_precision == precision)


def _names(rows: list[OpRow]) -> tuple[str, ...]:
    return tuple(row.layer for row in rows)


# ---------------------------------------------------------------- causes


def is_cost(cause: m.Cause) -> bool:
    """Whether a found cause holds the variant back (see LONGER_THAN_REFERENCE)."""
    if cause.kind not in LONGER_THAN_REFERENCE or cause.reference_us_per_image is None:
        return True
    return cause.us_per_image > cause.reference_us_per_image


def convert_layers(pair: Pair) -> m.Cause | None:
    """Quantize/dequantize, convert, reorder and transpose layers: work that computes nothing."""
    rows = rows_of(pair.variant.rows, CONVERT)
    theirs = rows_of(pair.reference.rows, CONVERT)
    us = pair.variant_us(rows)
    if not rows:
        return None
    return m.Cause(
        m.CONVERT_LAYERS,
        us,
        pair.variant_share(us),
        pair.reference_us(theirs),
        _names(rows),
        {"count": len(rows), "reference_count": len(theirs), "types": sorted({row.type for row in rows})},
    )


def _unfused(pair: Pair) -> list[OpRow]:
    """The variant's activation layers of a type the reference runs no layer of: the reference fused them
    into its MAC-carrying layers (ONNX Runtime's graph optimizations: Conv+Relu, FusedGemm)."""
    reference_types = {row.type.lower() for row in pair.reference.rows}
    return [
        row
        for row in rows_of(pair.variant.rows, OTHER)
        if is_activation(row) and row.type.lower() not in reference_types
    ]


def unfused_layers(pair: Pair) -> m.Cause | None:
    """Activation layers run on their own where the reference ran them inside its MAC-carrying layers: their
    whole time is the cost (the fused reference spends none apart)."""
    rows = _unfused(pair)
    if not rows:
        return None
    us = pair.variant_us(rows)
    return m.Cause(
        m.UNFUSED_LAYERS,
        us,
        pair.variant_share(us),
        0.0,
        _names(rows),
        {"count": len(rows), "types": sorted({row.type for row in rows})},
    )


def other_layers(pair: Pair) -> m.Cause | None:
    """Pooling, activation and reshape layers (no MACs) taking longer than the reference's, as a whole (INT8
    pooling in another layout can take longer than the float pooling it replaced), apart from unfused ones
    (unfused_layers). Unlike convert layers they do needed work, so the cost is their time beyond the
    reference's, and only beyond profile noise."""
    unfused = set(_names(_unfused(pair)))
    rows = [row for row in rows_of(pair.variant.rows, OTHER) if row.layer not in unfused]
    theirs = rows_of(pair.reference.rows, OTHER)
    mine, reference = pair.variant_us(rows), pair.reference_us(theirs)
    if not rows or not theirs or mine <= reference * (1 + SAME_TIME):
        return None
    return m.Cause(
        m.SLOWER_OTHER_LAYERS,
        mine - reference,
        pair.variant_share(mine - reference),
        reference,
        _names(rows),
        {"count": len(rows), "time_ratio": mine / reference, "types": sorted({row.type for row in rows})},
    )


def fp32_fallback(pair: Pair, int8_variant: bool) -> m.Cause | None:
    """Layers of an INT8 variant that executed in a float precision (convert layers apart)."""
    if not int8_variant:
        return None
    working = [row for row in pair.variant.layers if layer_kind(row) != CONVERT]
    rows = [row for row in working if row.precision in FLOAT_PRECISIONS]
    if not rows:
        return None
    same = [row for row in pair.reference.layers if row.layer in set(_names(rows))]
    us = pair.variant_us(rows)
    return m.Cause(
        m.FP32_FALLBACK,
        us,
        pair.variant_share(us),
        pair.reference_us(same) if same else None,
        _names(rows),
        {
            "count": len(rows),
            "executed": len(working),
            "compute_count": len(rows_of(rows, COMPUTE)),
            "precisions": sorted({row.precision for row in rows}),
            "fused": {row.layer: list(row.fused) for row in rows if row.fused},  # what each ran (OpenVINO)
        },
    )


def profiler_added_us(profile: BatchProfile) -> float:
    """What the profiler added to one call (the call under it minus the same call without it), per image."""
    return max(0.0, profile.profiled_call_us - profile.call_us) / profile.batch


def outside_beyond_profiler(pair: Pair) -> float:
    """The variant's time outside operators per image over the reference's, less what the profiler added to the
    variant's call over the reference's and less the time of the layers it ran under the counter's unit: both
    land outside operators, so only the rest can be the variant's (positive: a cost; negative: a saving; 0: the
    profiler's work and the unmeasured layers can explain it all)."""
    outside = pair.variant.outside_us / pair.variant.batch - pair.reference.outside_us / pair.reference.batch
    added = profiler_added_us(pair.variant) - profiler_added_us(pair.reference)
    if outside > 0:  # the variant's extra profiler work and its unmeasured layers explain up to that much
        return max(0.0, outside - max(0.0, added) - pair.variant_unmeasured_us)
    return min(0.0, outside + max(0.0, -added) + pair.reference_unmeasured_us)  # and the reference's, of its own


def per_call_cost(pair: Pair, outside_shares: dict[str, float]) -> m.Cause | None:
    """The time outside any operator beyond the reference's (what the profilers added and the unmeasured layers
    taken out): a variant with 28.2 µs outside against the reference's 27.6 µs costs 0.6 µs there, not 28.2;
    `outside_shares`: the variant's whole outside share per batch setting, which the account states beside."""
    us = pair.variant.outside_us / pair.variant.batch
    # against a reference whose counters add up to its whole call (no time outside, as part_gains says), a
    # variant's time outside is the accounting's: its layers under the counter's unit land there
    beyond = outside_beyond_profiler(pair)
    if us <= 0 or pair.reference.outside_us <= 0 or beyond <= 0:
        return None
    reference_us = pair.reference.outside_us / pair.reference.batch
    return m.Cause(
        m.PER_CALL_COST,
        beyond,
        pair.variant_share(beyond),
        reference_us,
        (),
        {
            "outside_us_per_call": pair.variant.outside_us,
            "reference_outside_us_per_call": pair.reference.outside_us,
            "reference_share": pair.reference_share(reference_us),
            **{f"share_{setting}": share for setting, share in outside_shares.items()},
        },
    )


def slower_kernels(pair: Pair, explained: tuple[str, ...] = ()) -> m.Cause | None:
    """MAC-carrying layers that took longer than the reference's same layers, apart from the
    `explained` ones (dense kernels on zeroed weights: the same work, so a difference is noise); the cost is
    their time beyond the reference's."""
    slower = [c for c in pair.layers if c.variant_us > c.reference_us * (1 + SAME_TIME) and c.layer not in explained]
    if not slower:
        return None
    us, reference_us = sum(c.variant_us for c in slower), sum(c.reference_us for c in slower)
    beyond = us - reference_us  # what they cost: their time beyond the reference's, as slower other layers count
    return m.Cause(
        m.SLOWER_KERNELS,
        beyond,
        pair.variant_share(beyond),
        reference_us,
        tuple(c.layer for c in slower),
        {
            "count": len(slower),
            "time_ratio": us / reference_us if reference_us else None,
            "ratios": {c.layer: c.time_ratio for c in slower},
            "precisions": sorted({f"{c.variant_precision} vs {c.reference_precision}" for c in slower}),
        },
    )


def dense_on_zeroed_weights(pair: Pair, sparsity: float, same_macs: bool) -> m.Cause | None:
    """Unstructured sparsity: the zeroed weights go through the same dense kernels as the reference's
    (same MACs, same kernels), so the same work is done; `time_ratio` shows what that took."""
    if sparsity <= 0 or not same_macs:
        return None
    same = [c for c in pair.layers if c.same_kernel]
    if not same:
        return None
    us, reference_us = sum(c.variant_us for c in same), sum(c.reference_us for c in same)
    return m.Cause(
        m.DENSE_ON_ZEROS,
        us,
        pair.variant_share(us),
        reference_us,
        tuple(c.layer for c in same),
        {
            "sparsity": sparsity,
            "time_ratio": us / reference_us if reference_us else None,
            "same_kernel_layers": len(same),
            "compute_layers": len(pair.layers),
        },
    )


def narrow_channels(pair: Pair, isa: dict) -> m.Cause | None:
    """Pruned layers whose channel count leaves vector lanes empty (not a multiple of the width)."""
    bits = vector_bits([row.kernel for row in pair.variant.layers], isa)
    flagged = {}
    for c in pair.layers:
        lane_count = lanes(bits, c.variant_precision)
        narrowed = c.variant_channels is not None and c.reference_channels and c.variant_channels < c.reference_channels
        if narrowed and lane_count and lane_use(c.variant_channels, lane_count) < 1:
            flagged[c.layer] = (c, lane_count)
    if not flagged:
        return None
    us = sum(c.variant_us for c, _ in flagged.values())
    return m.Cause(
        m.NARROW_CHANNELS,
        us,
        pair.variant_share(us),
        sum(c.reference_us for c, _ in flagged.values()),
        tuple(flagged),
        {
            "vector_bits": bits,
            "lanes": {name: count for name, (_, count) in flagged.items()},
            "channels": {name: [c.reference_channels, c.variant_channels] for name, (c, _) in flagged.items()},
            "lane_use": {name: lane_use(c.variant_channels, count) for name, (c, count) in flagged.items()},
            "reference_lane_use": {name: lane_use(c.reference_channels, count) for name, (c, count) in flagged.items()},
        },
    )


def missing_isa(pair: Pair, isa: dict) -> m.Cause | None:
    """Layers in a precision whose instructions the CPU lacks (int8 without VNNI/AMX, bf16 or f16
    without their AVX-512/AMX extensions); unknown flags (None) accuse nothing."""
    for precision, flags in PRECISION_ISA.items():
        present = [isa.get(ISA_FLAGS[flag]) for flag in flags]
        rows = [row for row in rows_of(pair.variant.rows, COMPUTE) if row.precision == precision]
        if not rows or any(value is None for value in present) or any(present):
            continue
        compared = [c for c in pair.layers if c.variant_precision == precision]
        us = pair.variant_us(rows)
        return m.Cause(
            m.MISSING_ISA,
            us,
            pair.variant_share(us),
            sum(c.reference_us for c in compared) if compared else None,
            _names(rows),
            {
                "precision": precision,
                "lacking": [ISA_FLAGS[flag] for flag in flags],
                "kernel_isa": kernel_isa([row.kernel for row in rows]),
                "time_ratio": (sum(c.variant_us for c in compared) / sum(c.reference_us for c in compared))
                if compared and sum(c.reference_us for c in compared)
                else None,
            },
        )
    return None


# ---------------------------------------------------------------- gains


def _gain(pair: Pair, kind: str, saved: float, layers=(), numbers=None) -> m.Gain | None:
    if saved <= 0:
        return None
    return m.Gain(kind, saved, pair.reference_share(saved), tuple(layers), numbers or {})


def layer_gains(pair: Pair, explained: tuple[str, ...] = ()) -> list[m.Gain]:
    """MAC-carrying layers faster than the reference's, by why: fewer MACs, a lower precision, or
    the same work in a faster kernel; the `explained` ones (the same kernels on the same work: a
    difference is noise) apart."""
    groups: dict[str, list[m.LayerComparison]] = {}
    for c in pair.layers:
        if c.variant_us >= c.reference_us * (1 - SAME_TIME) or c.layer in explained:
            continue
        if c.mac_ratio is not None and c.mac_ratio < 1:
            kind = m.FEWER_MACS
        elif c.variant_precision != c.reference_precision and c.variant_precision in ("int8", "bf16", "f16"):
            kind = m.LOWER_PRECISION
        else:
            kind = m.FASTER_KERNELS
        groups.setdefault(kind, []).append(c)
    gains = []
    for kind, found in groups.items():
        mine, theirs = sum(c.variant_us for c in found), sum(c.reference_us for c in found)
        numbers = {"time_ratio": mine / theirs, "ratios": {c.layer: c.time_ratio for c in found}}
        macs = [(c.variant_macs, c.reference_macs) for c in found]
        if all(v is not None and r for v, r in macs):
            numbers["mac_ratio"] = sum(v for v, _ in macs) / sum(r for _, r in macs)
        gains.append(_gain(pair, kind, theirs - mine, [c.layer for c in found], numbers))
    return [gain for gain in gains if gain]


def part_gains(pair: Pair) -> list[m.Gain]:
    """Other layers, convert layers and the time outside operators, each as a whole."""
    gains = []
    for kind, part in ((m.FASTER_OTHER_LAYERS, OTHER), (m.FEWER_CONVERT_LAYERS, CONVERT)):
        mine, theirs = rows_of(pair.variant.rows, part), rows_of(pair.reference.rows, part)
        numbers = {"count": len(mine), "reference_count": len(theirs)}
        gains.append(_gain(pair, kind, pair.reference_us(theirs) - pair.variant_us(mine), (), numbers))
    # a profile whose counters add up to the whole call has no time outside by construction (OpenVINO's
    # INT8 graphs): against one that has, the difference is the accounting's, not a saving
    if (pair.variant.outside_us > 0) == (pair.reference.outside_us > 0) and outside_beyond_profiler(pair) < 0:
        outside = pair.reference.outside_us / pair.reference.batch - pair.variant.outside_us / pair.variant.batch
        gains.append(_gain(pair, m.LESS_OUTSIDE, outside))
    return [gain for gain in gains if gain]


def mac_explanation(pair: Pair, mac_ratio: float | None) -> m.MacExplanation | None:
    """The speed-up of a variant with fewer MACs against its MAC reduction, from the layers' times."""
    if mac_ratio is None or mac_ratio >= 1:
        return None
    variant_compute = pair.variant_us(rows_of(pair.variant.rows, COMPUTE))
    reference_compute = pair.reference_us(rows_of(pair.reference.rows, COMPUTE))
    reference_call = pair.reference.profiled_call_us / pair.reference.batch
    fixed = 1 - reference_compute / reference_call
    return m.MacExplanation(
        mac_ratio,
        variant_compute / reference_compute if reference_compute else None,
        (pair.variant.profiled_call_us / pair.variant.batch) / reference_call,
        fixed,
        fixed + (1 - fixed) * mac_ratio,
        pair.layers,
    )

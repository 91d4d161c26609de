"""The diagnosis's plain data: what goes in (DiagnosisInputs) and what comes out (Diagnosis)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..opprofile import BatchProfile

# Cause kinds (why a variant is not faster), in no particular order: a diagnosis ranks them by time.
CONVERT_LAYERS = "convert_layers"  # quantize/dequantize, convert, reorder, transpose layers
FP32_FALLBACK = "fp32_fallback"  # layers of an INT8 variant that executed in a float precision
PER_CALL_COST = "per_call_cost"  # time outside any operator, the same for any batch size
SLOWER_KERNELS = "slower_kernels"  # MAC-carrying layers slower than the reference's same layers
SLOWER_OTHER_LAYERS = "slower_other_layers"  # pooling, activations, reshapes slower than the reference's
UNFUSED_LAYERS = "unfused_layers"  # activations run on their own that the reference fused into its MAC layers
DENSE_ON_ZEROS = "dense_on_zeroed_weights"  # unstructured sparsity: the same dense kernels on zeros
NARROW_CHANNELS = "narrow_channels"  # pruned channel counts that leave vector lanes empty
MISSING_ISA = "missing_isa"  # the CPU lacks the instructions the variant's precision needs
CAUSES = (
    CONVERT_LAYERS,
    FP32_FALLBACK,
    PER_CALL_COST,
    SLOWER_KERNELS,
    SLOWER_OTHER_LAYERS,
    UNFUSED_LAYERS,
    DENSE_ON_ZEROS,
    NARROW_CHANNELS,
    MISSING_ISA,
)

# Gain kinds (what made a variant faster).
FEWER_MACS = "fewer_macs"  # MAC-carrying layers faster, and the variant's layers have fewer MACs
LOWER_PRECISION = "lower_precision_kernels"  # MAC-carrying layers faster in int8/bf16/f16 kernels
FASTER_KERNELS = "faster_kernels"  # MAC-carrying layers faster with the same MACs and precision
FASTER_OTHER_LAYERS = "faster_other_layers"  # pooling, activations, reshapes faster
FEWER_CONVERT_LAYERS = "fewer_convert_layers"
LESS_OUTSIDE = "less_per_call_cost"
GAINS = (FEWER_MACS, LOWER_PRECISION, FASTER_KERNELS, FASTER_OTHER_LAYERS, FEWER_CONVERT_LAYERS, LESS_OUTSIDE)

FASTER, SLOWER, UNRESOLVED, UNMEASURED = "faster", "slower", "unresolved", "unmeasured"


@dataclass(frozen=True)
class DiagnosisInputs:
    """Everything one comparison reads, as plain data (diagnosis.load_inputs reads it from a run)."""

    variant: str
    reference: str
    variant_profile: dict[int, BatchProfile]  # batch -> profile (opprofile.read_profile)
    reference_profile: dict[int, BatchProfile]
    variant_bench: dict  # results/bench/<target>/summary.json
    reference_bench: dict
    variant_facts: dict  # results/eval/<target>/metrics.json: params, macs, sparsity, widths, layers...
    reference_facts: dict
    model_layers: list[dict]  # the trained network's layers (spec.json summary): name, type, output_shape, macs
    isa: dict[str, bool | None]  # report name -> present (machine.isa_features; environment.json "isa")


@dataclass(frozen=True)
class LayerComparison:
    """One MAC-carrying model layer in the variant and in the reference, per image."""

    layer: str  # the model's layer name (features.0), or the runtime's where none matches
    variant_us: float
    reference_us: float
    variant_precision: str
    reference_precision: str
    same_kernel: bool  # the runtime ran the same implementation for both
    variant_macs: int | None
    reference_macs: int | None
    variant_channels: int | None
    reference_channels: int | None

    @property
    def time_ratio(self) -> float | None:
        return self.variant_us / self.reference_us if self.reference_us > 0 else None

    @property
    def mac_ratio(self) -> float | None:
        if self.variant_macs is None or not self.reference_macs:
            return None
        return self.variant_macs / self.reference_macs


@dataclass(frozen=True)
class Cause:
    """A measured reason a variant is not faster: the variant's time per image in what it names.

    `numbers` by kind (ratios are variant / reference):
    - convert_layers: count, reference_count, types (the layer types);
    - slower_other_layers (us_per_image: the time beyond the reference's): count, time_ratio, types;
    - unfused_layers (us_per_image: their whole time, the reference has no such layer): count, types;
    - fp32_fallback: count, executed (layers apart from convert ones), compute_count, precisions;
    - per_call_cost: outside_us_per_call, reference_outside_us_per_call, reference_share,
      share_batch1 and share_best (the variant's outside share at each setting: how it shrinks);
    - slower_kernels (us_per_image: the time beyond the reference's): count, time_ratio, ratios (layer -> time
      ratio), precisions ("int8 vs f32");
    - dense_on_zeroed_weights: sparsity, time_ratio, same_kernel_layers, compute_layers;
    - narrow_channels: vector_bits, lanes, channels (layer -> [reference, variant]), lane_use,
      reference_lane_use (layer -> share of the vector lanes its channels fill);
    - missing_isa: precision, lacking (the ISA names none of which the CPU has), kernel_isa (what the
      kernels name, OpenVINO only, else None), time_ratio (those layers against the reference's).
    """

    kind: str  # one of CAUSES
    us_per_image: float  # the variant's time in it
    share: float  # of the variant's profiled call
    reference_us_per_image: float | None  # the reference's time in the same part; None: it has none to compare
    layers: tuple[str, ...] = ()  # the layers it names (runtime names; model names for MAC layers)
    numbers: dict = field(default_factory=dict)  # named figures, each cause its own (see diagnosis.causes)


@dataclass(frozen=True)
class Gain:
    """A measured reason a variant is faster: the time per image it saves against the reference.

    `numbers`: for the MAC-carrying layers (fewer_macs, lower_precision_kernels, faster_kernels)
    time_ratio, ratios (layer -> time ratio) and, where both networks' layers are known, mac_ratio;
    for faster_other_layers and fewer_convert_layers count and reference_count; none for less_per_call_cost.
    """

    kind: str  # one of GAINS
    saved_us_per_image: float
    share: float  # of the reference's profiled call
    layers: tuple[str, ...] = ()
    numbers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class MacExplanation:
    """A variant with fewer MACs (structured pruning, a narrower student) against its reference:
    does its time fall with its MACs? Ratios are variant / reference, per image."""

    mac_ratio: float  # whole network
    compute_time_ratio: float | None  # the MAC-carrying layers' time
    call_time_ratio: float  # the profiled call
    reference_fixed_share: float  # of the reference call, time no MAC count scales: other layers, converts, outside
    expected_call_ratio: float  # the call's ratio if the MAC layers' time fell exactly with the MACs
    layers: tuple[LayerComparison, ...]


@dataclass(frozen=True)
class UnmeasuredLayers:
    """MAC-carrying layers the variant ran under the counter's unit (0 us in every call): their time is in its
    time outside operators, which is therefore not a cost where the reference's time for them can explain it."""

    layers: tuple[str, ...]  # the model layers they ran ("classifier.3+classifier.5": one snippet)
    outside_us_per_call: float
    reference_outside_us_per_call: float
    reference_us_per_call: float  # the reference's time for the same model layers, per variant call


def points_against(status: str, times: tuple[float, float] | None) -> bool:
    """A pair of times per image (the variant's, the reference's) against a verdict: the variant takes at least the
    reference's time though FASTER, or at most that though SLOWER."""
    if times is None:
        return False
    mine, theirs = times
    return (status == FASTER and mine >= theirs) or (status == SLOWER and mine <= theirs)


@dataclass(frozen=True)
class BatchDiagnosis:
    """The comparison at one batch setting: batch 1 (latency) or each target's best batch (throughput)."""

    setting: str  # "batch1" or "best"
    variant_batch: int
    reference_batch: int
    speed_ratio: float | None  # benchmark: variant time per image / reference's (>1: slower)
    status: str  # FASTER, SLOWER, UNRESOLVED (the repeat ranges overlap) or UNMEASURED
    profile_ratio: float  # the profiled calls' time per image, variant / reference
    causes: tuple[Cause, ...]  # ranked by time, largest first
    gains: tuple[Gain, ...]  # ranked by time saved, largest first
    layers: tuple[LayerComparison, ...]  # the MAC-carrying layers
    macs: MacExplanation | None  # when the variant has fewer MACs
    unmeasured: UnmeasuredLayers | None = None  # time outside operators its zero-read layers explain
    # the counted layers' time per image, the variant's and the reference's (the time outside operators left out)
    counted_us: tuple[float, float] | None = None
    # the profiling jobs' own calls without the profiler, per image: the variant's and the reference's
    plain_us: tuple[float, float] | None = None

    @property
    def counters_disagree(self) -> bool:
        """The verdict points one way and the counted layers the other: a faster variant whose layers take at least
        the reference's time, or a slower one whose layers take at most that; the difference then lies in the time
        the counters do not attribute."""
        return points_against(self.status, self.counted_us)

    @property
    def profile_disagrees(self) -> bool:
        """The profiling jobs' own calls without the profiler point against the verdict: the two profiles were taken
        while the machine ran the pair otherwise than in the benchmark's rounds (each profile is one job, at one
        moment), so their parts cannot show where the benchmark's difference lies."""
        return points_against(self.status, self.plain_us)

    @property
    def unexplained(self) -> bool:
        """The profiles do not show where the verdict's difference lies (either reason above)."""
        return self.profile_disagrees or self.counters_disagree

    @property
    def top_cause(self) -> Cause | None:
        return self.causes[0] if self.causes else None


@dataclass(frozen=True)
class Int8Layers:
    """How many of a profile's executed layers ran in INT8 (quantize/convert layers apart)."""

    batch: int
    executed: int  # layers that did work, convert layers excluded
    int8: int
    convert: int  # quantize/dequantize/convert/reorder layers
    fallback: tuple[str, ...]  # executed layers in a float precision


@dataclass(frozen=True)
class Diagnosis:
    variant: str
    reference: str
    batch1: BatchDiagnosis
    best: BatchDiagnosis
    int8_layers: tuple[Int8Layers, ...]  # per profiled batch, for an INT8 variant; () otherwise

    @property
    def settings(self) -> tuple[BatchDiagnosis, BatchDiagnosis]:
        return self.batch1, self.best

    @property
    def not_faster(self) -> tuple[BatchDiagnosis, ...]:
        return tuple(d for d in self.settings if d.status != FASTER)

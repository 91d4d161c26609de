"""The diagnosis: known cases on profiles recorded from real small models (tests/data/profiles,
made by tests/record_profiles.py), then each cause, gain and rule on hand-made profiles."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from compressbench.diagnosis import (
    FASTER,
    SLOWER,
    UNMEASURED,
    UNRESOLVED,
    DiagnosisInputs,
    diagnose,
    diagnose_inputs,
    diagnose_run,
    int8_layers,
    load_inputs,
    reference_of,
)
from compressbench.diagnosis import model as m
from compressbench.diagnosis.causes import compare_layers
from compressbench.diagnosis.layers import (
    COMPUTE,
    CONVERT,
    OTHER,
    OUTSIDE,
    ModelLayer,
    lane_use,
    layer_kind,
    match_compute,
    module_of,
)
from compressbench.opprofile import OUTSIDE as OUTSIDE_ROW
from compressbench.opprofile import OUTSIDE_TYPE, BatchProfile, OpRow

CASES = Path(__file__).parent / "data" / "profiles"
NO_VNNI = {"AVX2": True, "AVX-512F": False, "AVX-512 VNNI": False, "AVX-VNNI": False, "AMX-INT8": False}
ALL_ISA = {**NO_VNNI, "AVX-512F": True, "AVX-512 VNNI": True, "AVX-512 BF16": True}


# ---------------------------------------------------------------- known cases (recorded profiles)


def test_int8_of_a_tiny_cnn_in_onnxruntime_is_held_back_by_slower_kernels_and_its_quantize_layers():
    """Its time outside operators exceeds the reference's by 5.1 us at batch 1, but the profiler added 11.7 us
    more to its call (49.9 against 38.2 us over the unprofiled 13.8 and 9.8): no per-call cost the profile can
    tell from the profiler's own work."""
    diagnosis = diagnose(CASES / "ort_qdq_int8", "onnxruntime_int8")
    assert diagnosis.reference == "onnxruntime"
    # the QDQ layers (the reference has none) and the INT8 kernels' time beyond the FP32 ones'
    assert {cause.kind for cause in diagnosis.batch1.causes[:2]} == {m.SLOWER_KERNELS, m.CONVERT_LAYERS}
    qdq = next(cause for cause in diagnosis.batch1.causes if cause.kind == m.CONVERT_LAYERS)
    assert {"QuantizeLinear", "DequantizeLinear", "Transpose"} <= set(qdq.numbers["types"]) and qdq.share > 0
    assert diagnosis.best.top_cause.share > diagnosis.batch1.top_cause.share  # the kernels matter more per image


def test_unstructured_sparsity_is_diagnosed_as_dense_kernels_on_zeroed_weights():
    diagnosis = diagnose(CASES / "unstructured_sparsity", "pytorch_pruned")
    for setting in diagnosis.settings:
        cause = setting.top_cause
        assert cause.kind == m.DENSE_ON_ZEROS, setting.causes
        assert cause.numbers["sparsity"] == 0.5
        assert cause.numbers["same_kernel_layers"] == cause.numbers["compute_layers"] == 3
        assert all(layer.same_kernel and layer.mac_ratio == 1 for layer in setting.layers)
        assert m.SLOWER_KERNELS not in {c.kind for c in setting.causes}  # the same work: not "slower kernels"


def test_int8_without_vnni_names_the_missing_instructions_first():
    """Recorded with oneDNN capped at AVX2 inside OpenVINO (ONEDNN_MAX_CPU_ISA), on a machine
    described as one without AVX-512 and VNNI."""
    diagnosis = diagnose(CASES / "openvino_int8_no_vnni", "openvino_int8")
    for setting in diagnosis.settings:
        cause = setting.top_cause
        assert cause.kind == m.MISSING_ISA, setting.causes
        assert cause.numbers["precision"] == "int8" and "AVX-512 VNNI" in cause.numbers["lacking"]
        assert cause.numbers["kernel_isa"] == "avx2"  # what the kernels themselves say
    assert all(count.int8 == count.executed and not count.fallback for count in diagnosis.int8_layers)


# ---------------------------------------------------------------- layers


@pytest.mark.parametrize(
    ("type_", "name", "kind"),
    [
        ("QuantizeLinear", "images_QuantizeLinear", CONVERT),
        ("DequantizeLinear", "logits_DequantizeLinear", CONVERT),
        ("Transpose", "Transpose_token_10", CONVERT),
        ("ReorderOutput", "ReorderOutput", CONVERT),
        ("Reorder", "x_abcd_acdb_y", CONVERT),
        ("Convert", "c", CONVERT),
        ("FakeQuantize", "f", CONVERT),
        ("Subgraph", "images/fq_output_0", CONVERT),
        ("Subgraph", "logits", OTHER),
        ("aten::quantize_per_tensor", "aten::quantize_per_tensor#1", CONVERT),
        ("aten::dequantize", "aten::dequantize#2", CONVERT),
        ("aten::to_mkldnn", "aten::to_mkldnn#1", CONVERT),
        ("QLinearConv", "/features/features.0/Conv_token_1", COMPUTE),
        ("QGemm", "/classifier/classifier.1/Gemm", COMPUTE),
        ("FullyConnectedQuantizedLegacy", "/head/Gemm/WithoutBiases/DequantizationMultiply", COMPUTE),
        ("Convolution", "/features/features.0/Conv/WithoutBiases", COMPUTE),
        ("Conv2d", "features.0", COMPUTE),
        ("ConvReLU2d", "quantized.features.0", COMPUTE),
        ("quantized::linear_relu", "quantized::linear_relu#1", COMPUTE),
        ("prim::mkldnn_convolution", "prim::mkldnn_convolution#1", COMPUTE),
        ("aten::matmul", "aten::matmul#1", COMPUTE),
        ("aten::addmm", "aten::addmm#1", COMPUTE),
        ("MaxPool", "/features/features.2/MaxPool", OTHER),
        ("NhwcMaxPool", "p", OTHER),
        ("Flatten", "classifier.0", OTHER),
        ("aten::relu_", "aten::relu_#1", OTHER),
        (OUTSIDE_TYPE, OUTSIDE_ROW, OUTSIDE),
    ],
)
def test_every_runtimes_layers_fall_in_one_kind(type_, name, kind):
    assert layer_kind(OpRow(1, name, type_, "f32", "", 1, 1.0, 0.1)) == kind


def test_an_openvino_snippet_is_what_it_fused():
    mlp = (
        "/classifier/classifier.3/Gemm/WithoutBiases",
        "/classifier/classifier.4/Relu",
        "/classifier/classifier.5/Gemm",
    )
    snippet = OpRow(8, "logits", "Subgraph", "f32", "jit_avx512_f32", 1, 1.0, 0.1, mlp)
    assert layer_kind(snippet) == COMPUTE
    reference = [row("/classifier/classifier.3/Gemm", "FullyConnected", 3), row("logits", "FullyConnected", 1)]
    model = [ModelLayer("classifier.3", 100, 84), ModelLayer("classifier.5", 10, 10)]
    variant = profile(1, [snippet], 0.0)
    (both,) = compare_layers(variant, profile(1, reference, 0.0), model, model)
    assert both.layer == "classifier.3+classifier.5" and both.variant_macs == both.reference_macs == 110
    assert (both.variant_us, both.reference_us, both.variant_channels) == (1.0, 4.0, None)
    # under OpenVINO's whole-microsecond counters in every call, the snippet reads 0: no time to compare
    unmeasured = profile(1, [replace(snippet, us_per_call=0.0)], 1.0)
    assert compare_layers(unmeasured, profile(1, reference, 0.0), model, model) == ()


def row(layer: str, type_: str, us: float, precision: str = "f32", kernel: str = "k", batch: int = 1) -> OpRow:
    return OpRow(batch, layer, type_, precision, kernel, 10, us, 0.0)


def test_compute_layers_match_the_model_in_order_when_the_counts_agree_else_by_name():
    model = [ModelLayer("features.0", 100, 6), ModelLayer("classifier.1", 10, 120)]
    fused = [
        row("/features/features.1/Relu_output_0_nchwc", "Conv", 5),
        row("fused /classifier/classifier.1/Gemm", "FusedGemm", 1),
    ]
    assert {name: [r.layer for r in rows] for name, rows in match_compute(fused, model).items()} == {
        "features.0": ["/features/features.1/Relu_output_0_nchwc"],
        "classifier.1": ["fused /classifier/classifier.1/Gemm"],
    }
    one = [row("/features/features.0/Conv/WithoutBiases", "Convolution", 5)]
    assert list(match_compute(one, model)) == ["features.0"]
    assert module_of("/features/features.0/Conv/WithoutBiases", ["features.0"]) == "features.0"
    assert module_of("logits", ["features.0"]) is None


def test_lane_use_is_the_share_of_vector_lanes_a_channel_count_fills():
    assert lane_use(16, 16) == 1.0 and lane_use(6, 16) == 6 / 16 and lane_use(20, 16) == 20 / 32


# ---------------------------------------------------------------- causes and gains, by hand


def profile(batch: int, rows: list[OpRow], outside: float) -> BatchProfile:
    total = sum(r.us_per_call for r in rows) + outside
    shared = [replace(r, batch=batch, calls=10, share=r.us_per_call / total) for r in rows]
    outside_row = OpRow(batch, OUTSIDE_ROW, OUTSIDE_TYPE, "", "", 10, outside, outside / total)
    return BatchProfile(batch, total, total, 10, (*shared, outside_row))


MODEL = [
    {"name": "conv", "type": "Conv2d", "output_shape": [16, 8, 8], "macs": 1000},
    {"name": "pool", "type": "MaxPool2d", "output_shape": [16, 4, 4], "macs": 0},
    {"name": "fc", "type": "Linear", "output_shape": [10], "macs": 100},
]


def bench(latency_ms: float, ips: float, precision: str = "f32", spread: float = 0.0, repeats: int = 3) -> dict:
    return {
        "precision": precision,
        "repeats": repeats,
        "batch_size_best": 8,
        "latency_p50_ms": latency_ms,
        "latency_p50_ci_low_ms": latency_ms * (1 - spread),
        "latency_p50_ci_high_ms": latency_ms * (1 + spread),
        "throughput_ips": ips,
        "throughput_ips_low": ips * (1 - spread),
        "throughput_ips_high": ips * (1 + spread),
    }


def make_inputs(variant_rows, reference_rows, variant="onnxruntime_int8", **changes) -> DiagnosisInputs:
    """A comparison from rows per batch: {batch: (rows, outside us)}."""
    values = {
        "variant": variant,
        "reference": "onnxruntime",
        "variant_profile": {b: profile(b, rows, outside) for b, (rows, outside) in variant_rows.items()},
        "reference_profile": {b: profile(b, rows, outside) for b, (rows, outside) in reference_rows.items()},
        "variant_bench": bench(0.2, 9000, "int8"),
        "reference_bench": bench(0.1, 10000),
        "variant_facts": {"macs": 1100},
        "reference_facts": {"macs": 1100},
        "model_layers": MODEL,
        "isa": ALL_ISA,
    }
    return DiagnosisInputs(**{**values, **changes})


def layers(batch: int, conv: float, fc: float, precision="f32", kernel="k") -> list[OpRow]:
    return [
        row("/conv/Conv", "Conv", conv, precision, kernel, batch),
        row("/pool/MaxPool", "MaxPool", 2 * batch, precision, kernel, batch),
        row("/fc/Gemm", "Gemm", fc, precision, kernel, batch),
    ]


def int8_pair(convert_us: float, fallback: bool = False):
    quantize = [
        row("in_QuantizeLinear", "QuantizeLinear", convert_us),
        row("out_DequantizeLinear", "DequantizeLinear", 1),
    ]
    int8 = layers(1, 20, 2, "int8")
    if fallback:
        int8[-1] = row("/fc/Gemm", "Gemm", 2, "f32")
    return {1: (quantize + int8, 30.0), 8: ([row("q", "QuantizeLinear", 8, batch=8), *layers(8, 100, 8, "int8")], 40.0)}


REFERENCE = {1: (layers(1, 10, 3), 25.0), 8: (layers(8, 120, 10), 30.0)}


def test_an_int8_variant_lists_its_quantize_layers_slower_kernels_and_per_call_cost_by_time():
    diagnosis = diagnose_inputs(make_inputs(int8_pair(convert_us=5), REFERENCE))
    batch1 = diagnosis.batch1
    # ranked by time: the time outside operators costs only its excess over the reference's (30 against 25 us)
    assert [cause.kind for cause in batch1.causes] == [m.SLOWER_KERNELS, m.CONVERT_LAYERS, m.PER_CALL_COST]
    slower, convert, per_call = batch1.causes
    assert per_call.us_per_image == 5 and per_call.reference_us_per_image == 25
    assert per_call.numbers["share_batch1"] == pytest.approx(30 / 60) and per_call.numbers["share_best"] < 0.5
    # a slower layer costs its time beyond the reference's: 20 against 10 us
    assert slower.layers == ("conv",) and slower.us_per_image == 10 and slower.reference_us_per_image == 10
    assert slower.numbers["time_ratio"] == 2.0
    assert convert.us_per_image == 6 and convert.numbers["count"] == 2 and convert.reference_us_per_image == 0
    assert sum(cause.share for cause in batch1.causes) <= 1
    assert diagnosis.best.variant_batch == diagnosis.best.reference_batch == 8
    # per image at the best batch: the int8 conv (100/8) beats the f32 one (120/8)
    gains = {gain.kind: gain for gain in diagnosis.best.gains}
    assert gains[m.LOWER_PRECISION].layers == ("conv", "fc") and gains[m.LOWER_PRECISION].saved_us_per_image > 0


def test_float_layers_of_an_int8_variant_are_a_fallback_and_are_counted():
    diagnosis = diagnose_inputs(make_inputs(int8_pair(convert_us=1, fallback=True), REFERENCE))
    fallback = next(cause for cause in diagnosis.batch1.causes if cause.kind == m.FP32_FALLBACK)
    assert fallback.layers == ("/fc/Gemm",) and fallback.numbers == {
        "count": 1,
        "executed": 3,
        "compute_count": 1,
        "precisions": ["f32"],
        "fused": {},
    }
    count = int8_layers(make_inputs(int8_pair(1, True), REFERENCE).variant_profile[1])
    assert (count.batch, count.executed, count.int8, count.convert, count.fallback) == (1, 3, 2, 2, ("/fc/Gemm",))
    # a float snippet is named with the model layers it ran; a layer whose own name says which is not
    snippet = replace(row("logits", "Subgraph", 0.0), fused=("/fc/Gemm", "/fc2/Gemm"))
    assert int8_layers(profile(1, [snippet], 1.0), ["conv", "fc", "fc2"]).fallback == ("logits (fc + fc2)",)
    assert int8_layers(profile(1, [row("/fc/Gemm", "Gemm", 2.0)], 1.0), ["conv", "fc"]).fallback == ("/fc/Gemm",)
    plain = make_inputs(int8_pair(1, True), REFERENCE, variant_bench=bench(0.2, 9000, "f32"))
    assert diagnose_inputs(plain).int8_layers == ()
    assert m.FP32_FALLBACK not in {cause.kind for cause in diagnose_inputs(plain).batch1.causes}


def test_a_missing_instruction_set_is_named_only_when_the_flags_say_so():
    no_vnni = diagnose_inputs(make_inputs(int8_pair(1), REFERENCE, isa=NO_VNNI))
    cause = next(c for c in no_vnni.batch1.causes if c.kind == m.MISSING_ISA)
    assert (
        cause.us_per_image == 22 and cause.layers == ("/conv/Conv", "/fc/Gemm") and cause.numbers["kernel_isa"] is None
    )
    assert m.SLOWER_KERNELS not in {c.kind for c in no_vnni.batch1.causes}  # the missing VNNI explains them
    unknown = {name: None for name in NO_VNNI}
    for isa in (ALL_ISA, unknown):
        causes = diagnose_inputs(make_inputs(int8_pair(1), REFERENCE, isa=isa)).batch1.causes
        assert m.MISSING_ISA not in {c.kind for c in causes}


def sparse_inputs(conv_kernel: str):
    variant = {b: (layers(b, conv, 3 * b), 5.0) for b, conv in ((1, 11), (8, 118))}
    for rows, _ in variant.values():
        rows[0] = OpRow(rows[0].batch, "/conv/Conv", "Conv", "f32", conv_kernel, 10, rows[0].us_per_call, 0.0)
    return make_inputs(
        variant,
        {b: (layers(b, conv, 3 * b), 5.0) for b, conv in ((1, 10), (8, 120))},
        variant="pytorch_pruned",
        reference="pytorch",
        variant_bench=bench(0.1, 10000),
        variant_facts={"macs": 1100, "sparsity": 0.5},
    )


def test_zeroed_weights_in_the_same_kernels_are_the_cause_and_their_noise_no_gain_or_loss():
    diagnosis = diagnose_inputs(sparse_inputs("k"))
    for setting in diagnosis.settings:
        assert setting.top_cause.kind == m.DENSE_ON_ZEROS and setting.top_cause.layers == ("conv", "fc")
        assert m.SLOWER_KERNELS not in {c.kind for c in setting.causes}
        assert not [gain for gain in setting.gains if gain.kind in (m.FASTER_KERNELS, m.FEWER_MACS)]
    # a runtime with a sparse kernel for the conv: that layer is no longer "the same kernel"
    other = diagnose_inputs(sparse_inputs("sparse")).batch1
    assert next(c for c in other.causes if c.kind == m.DENSE_ON_ZEROS).layers == ("fc",)


def narrowed_inputs():
    narrow = [
        {"name": "conv", "type": "Conv2d", "output_shape": [6, 8, 8], "macs": 375},
        {"name": "fc", "type": "Linear", "output_shape": [10], "macs": 40},
    ]
    return make_inputs(
        {b: (layers(b, conv, 2 * b), 10.0) for b, conv in ((1, 8), (8, 40))},
        {b: (layers(b, conv, 3 * b), 10.0) for b, conv in ((1, 10), (8, 120))},
        variant="onnxruntime_struct",
        variant_bench=bench(0.05, 20000),
        variant_facts={"macs": 415, "layers": narrow},
    )


def test_structured_pruning_is_explained_against_its_mac_reduction_layer_by_layer():
    diagnosis = diagnose_inputs(narrowed_inputs())
    explanation = diagnosis.batch1.macs
    assert explanation.mac_ratio == pytest.approx(415 / 1100)
    assert explanation.compute_time_ratio == pytest.approx(10 / 13)
    # the reference call: 13 us of MAC layers in 25 (pool 2, outside 10): 12/25 does not scale with MACs
    assert explanation.reference_fixed_share == pytest.approx(12 / 25)
    assert explanation.expected_call_ratio == pytest.approx(12 / 25 + 13 / 25 * 415 / 1100)
    assert explanation.call_time_ratio == pytest.approx(22 / 25)
    conv = next(layer for layer in explanation.layers if layer.layer == "conv")
    assert (conv.mac_ratio, conv.time_ratio, conv.variant_channels, conv.reference_channels) == (0.375, 0.8, 6, 16)
    narrow = next(cause for cause in diagnosis.batch1.causes if cause.kind == m.NARROW_CHANNELS)
    assert narrow.layers == ("conv",) and narrow.numbers["lanes"] == {"conv": 16}  # AVX-512: 16 float lanes
    assert narrow.numbers["lane_use"] == {"conv": 6 / 16} and narrow.numbers["reference_lane_use"] == {"conv": 1.0}
    gains = {gain.kind: gain for gain in diagnosis.best.gains}
    assert gains[m.FEWER_MACS].layers == ("conv", "fc") and gains[m.FEWER_MACS].numbers["mac_ratio"] == pytest.approx(
        415 / 1100
    )


@pytest.mark.parametrize(
    ("variant", "spread", "repeats", "status"),
    [
        ((0.05, 20000), 0.1, 3, FASTER),
        ((0.2, 5000), 0.1, 3, SLOWER),
        ((0.105, 9600), 0.1, 3, UNRESOLVED),
        ((0.05, 20000), 0.0, 1, UNRESOLVED),  # one repeat: no range to resolve with
        ((None, None), 0.1, 3, UNMEASURED),
    ],
)
def test_speed_status_comes_from_the_benchmark_ranges(variant, spread, repeats, status):
    variant_bench = bench(*variant, spread=spread, repeats=repeats) if variant[0] else {"batch_size_best": 8}
    inputs = make_inputs(
        int8_pair(1), REFERENCE, variant_bench=variant_bench, reference_bench=bench(0.1, 10000, spread=spread)
    )
    diagnosis = diagnose_inputs(inputs)
    assert diagnosis.batch1.status == diagnosis.best.status == status
    if variant[0]:
        assert diagnosis.batch1.speed_ratio == pytest.approx(variant[0] / 0.1)
        assert diagnosis.best.speed_ratio == pytest.approx(10000 / variant[1])


def test_a_missing_profile_batch_or_file_says_which():
    broken = make_inputs(int8_pair(1), {1: REFERENCE[1]})
    with pytest.raises(ValueError, match="profile of 'onnxruntime' has no batch 8"):
        diagnose_inputs(broken)
    with pytest.raises(FileNotFoundError, match="profile/onnxruntime_int8/ops.tsv is missing"):
        load_inputs(CASES / "nowhere", "onnxruntime_int8")
    with pytest.raises(ValueError, match="'onnxruntime' has no reference"):
        load_inputs(CASES, "onnxruntime")


def test_each_variant_is_compared_with_its_reference_when_the_run_has_it():
    assert reference_of("openvino_int8") == "openvino" and reference_of("onnxruntime_struct") == "onnxruntime"
    assert reference_of("openvino") is None and reference_of("torchscript") == "pytorch"  # TargetSpec.reference
    results = CASES / "ort_qdq_int8"
    assert [d.variant for d in diagnose_run(results, ["onnxruntime", "onnxruntime_int8"])] == ["onnxruntime_int8"]
    assert diagnose_run(results, ["onnxruntime_int8"]) == []


def test_no_saving_outside_operators_when_only_one_profile_can_have_time_there():
    """OpenVINO's counters of an INT8 graph add up to the whole call (no time outside by construction):
    against a reference that has some, a smaller outside time is the accounting, not a saving."""
    whole_call = {1: (layers(1, 8, 2, "int8"), 0.0), 8: (layers(8, 100, 8, "int8"), 0.0)}
    fast = make_inputs(whole_call, REFERENCE, variant_bench=bench(0.05, 12000, "int8"))
    kinds = {gain.kind for gain in diagnose_inputs(fast).batch1.gains}
    assert m.LESS_OUTSIDE not in kinds and m.LOWER_PRECISION in kinds
    both = {1: (layers(1, 8, 2, "int8"), 5.0), 8: (layers(8, 100, 8, "int8"), 5.0)}
    kinds = {gain.kind for gain in diagnose_inputs(make_inputs(both, REFERENCE)).batch1.gains}
    assert m.LESS_OUTSIDE in kinds  # both measure it: 25 against 5 µs is a saving


def test_convert_layers_shorter_than_the_reference_are_a_saving_not_a_cost():
    """The reference converts more (5 + 1 us per image) than the variant (2 + 1): no cost, a saving."""
    best = (layers(8, 120, 10), 30.0)
    reference = {1: ([row("in_Reorder", "Reorder", 5), row("out_Reorder", "Reorder", 1), *layers(1, 10, 3)], 25.0)}
    variant = {1: ([row("in_Reorder", "Reorder", 2), row("out_Reorder", "Reorder", 1), *layers(1, 10, 3)], 25.0)}
    reference[8] = variant[8] = best
    diagnosis = diagnose_inputs(make_inputs(variant, reference, variant="openvino_int8"))
    assert m.CONVERT_LAYERS not in {cause.kind for cause in diagnosis.batch1.causes}
    saving = next(gain for gain in diagnosis.batch1.gains if gain.kind == m.FEWER_CONVERT_LAYERS)
    assert saving.saved_us_per_image == pytest.approx(3)
    # longer than the reference's, the same layers are a cost
    slower = diagnose_inputs(make_inputs(reference, variant, variant="openvino_int8"))
    assert m.CONVERT_LAYERS in {cause.kind for cause in slower.batch1.causes}


def test_less_time_outside_operators_than_the_reference_is_a_saving_not_a_cost():
    """31.6 us outside operators against the reference's 33.1: no per-call cost, a saving of 1.5."""
    best = (layers(8, 120, 10), 30.0)
    variant, reference = {1: (layers(1, 10, 3), 31.6), 8: best}, {1: (layers(1, 10, 3), 33.1), 8: best}
    diagnosis = diagnose_inputs(make_inputs(variant, reference))
    assert m.PER_CALL_COST not in {cause.kind for cause in diagnosis.batch1.causes}
    saving = next(gain for gain in diagnosis.batch1.gains if gain.kind == m.LESS_OUTSIDE)
    assert saving.saved_us_per_image == pytest.approx(1.5)
    longer = diagnose_inputs(make_inputs(reference, variant)).batch1.causes
    assert m.PER_CALL_COST in {cause.kind for cause in longer}


def test_time_outside_operators_against_a_reference_with_none_is_accounting_not_a_cost():
    """OpenVINO's counters can add up to the whole call (0 outside); a variant whose layers ran under the
    counters' unit has time outside instead: neither a cost nor a saving."""
    best = (layers(8, 120, 10), 30.0)
    variant, reference = {1: (layers(1, 10, 3), 4.5), 8: best}, {1: (layers(1, 10, 3), 0.0), 8: best}
    diagnosis = diagnose_inputs(make_inputs(variant, reference, variant="openvino_int8"))
    assert m.PER_CALL_COST not in {cause.kind for cause in diagnosis.batch1.causes}
    assert m.LESS_OUTSIDE not in {gain.kind for gain in diagnosis.batch1.gains}


def test_time_outside_operators_the_profiler_added_is_neither_a_cost_nor_a_saving():
    """ORT without optimizations: 6.6 us more outside operators than ONNX Runtime, while the profiler added
    12.2 us more to its call (51.3 against 39.1): the profiler's own work can explain the whole excess."""
    from compressbench.diagnosis import causes as c

    variant, reference = profile(1, layers(1, 10, 3), 33.7), profile(1, layers(1, 10, 3), 27.1)
    variant = replace(variant, call_us=variant.profiled_call_us - 51.3)
    reference = replace(reference, call_us=reference.profiled_call_us - 39.1)
    assert c.per_call_cost(c.Pair(variant, reference, ()), {}) is None
    assert c.part_gains(c.Pair(reference, variant, ())) == [] or all(
        g.kind != m.LESS_OUTSIDE for g in c.part_gains(c.Pair(reference, variant, ()))
    )
    # without the profiler's extra work the same excess is a cost, and the other way a saving
    plain = replace(variant, call_us=variant.profiled_call_us - 39.1)
    assert c.per_call_cost(c.Pair(plain, reference, ()), {}).kind == m.PER_CALL_COST
    assert any(g.kind == m.LESS_OUTSIDE for g in c.part_gains(c.Pair(reference, plain, ())))


def test_pooling_slower_than_the_reference_s_costs_its_time_beyond_it_and_noise_costs_nothing():
    """OpenVINO INT8's first MaxPool at batch 64: 161 us per call against 39 in FP32 (4.1x)."""
    from compressbench.diagnosis import causes as c

    conv = [row("/conv/Conv", "Conv", 400.0, batch=64)]
    reference = profile(64, [*conv, row("pool", "MaxPool", 39.0, batch=64)], 10.0)
    slower = profile(64, [*conv, row("pool", "MaxPool", 161.0, batch=64)], 10.0)
    cause = c.other_layers(c.Pair(slower, reference, ()))
    assert cause.kind == m.SLOWER_OTHER_LAYERS and cause.numbers["time_ratio"] == pytest.approx(161 / 39)
    assert cause.us_per_image == pytest.approx((161 - 39) / 64)  # the time beyond the reference's, per image
    noise = profile(64, [*conv, row("pool", "MaxPool", 40.5, batch=64)], 10.0)  # under 5 % longer
    assert c.other_layers(c.Pair(noise, reference, ())) is None


def test_time_outside_operators_that_an_unmeasured_layer_can_explain_is_not_a_cost():
    """OpenVINO INT8 at batch 1 (recorded): its classifier snippet (classifier.3 + classifier.5) read 0 us in
    every call, and its time outside operators was 7.99 us against FP32's 3.41 us, whose same two Gemms took
    3.62 + 2.71 us: the excess is that snippet's time, not a cost. Far beyond it, it is one."""
    from compressbench.diagnosis import causes as c

    model = [ModelLayer("conv", 1000, 6), ModelLayer("classifier.3", 100, 84), ModelLayer("classifier.5", 10, 10)]
    conv = row("/conv/Conv", "Convolution", 10.0)
    snippet = replace(
        row("logits", "Subgraph", 0.0), fused=("/classifier/classifier.3/Gemm", "/classifier/classifier.5/Gemm")
    )
    gemms = [
        row("/classifier/classifier.3/Gemm", "FullyConnected", 3.62),
        row("/classifier/classifier.5/Gemm", "FullyConnected", 2.71),
    ]
    variant, reference = profile(1, [conv, snippet], 7.99), profile(1, [conv, *gemms], 3.41)
    *unmeasured, zero_read = c.unmeasured(variant, reference, model, model)
    assert unmeasured == pytest.approx([6.33, 0.0]) and zero_read == ("classifier.3+classifier.5",)
    assert c.compare_layers(variant, reference, model, model)[0].layer == "conv"  # the snippet is not compared by time
    pair = c.Pair(variant, reference, (), *unmeasured)
    assert c.per_call_cost(pair, {}) is None
    explained = c.outside_explained(pair, zero_read)  # the account says where the longer time went
    assert (explained.outside_us_per_call, explained.reference_outside_us_per_call) == (7.99, 3.41)
    assert explained.reference_us_per_call == pytest.approx(6.33) and explained.layers == zero_read
    assert c.per_call_cost(c.Pair(variant, reference, ()), {}).kind == m.PER_CALL_COST  # without the estimate
    far = profile(1, [conv, snippet], 20.0)  # 16.6 us more outside: 10.3 beyond what the snippet can take
    assert (
        c.per_call_cost(c.Pair(far, reference, (), *c.unmeasured(far, reference, model, model)[:2]), {}).kind
        == m.PER_CALL_COST
    )
    # the other way round, the reference's outside time holds the snippet's: no saving from it
    assert all(
        g.kind != m.LESS_OUTSIDE
        for g in c.part_gains(c.Pair(reference, variant, (), *c.unmeasured(reference, variant, model, model)[:2]))
    )


def test_activations_the_reference_fused_into_its_mac_layers_are_an_unfused_cost_not_slower_layers():
    """ORT without optimizations against ONNX Runtime at batch 1 (recorded): its four Relu layers run on their
    own, where ONNX Runtime runs Conv+Relu as one Conv and Gemm+Relu as FusedGemm; no Relu layer of its own."""
    from compressbench.diagnosis import causes as c

    plain = [
        row("/features/features.0/Conv", "Conv", 16.0),
        row("/features/features.1/Relu", "Relu", 2.17),
        row("/features/features.2/MaxPool", "MaxPool", 2.11),
        row("/classifier/classifier.1/Gemm", "Gemm", 3.09),
        row("/classifier/classifier.2/Relu", "Relu", 1.52),
        row("/classifier/classifier.3/Gemm", "Gemm", 2.07),
        row("/classifier/classifier.4/Relu", "Relu", 1.35),
    ]
    fused = [
        row("/features/features.1/Relu_output_0_nchwc", "Conv", 11.24),
        row("/features/features.2/MaxPool", "MaxPool", 2.51),
        row("fused /classifier/classifier.1/Gemm", "FusedGemm", 3.38),
        row("fused /classifier/classifier.3/Gemm", "FusedGemm", 2.0),
    ]
    pair = c.Pair(profile(1, plain, 33.0), profile(1, fused, 28.2), ())
    cause = c.unfused_layers(pair)
    assert cause.kind == m.UNFUSED_LAYERS and cause.numbers == {"count": 3, "types": ["Relu"]}
    assert cause.us_per_image == pytest.approx(2.17 + 1.52 + 1.35)
    assert c.other_layers(pair) is None  # its MaxPool alone is within noise of the reference's (2.11 against 2.51)
    assert c.unfused_layers(c.Pair(profile(1, fused, 28.2), profile(1, plain, 33.0), ())) is None

"""Typed runtime options and the one precision spelling (f32, bf16, f16, int8)."""

import pytest

from compressbench.runtimes import TargetRuntimeError, open_runtime
from compressbench.runtimes.options import (
    PRECISIONS,
    OnnxRuntimeOptions,
    OpenVINOOptions,
    PyTorchOptions,
    options_from,
    precision_name,
)
from compressbench.targets import TARGETS, TargetSpec, runtime_options


def test_options_are_typed_per_runtime():
    assert options_from("openvino", {"inference_precision": "bf16"}) == OpenVINOOptions("bf16")
    assert options_from("pytorch", {"quantized": True}) == PyTorchOptions(quantized=True)
    assert options_from("onnxruntime", {}) == OnnxRuntimeOptions()


@pytest.mark.parametrize(
    ("runtime", "values", "message"),
    [
        ("openvino", {"inference_precision": "int4"}, "openvino options: inference_precision='int4'"),
        ("openvino", {}, "openvino options: .*inference_precision"),
        ("onnxruntime", {"precision": "int8"}, "onnxruntime options: unknown key.*precision"),
        ("tensorrt", {}, "runtime 'tensorrt': unknown"),
    ],
)
def test_bad_options_name_runtime_and_key(runtime, values, message):
    with pytest.raises(ValueError, match=message):
        options_from(runtime, values)


def test_open_runtime_names_the_target(tmp_path):
    with pytest.raises(TargetRuntimeError, match="target 'openvino': openvino options"):
        open_runtime(TARGETS["openvino"], tmp_path, None, 1, {"inference_precision": "fp8"})


def test_target_options_follow_config_unless_fixed():
    assert runtime_options(TARGETS["openvino"], "bf16") == {"inference_precision": "bf16"}
    assert runtime_options(TARGETS["openvino_bf16"], "f32") == {"inference_precision": "bf16"}
    assert runtime_options(TARGETS["openvino_int8"], "bf16") == {"inference_precision": "f32"}
    assert runtime_options(TARGETS["pytorch_int8"], "bf16") == {"quantized": True}
    assert runtime_options(TARGETS["onnxruntime_int8"], "bf16") == {}
    with pytest.raises(ValueError, match="pytorch options: unknown key.*threads"):
        TargetSpec("x", "pytorch", "m:f", "X", "baseline", "fp32", "f32", runtime_options={"threads": 4})
    with pytest.raises(ValueError, match="method 'sparsify'"):
        TargetSpec("x", "pytorch", "m:f", "X", "sparsify", "fp32", "f32")
    with pytest.raises(ValueError, match="precision 'fp32'"):
        TargetSpec("x", "pytorch", "m:f", "X", "baseline", "fp32", "fp32")


@pytest.mark.parametrize(
    ("value", "name"),
    [("<Type: 'float32'>", "f32"), ("bf16", "bf16"), ("<Type: 'bfloat16'>", "bf16"), ("f16", "f16"), ("u8", "int8")],
)
def test_precision_has_one_spelling(value, name):
    assert precision_name(value) == name and name in PRECISIONS


def test_unknown_precision_is_an_error():
    with pytest.raises(ValueError, match="precision 'fp8'"):
        precision_name("fp8")


def test_pytorch_precision_option_is_checked():
    from compressbench.runtimes.options import options_from

    assert options_from("pytorch", {"precision": "bf16"}).precision == "bf16"
    with pytest.raises(ValueError, match="precision='f16'"):
        options_from("pytorch", {"precision": "f16"})
    with pytest.raises(ValueError, match="INT8"):
        options_from("pytorch", {"quantized": True, "precision": "bf16"})


@pytest.mark.parametrize(("optimizations", "level"), [(True, "ORT_ENABLE_ALL"), (False, "ORT_DISABLE_ALL")])
def test_the_naive_onnxruntime_session_keeps_the_variants_graph_optimization_level(optimizations, level):
    """The naive loop's convenience session is the variant's too: with optimizations off, they stay off."""
    import onnxruntime as ort

    from compressbench.runtimes.onnxruntime import naive_session_options

    options = naive_session_options(2, optimizations)
    assert options.graph_optimization_level == getattr(ort.GraphOptimizationLevel, level)
    assert options.intra_op_num_threads == 2

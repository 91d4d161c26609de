"""ONNX with INT8 weights and activations: ONNX Runtime static post-training quantization.

`quantize_static` in QDQ format (QuantizeLinear/DequantizeLinear pairs that ONNX Runtime
fuses into QLinearConv/QLinearMatMul kernels) calibrated on the same training images as
the OpenVINO INT8 target (compressbench.calibration).

As ONNX Runtime's quantization documentation asks, the FP32 model first goes through
`quant_pre_process` (shape inference and graph optimization). build_info.json records what
that changed and which operators ONNX Runtime finally runs for the FP32 and the INT8 model
(its optimized graphs), so the report can say from data where INT8 spends its time.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from ..artifacts import write_build_info
from ..machine import has_vnni
from ..preprocess import split_batches
from .context import BuildContext
from .target_spec import LOSSY_PARITY, TargetSpec

TARGETS = (
    TargetSpec(
        "onnxruntime_int8",
        "onnxruntime",
        "compressbench.targets.onnxruntime_int8:build",
        "ONNX Runtime INT8",
        method="ptq_int8",
        weights="int8",
        precision="int8",
        reference="onnxruntime",
        needs_onnx=True,
        needs_data=True,
        parity_threshold=LOSSY_PARITY,
        recipe="compression.recipe_ort_int8",
    ),
)

CALIBRATION_BATCH = 32


class ImagesReader:
    """CalibrationDataReader over preprocessed images (a duck-typed `get_next`/`rewind`)."""

    def __init__(self, input_name: str, images: np.ndarray):
        self.input_name = input_name
        self.batches = split_batches(images, CALIBRATION_BATCH)
        self.position = 0

    def get_next(self) -> dict | None:
        if self.position >= len(self.batches):
            return None
        self.position += 1
        return {self.input_name: self.batches[self.position - 1]}

    def rewind(self) -> None:
        self.position = 0


def op_counts(model) -> dict[str, int]:
    """Operator type -> number of nodes in an onnx.ModelProto's main graph."""
    return dict(sorted(Counter(node.op_type for node in model.graph.node).items()))


def graph_facts(model) -> dict:
    return {"ops": op_counts(model), "value_info": len(model.graph.value_info)}


def ort_optimized_ops(model_path: Path, threads: int) -> dict[str, int]:
    """The operators ONNX Runtime runs for a model on this machine's CPU: its graph after every
    optimization (fusions into QLinearConv, layout changes), saved by the session."""
    import onnx
    import onnxruntime as ort

    with tempfile.TemporaryDirectory(prefix="ort-optimized.") as folder:
        optimized = Path(folder) / "optimized.onnx"
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.optimized_model_filepath = str(optimized)
        ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        return op_counts(onnx.load(str(optimized)))


def build(ctx: BuildContext, out_dir: Path) -> None:
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from .. import calibration

    images = calibration.from_settings(ctx.dataset_path, ctx.spec, ctx.settings)
    exported = onnx.load(str(ctx.onnx_source()))
    input_name = exported.graph.input[0].name
    with tempfile.TemporaryDirectory(prefix="quant-pre.") as folder:
        prepared_path = Path(folder) / "prepared.onnx"
        quant_pre_process(str(ctx.onnx_source()), str(prepared_path))
        prepared = graph_facts(onnx.load(str(prepared_path)))
        quantize_static(
            str(prepared_path),
            str(out_dir / "model.onnx"),
            ImagesReader(input_name, images),
            quant_format=QuantFormat.QDQ,
            # Per-channel weight scales: one scale per output channel follows each filter's own range,
            # the usual accuracy win for conv layers; it costs ~3 KB of scales on LeNet-5.
            per_channel=True,
            # u8 activations x s8 weights: the combination ONNX Runtime's x86 (VNNI) kernels run natively.
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
            reduce_range=not has_vnni(),  # 7-bit weights only where VNNI is missing
        )
    quantized = onnx.load(str(out_dir / "model.onnx"))
    onnx.checker.check_model(quantized, full_check=True)
    before = graph_facts(exported)
    write_build_info(
        {
            "quantizer": "onnxruntime.quantization.quantize_static",
            "format": "QDQ",
            "per_channel": True,
            "activation_type": "uint8",
            "weight_type": "int8",
            "activation_ranges": "min_max",
            "reduce_range": not has_vnni(),
            "calibration_images": len(images),
            "quant_pre_process": {"before": before, "after": prepared, "changed": before != prepared},
            "quantized_ops": op_counts(quantized),
            "ort_optimized_ops": ort_optimized_ops(out_dir / "model.onnx", ctx.threads),
            "ort_optimized_ops_fp32": ort_optimized_ops(Path(ctx.onnx_source()), ctx.threads),
        },
        out_dir,
    )

"""ONNX with INT8 weights and activations: ONNX Runtime static post-training quantization.

`quantize_static` in QDQ format (QuantizeLinear/DequantizeLinear pairs that ONNX Runtime
fuses into QLinearConv/QLinearMatMul kernels) calibrated on the same training images as
the OpenVINO INT8 target (compressbench.calibration).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import calibration
from .context import BuildContext

CALIBRATION_BATCH = 32


class ImagesReader:
    """CalibrationDataReader over preprocessed images (a duck-typed `get_next`/`rewind`)."""

    def __init__(self, input_name: str, images: np.ndarray):
        self.input_name = input_name
        self.batches = calibration.batches(images, CALIBRATION_BATCH)
        self.position = 0

    def get_next(self) -> dict | None:
        if self.position >= len(self.batches):
            return None
        self.position += 1
        return {self.input_name: self.batches[self.position - 1]}

    def rewind(self) -> None:
        self.position = 0


def build(ctx: BuildContext, out_dir: Path) -> None:
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    images = calibration.from_settings(ctx.dataset_path, ctx.spec, ctx.settings)
    input_name = onnx.load(str(ctx.onnx_source())).graph.input[0].name
    # No quant_pre_process: our export has no BatchNorm or shape ops to fold, and on LeNet-5 it
    # changed neither the graph's quantized nodes nor accuracy (it only adds symbolic shape inference).
    quantize_static(
        str(ctx.onnx_source()),
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
        reduce_range=not calibration.cpu_has_vnni(),  # 7-bit weights only where VNNI is missing
    )
    onnx.checker.check_model(onnx.load(str(out_dir / "model.onnx")), full_check=True)

from __future__ import annotations

from pathlib import Path

import openvino as ov

from .context import BuildContext


def convert(ctx: BuildContext, out_dir: Path, fp16_weights: bool) -> None:
    """ONNX -> OpenVINO IR (.xml + .bin); fp16_weights is how `ov.save_model` saves by default."""
    model = ov.convert_model(str(ctx.onnx_source()))
    ov.save_model(model, str(out_dir / "model.xml"), compress_to_fp16=fp16_weights)


def build_fp16_weights(ctx: BuildContext, out_dir: Path) -> None:
    convert(ctx, out_dir, fp16_weights=bool(ctx.settings["openvino_fp16_weights"]))


def build_fp32_weights(ctx: BuildContext, out_dir: Path) -> None:
    convert(ctx, out_dir, fp16_weights=False)

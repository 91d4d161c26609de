"""Builders for targets that re-export another target's model (TargetSpec.base) to ONNX."""

from __future__ import annotations

from pathlib import Path

from .context import BuildContext
from .onnx_fp32 import export_onnx


def export_base_onnx(ctx: BuildContext, out_dir: Path) -> None:
    """The base target's PyTorch model (pruned, distilled, clustered) as FP32 ONNX."""
    model = ctx.source_model()
    export_onnx(model, ctx.spec.input_shape, out_dir / "model.onnx", opset=int(ctx.settings.get("onnx_opset", 17)))

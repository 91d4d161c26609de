"""Builders for targets that re-export another target's model (TargetSpec.built_from) to ONNX."""

from __future__ import annotations

from pathlib import Path

from .context import BuildContext


def export_source_onnx(ctx: BuildContext, out_dir: Path) -> None:
    """The source target's PyTorch model (pruned, distilled, clustered) as FP32 ONNX."""
    from ..onnx_export import export_onnx

    model = ctx.source_model()
    export_onnx(model, ctx.spec.input_shape, out_dir / "model.onnx", opset=int(ctx.settings.get("onnx_opset", 17)))

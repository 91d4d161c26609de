"""ONNX Runtime on the shared FP32 ONNX export (compressbench.onnx_export), with its graph optimizations
(the tuned session) and without them (what they add: the claim that they make inference faster is
tested on this pair)."""

from __future__ import annotations

import shutil
from pathlib import Path

from .context import BuildContext
from .target_spec import TargetSpec

TARGETS = (
    TargetSpec(
        "onnxruntime",
        "onnxruntime",
        "compressbench.targets.onnx_fp32:build",
        "ONNX Runtime",
        method="baseline",
        weights="fp32",
        precision="f32",
        needs_onnx=True,
    ),
    TargetSpec(
        "onnxruntime_noopt",
        "onnxruntime",
        "compressbench.targets.onnx_fp32:build",
        "ONNX Runtime without graph optimizations",
        method="graph_optimizations_off",
        weights="fp32",
        precision="f32",
        reference="onnxruntime",
        needs_onnx=True,
        runtime_options={"graph_optimizations": False},
        recipe="compression.recipe_no_graph_optimizations",
        label_words="common.label_onnxruntime_noopt",
        label_gloss="common.gloss_ort",
    ),
)


def build(ctx: BuildContext, out_dir: Path) -> None:
    """The ONNX Runtime target runs the shared FP32 export as it is (checked: a damaged file fails here)."""
    import onnx

    onnx.checker.check_model(str(ctx.onnx_path), full_check=True)
    shutil.copyfile(ctx.onnx_path, out_dir / "model.onnx")

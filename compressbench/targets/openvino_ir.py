"""OpenVINO IR converted from the FP32 ONNX export: as OpenVINO saves it (FP16 weights), with FP32
weights, and executed in bf16."""

from __future__ import annotations

from pathlib import Path

from ..artifacts import write_build_info
from .context import BuildContext
from .target_spec import LOSSY_PARITY, TargetSpec

TARGETS = (
    TargetSpec(
        "openvino",
        "openvino",
        "compressbench.targets.openvino_ir:build_fp16_weights",
        "OpenVINO",
        method="baseline",
        weights="fp16",
        precision="f32",
        needs_onnx=True,
        recipe="compression.recipe_ir_fp16",
    ),
    TargetSpec(
        "openvino_fp32",
        "openvino",
        "compressbench.targets.openvino_ir:build_fp32_weights",
        "OpenVINO FP32",
        method="baseline",
        weights="fp32",
        precision="f32",
        reference="openvino",
        needs_onnx=True,
        recipe="compression.recipe_ir_fp32",
    ),
    TargetSpec(
        "openvino_bf16",
        "openvino",
        "compressbench.targets.openvino_ir:build_fp16_weights",
        "OpenVINO BF16",
        method="reduced_precision",
        weights="fp16",
        precision="bf16",
        reference="openvino",
        needs_onnx=True,
        parity_threshold=LOSSY_PARITY,
        runtime_options={"inference_precision": "bf16"},
        recipe="compression.recipe_openvino_bf16",
    ),
)


def convert(ctx: BuildContext, out_dir: Path, fp16_weights: bool) -> None:
    """ONNX -> OpenVINO IR (.xml + .bin); fp16_weights is how `ov.save_model` saves by default."""
    import openvino as ov

    model = ov.convert_model(str(ctx.onnx_source()))
    ov.save_model(model, str(out_dir / "model.xml"), compress_to_fp16=fp16_weights)
    write_build_info({"converter": "openvino.convert_model", "compress_to_fp16": fp16_weights}, out_dir)


def build_fp16_weights(ctx: BuildContext, out_dir: Path) -> None:
    convert(ctx, out_dir, fp16_weights=bool(ctx.settings["openvino_fp16_weights"]))


def build_fp32_weights(ctx: BuildContext, out_dir: Path) -> None:
    convert(ctx, out_dir, fp16_weights=False)

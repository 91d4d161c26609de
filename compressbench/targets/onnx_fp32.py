from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import onnx
import torch

from .context import BuildContext


def export_onnx(model: torch.nn.Module, input_shape: tuple[int, ...], path: Path, opset: int) -> None:
    """Export with a dynamic batch axis and check the result with onnx.checker.

    In eval mode with constant folding the exporter folds each BatchNorm into the convolution
    before it, so ONNX Runtime and OpenVINO get plain Conv nodes (tests/test_registry_models.py)."""
    model.eval()
    example = torch.zeros(1, *input_shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter announces its deprecation
        torch.onnx.export(
            model,
            (example,),
            str(path),
            input_names=["images"],
            output_names=["logits"],
            dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}},
            opset_version=opset,
            training=torch.onnx.TrainingMode.EVAL,
            do_constant_folding=True,
            dynamo=False,
        )
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)


def build(ctx: BuildContext, out_dir: Path) -> None:
    """The ONNX Runtime target runs the shared FP32 export as it is (checked: a damaged file fails here)."""
    onnx.checker.check_model(str(ctx.onnx_path), full_check=True)
    shutil.copyfile(ctx.onnx_path, out_dir / "model.onnx")

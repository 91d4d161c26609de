"""PyTorch -> ONNX: the one export every ONNX Runtime and OpenVINO target starts from."""

from __future__ import annotations

import warnings
from pathlib import Path

import onnx
import torch


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

"""PyTorch -> ONNX: the one export every ONNX Runtime and OpenVINO target starts from."""

from __future__ import annotations

import filecmp
import os
import tempfile
import time
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


def export_repeatedly(
    model: torch.nn.Module, input_shape: tuple[int, ...], path: Path, opset: int, timings: int, clock=time.perf_counter
) -> list[float]:
    """Export `timings` times, each into a temporary file beside `path` and timed alone, and keep the first as
    `path`: the seconds of each export, in order. The export is deterministic, so every repeat must give the
    same bytes; one that does not is an error (the timings would not all be of the file the targets use).
    `clock`: the timer (a test's fake one)."""
    seconds = []
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".export-") as scratch:
        kept = Path(scratch) / "model.onnx"
        for repeat in range(timings):
            attempt = kept if repeat == 0 else Path(scratch) / "repeat.onnx"
            start = clock()
            export_onnx(model, input_shape, attempt, opset)
            seconds.append(clock() - start)
            if attempt != kept and not filecmp.cmp(kept, attempt, shallow=False):
                raise ValueError(f"the ONNX export is not deterministic: export {repeat + 1} of {timings} differs")
        os.replace(kept, path)
    return seconds

"""How a model file stores its weights: bytes and values per element type, read from the file itself.

The report tests claims about storage ("INT8 stores each weight in one byte", "OpenVINO saves FP16
weights") on these numbers rather than on whole-file sizes, which also hold the graph, scales and
metadata. Each reader opens one format without running it: a PyTorch state dict (torch.load with
weights_only), an ONNX graph's initializers, an OpenVINO IR's constants. Element types are spelled
by numpy's names ("float32", "float16", "int8", "uint8", "int32", ...).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path


def _add(table: dict, dtype: str, values: int, nbytes: int) -> None:
    table[dtype]["values"] += int(values)
    table[dtype]["bytes"] += int(nbytes)


def pytorch_weights(path: Path) -> dict:
    import torch

    table = defaultdict(lambda: {"values": 0, "bytes": 0})
    state = torch.load(path, map_location="cpu", weights_only=True)
    for tensor in state.values():
        if isinstance(tensor, torch.Tensor):
            name = str(tensor.dtype).removeprefix("torch.").replace("qint8", "int8").replace("quint8", "uint8")
            _add(table, name, tensor.numel(), tensor.numel() * tensor.element_size())
    return dict(table)


def onnx_weights(path: Path) -> dict:
    import onnx
    from onnx import numpy_helper

    table = defaultdict(lambda: {"values": 0, "bytes": 0})
    for initializer in onnx.load(str(path)).graph.initializer:
        array = numpy_helper.to_array(initializer)
        _add(table, array.dtype.name, array.size, array.nbytes)
    return dict(table)


def openvino_weights(path: Path) -> dict:
    import numpy as np
    import openvino as ov

    table = defaultdict(lambda: {"values": 0, "bytes": 0})
    for op in ov.Core().read_model(str(path)).get_ops():
        if op.get_type_name() == "Constant":
            array = op.get_data()
            _add(table, np.asarray(array).dtype.name, array.size, array.nbytes)
    return dict(table)


READERS = {".pt": pytorch_weights, ".onnx": onnx_weights, ".xml": openvino_weights}


def weight_storage(model_files: list[Path]) -> dict:
    """{element type: {"values": n, "bytes": b}} of the model's stored tensors; {} for a format
    without a reader (a TorchScript archive keeps its weights inside the frozen graph)."""
    for path in model_files:
        reader = READERS.get(Path(path).suffix)
        if reader is not None:
            return reader(Path(path))
    return {}


def weights_file_bytes(model_files: list[Path]) -> int | None:
    """Bytes of the file that holds nothing but weights (an OpenVINO IR's .bin), when there is one."""
    weights = [Path(p) for p in model_files if Path(p).suffix == ".bin"]
    return sum(p.stat().st_size for p in weights) if weights else None

"""The files a target's build leaves beside its model, readable without torch.

`build_info.json` holds facts a builder records about what it made (parameters and MACs of a
changed network, a method's settings, sparsity, packed size); evaluation copies them into the
target's metrics and chain steps inherit them (targets.context).
"""

from __future__ import annotations

from pathlib import Path

from .tables import read_json, write_json

BUILD_INFO = "build_info.json"
# the data type of an ONNX graph's layers, as runtimes.onnxruntime.graph_precision reads it at build
GRAPH_PRECISION = "graph_precision"


def read_build_info(model_dir: str | Path) -> dict:
    """The folder's build facts, or {} when its builder recorded none."""
    path = Path(model_dir) / BUILD_INFO
    return read_json(path) if path.is_file() else {}


def write_build_info(info: dict, model_dir: str | Path) -> None:
    write_json(info, Path(model_dir) / BUILD_INFO)

"""The model's description saved beside its weights, readable without importing torch.

Benchmark processes of ONNX Runtime and OpenVINO targets read it; keeping torch out of
them keeps their memory baseline to what those runtimes really need.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

DEFAULT_MODEL = {"name": "lenet5"}  # what a spec written before the model registry describes


@dataclass
class ModelSpec:
    """Everything needed to rebuild the network and feed it: saved beside the weights."""

    in_channels: int
    input_size: int
    num_classes: int
    class_names: list[str]
    mean: list[float]
    std: list[float]
    train: dict = field(default_factory=dict)  # the recipe that produced the weights (for the report)
    model: dict = field(default_factory=lambda: dict(DEFAULT_MODEL))  # config's `model` section, nulls dropped
    summary: dict = field(default_factory=dict)  # layers, params, MACs (compressbench.model_summary)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> ModelSpec:
        try:
            return cls(**json.loads(Path(path).read_text(encoding="utf-8")))
        except (ValueError, TypeError) as error:  # bad JSON, text encoding, or keys
            raise ValueError(f"{path}: not a model spec ({error}); delete it and rerun to retrain") from error

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.in_channels, self.input_size, self.input_size)

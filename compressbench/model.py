"""LeNet-5 as in the coursework, sized from the data."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn


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


def feature_map_size(input_size: int) -> int:
    """Spatial size after conv5 -> pool2 -> conv5 -> pool2."""
    size = ((input_size - 4) // 2 - 4) // 2
    if size < 1:
        raise ValueError(f"model.input_size={input_size}: LeNet-5 needs at least 16 pixels")
    return size


class LeNet5(nn.Module):
    def __init__(self, in_channels: int = 3, num_classes: int = 10, input_size: int = 32):
        super().__init__()
        side = feature_map_size(input_size)
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * side * side, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(images))


def build_model(spec: ModelSpec) -> LeNet5:
    return LeNet5(spec.in_channels, spec.num_classes, spec.input_size)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def load_weights(spec: ModelSpec, weights_path: str | Path) -> LeNet5:
    """Rebuild the network from a state dict; weights_only=True never runs pickled code."""
    model = build_model(spec)
    if not Path(weights_path).is_file():
        raise FileNotFoundError(f"{weights_path}: model weights file does not exist")
    try:
        state = torch.load(weights_path, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as error:
        raise ValueError(f"{weights_path}: not a LeNet-5 state dict for this data ({error})") from error
    return model.eval()

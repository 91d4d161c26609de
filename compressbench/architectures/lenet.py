"""LeNet-5 as in the coursework: two 5x5 conv + max-pool stages, three fully connected layers."""

from __future__ import annotations

import torch
from torch import nn


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


def lenet5(num_classes: int, in_channels: int, image_size: int) -> LeNet5:
    return LeNet5(in_channels, num_classes, image_size)

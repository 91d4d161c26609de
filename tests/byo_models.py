"""Bring-your-own models for the tests: `model.name: byo_models:TinyNet` (tests/ is on sys.path
under pytest; the workflow test copies this file into the run's working directory).

TinyNet is an ordinary small classifier. The other names are deliberately broken models, one per
way a user's builder can go wrong, so the tests can check each error message.
"""

from __future__ import annotations

import torch
from torch import nn


class TinyNet(nn.Module):
    """Two conv-BN-ReLU-max-pool stages and a linear layer sized from image_size (~10k parameters
    at 32x32, width 8)."""

    def __init__(self, num_classes: int, in_channels: int, image_size: int, width: int = 8):
        super().__init__()
        side = image_size // 4
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1, bias=False),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.head = nn.Linear(2 * width * side * side, num_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))


NOT_CALLABLE = 42


def returns_a_list(num_classes: int, in_channels: int, image_size: int) -> list:
    return [nn.Linear(in_channels * image_size * image_size, num_classes)]


def raises(num_classes: int, in_channels: int, image_size: int) -> nn.Module:
    raise RuntimeError("this builder always fails")


def wrong_output(num_classes: int, in_channels: int, image_size: int) -> nn.Module:
    """One logit too many."""
    return nn.Sequential(nn.Flatten(), nn.Linear(in_channels * image_size * image_size, num_classes + 1))


def fails_forward(num_classes: int, in_channels: int, image_size: int) -> nn.Module:
    """Expects a flat vector of the wrong length."""
    return nn.Linear(7, num_classes)

"""CIFAR ResNets of He et al. 2016 ("Deep Residual Learning for Image Recognition", section 4.2).

A 3x3 stem with 16 filters, three stages of n basic blocks with 16, 32 and 64 filters (the
second and third start with stride 2), global average pooling and one linear layer: 6n + 2
layers (ResNet-8: n = 1, ResNet-20: n = 3). Where a stage changes shape the shortcut is option
A (the paper's choice on CIFAR: subsample and zero-pad the new channels, no parameters) or
option B (1x1 convolution + BatchNorm projection).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

STAGE_WIDTHS = (16, 32, 64)


class ZeroPadShortcut(nn.Module):
    """Option A: keep every other pixel and append zero channels up to the block's width."""

    def __init__(self, extra_channels: int):
        super().__init__()
        self.extra_channels = extra_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 0, self.extra_channels))


def shortcut(in_planes: int, planes: int, stride: int, kind: str) -> nn.Module:
    if stride == 1 and in_planes == planes:
        return nn.Identity()
    if kind == "A":
        return ZeroPadShortcut(planes - in_planes)
    return nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))


class BasicBlock(nn.Module):
    def __init__(self, in_planes: int, planes: int, stride: int, shortcut_kind: str):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = shortcut(in_planes, planes, stride, shortcut_kind)
        self.relu2 = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu2(out + self.shortcut(x))


class CifarResNet(nn.Module):
    def __init__(self, blocks_per_stage: int, num_classes: int, in_channels: int, shortcut_kind: str = "A"):
        super().__init__()
        if shortcut_kind not in ("A", "B"):
            raise ValueError(f"model.shortcut={shortcut_kind!r}: use A (zero-padding) or B (1x1 projection)")
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, STAGE_WIDTHS[0], 3, padding=1, bias=False),
            nn.BatchNorm2d(STAGE_WIDTHS[0]),
            nn.ReLU(),
        )
        layers, in_planes = [], STAGE_WIDTHS[0]
        for stage, planes in enumerate(STAGE_WIDTHS):
            for block in range(blocks_per_stage):
                stride = 2 if stage > 0 and block == 0 else 1
                layers.append(BasicBlock(in_planes, planes, stride, shortcut_kind))
                in_planes = planes
        self.stages = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(in_planes, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.fc(self.flatten(self.pool(self.stages(self.stem(images)))))


def resnet8(num_classes: int, in_channels: int, image_size: int, shortcut: str = "A") -> CifarResNet:
    del image_size  # global average pooling: any size from 8 pixels up
    return CifarResNet(1, num_classes, in_channels, shortcut)


def resnet20(num_classes: int, in_channels: int, image_size: int, shortcut: str = "A") -> CifarResNet:
    del image_size
    return CifarResNet(3, num_classes, in_channels, shortcut)

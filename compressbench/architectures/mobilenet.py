"""MobileNetV2 (Sandler et al. 2018) for 32x32 images: torchvision's model, CIFAR strides.

ImageNet's MobileNetV2 downsamples 32x: a 32x32 image would end at 1x1 after the third stage.
The CIFAR variant common in the literature keeps the stem and the second stage at stride 1
(8x in all, 32x32 -> 4x4); everything else, including the width multiplier's rounding to
multiples of 8, is torchvision's.
"""

from __future__ import annotations

from torch import nn
from torchvision.models import MobileNetV2
from torchvision.ops.misc import Conv2dNormActivation

# t (expansion), c (channels), n (blocks), s (first block's stride): torchvision's table with
# the second row's stride 2 -> 1
CIFAR_SETTING = [
    [1, 16, 1, 1],
    [6, 24, 2, 1],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
]


def mobilenetv2(num_classes: int, in_channels: int, image_size: int, width_multiplier: float = 1.0) -> nn.Module:
    del image_size  # global average pooling: any size from 8 pixels up
    if not width_multiplier > 0:
        raise ValueError(f"model.width_multiplier={width_multiplier!r}: must be positive")
    model = MobileNetV2(num_classes=num_classes, width_mult=width_multiplier, inverted_residual_setting=CIFAR_SETTING)
    stem_channels = model.features[0][0].out_channels
    # stride 1 and the data's channel count instead of ImageNet's stride-2 RGB stem
    model.features[0] = Conv2dNormActivation(in_channels, stem_channels, stride=1, activation_layer=nn.ReLU6)
    return model

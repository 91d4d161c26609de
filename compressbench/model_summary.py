"""A description of the network taken from the network itself, for the report.

Layers, output shapes and parameters come from forward hooks on one image; MACs from
torch.utils.flop_counter.FlopCounterMode, which counts convolutions and matrix products
(2 FLOPs per multiply-accumulate) and ignores the cheap element-wise layers (BN, activations,
pooling, additions), the usual convention for MACs.
"""

from __future__ import annotations

from collections import Counter

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def leaf_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Modules that compute something themselves (containers and identity shortcuts left out)."""
    return [
        (name, module)
        for name, module in model.named_modules()
        if name and not list(module.children()) and not isinstance(module, nn.Identity)
    ]


def layer_output_shapes(model: nn.Module, input_shape: tuple[int, ...]) -> dict[str, list[int]]:
    """Per-image output shape of every leaf module, from one forward pass in eval mode."""
    shapes: dict[str, list[int]] = {}

    def remember(name):
        def hook(_module, _inputs, output):
            if isinstance(output, torch.Tensor):
                shapes.setdefault(name, list(output.shape[1:]))

        return hook

    handles = [module.register_forward_hook(remember(name)) for name, module in leaf_modules(model)]
    try:
        with torch.no_grad():
            model(torch.zeros(1, *input_shape))
    finally:
        for handle in handles:
            handle.remove()
    return shapes


def layer_macs(model: nn.Module, input_shape: tuple[int, ...]) -> tuple[int, dict[str, int]]:
    """Total multiply-accumulates for one image, and per module name."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, *input_shape))
    prefix = type(model).__name__ + "."
    per_module = {
        name.removeprefix(prefix): sum(counts.values()) // 2
        for name, counts in counter.get_flop_counts().items()
        if name.startswith(prefix)
    }
    return counter.get_total_flops() // 2, per_module


def describe(model: nn.Module, input_shape: tuple[int, ...], label: str) -> dict:
    """Summary dict stored in spec.json under "summary" (keys listed in README)."""
    was_training = model.training
    model.eval()
    try:
        shapes = layer_output_shapes(model, input_shape)
        total_macs, macs = layer_macs(model, input_shape)
    finally:
        model.train(was_training)
    layers = [
        {
            "name": name,
            "type": type(module).__name__,
            "output_shape": shapes.get(name),
            "params": sum(p.numel() for p in module.parameters(recurse=False)),
            "macs": macs.get(name, 0),
        }
        for name, module in leaf_modules(model)
    ]
    return {
        "architecture": label,
        "input_shape": list(input_shape),
        "params": sum(p.numel() for p in model.parameters()),
        "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "macs": total_macs,
        "layer_counts": dict(Counter(layer["type"] for layer in layers)),
        "layers": layers,
    }

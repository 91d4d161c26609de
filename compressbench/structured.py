"""Structured pruning: remove whole filters and neurons, leaving a smaller dense network.

torch-pruning (Fang et al., DepGraph, CVPR 2023) traces the network and groups every layer a
removed channel touches (the filter, the next layer's input slice, batch-norm entries, the
flattened features of the classifier), so the result is consistent for any nn.Module. Channels
are ranked by the L2 norm of their group's weights. Every prunable layer loses the same share
(`ratio`) unless `layer_ratios` names it with its own share (0 keeps it whole): a layer's cost is
not its channel count, e.g. LeNet-5's first convolution holds 54 % of the MACs and the first
linear layer 78 % of the parameters, so a plan that cuts where the cost is loses less accuracy
than a uniform cut. The output layer is never pruned. The uniform narrowing, freshly
initialized, makes the width-multiplied students of knowledge distillation.
"""

from __future__ import annotations

import torch
from torch import nn

WIDE_LAYERS = (nn.Conv2d, nn.Linear)


def output_layer(model: nn.Module, num_classes: int) -> nn.Module:
    """The last conv/linear layer producing `num_classes` outputs: its outputs are the classes."""
    candidates = [
        module
        for module in model.modules()
        if (isinstance(module, nn.Linear) and module.out_features == num_classes)
        or (isinstance(module, nn.Conv2d) and module.out_channels == num_classes)
    ]
    if not candidates:
        raise ValueError(f"no conv/linear layer with {num_classes} outputs: cannot tell the classifier")
    return candidates[-1]


def prunable_layers(model: nn.Module, num_classes: int) -> dict[str, nn.Module]:
    """{name: layer} of the conv/linear layers whose output channels pruning may remove."""
    classifier = output_layer(model, num_classes)
    return {
        name: module
        for name, module in model.named_modules()
        if isinstance(module, WIDE_LAYERS) and module is not classifier
    }


def layer_plan(model: nn.Module, num_classes: int, ratio: float, layer_ratios: dict[str, float]) -> dict[str, float]:
    """{prunable layer name: share of its output channels to remove}: `ratio` unless named."""
    if not 0.0 < ratio < 1.0:
        raise ValueError(f"compression.structured_ratio={ratio}: must be in (0, 1)")
    layers = prunable_layers(model, num_classes)
    unknown = sorted(set(layer_ratios) - set(layers))
    if unknown:
        raise ValueError(
            f"compression.structured_layer_ratios names {unknown}: not a prunable layer of this model "
            f"(prunable: {sorted(layers)}; the classifier is never pruned)"
        )
    for name, share in layer_ratios.items():
        if not 0.0 <= share < 1.0:
            raise ValueError(f"compression.structured_layer_ratios.{name}={share}: must be in [0, 1)")
    return {name: layer_ratios.get(name, ratio) for name in layers}


def prune_channels(
    model: nn.Module,
    input_shape: tuple[int, ...],
    num_classes: int,
    ratio: float,
    layer_ratios: dict[str, float] | None = None,
) -> nn.Module:
    """Remove `ratio` of every conv/linear layer's output channels in place (not the classifier's),
    or the share `layer_ratios` gives a layer by name."""
    import torch_pruning as tp  # traces the model: only when a pruned target is built

    plan = layer_plan(model, num_classes, ratio, layer_ratios or {})
    layers = prunable_layers(model, num_classes)
    kept_whole = [layers[name] for name, share in plan.items() if share == 0]
    model.eval()
    pruner = tp.pruner.MetaPruner(
        model,
        torch.zeros(1, *input_shape),
        importance=tp.importance.MagnitudeImportance(p=2),
        pruning_ratio=ratio,
        pruning_ratio_dict={layers[name]: share for name, share in plan.items() if share > 0},
        ignored_layers=[output_layer(model, num_classes), *kept_whole],
    )
    pruner.step()
    return model


def widths(model: nn.Module) -> list[int]:
    """Output channels / features of each conv and linear layer, in order (e.g. 6-16-120-84-10)."""
    return [
        module.out_channels if isinstance(module, nn.Conv2d) else module.out_features
        for module in model.modules()
        if isinstance(module, WIDE_LAYERS)
    ]


def narrowed_student(base: nn.Module, input_shape: tuple[int, ...], num_classes: int, width: float, seed: int):
    """The base architecture with `width` of its channels per layer, freshly initialized."""
    if not 0.0 < width <= 1.0:
        raise ValueError(f"compression.distill_width={width}: must be in (0, 1]")
    student = prune_channels(base, input_shape, num_classes, 1.0 - width) if width < 1.0 else base
    torch.manual_seed(seed)
    for module in student.modules():
        if hasattr(module, "reset_parameters") and module is not student:
            module.reset_parameters()
    return student

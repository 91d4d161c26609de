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

import copy
import math

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


class PruningPlanError(ValueError):
    """A requested share of a layer's channels that pruning cannot remove; says which and why."""


def layer_widths(model: nn.Module, num_classes: int) -> dict[str, int]:
    """{prunable layer name: its output channels / features}."""
    return {name: _width(layer) for name, layer in prunable_layers(model, num_classes).items()}


def _width(layer: nn.Module) -> int:
    return layer.out_channels if isinstance(layer, nn.Conv2d) else layer.out_features


def achieved_cuts(plan: dict[str, float], before: dict[str, int], after: dict[str, int]) -> dict[str, dict]:
    """Per layer of the plan: the requested share, the share of channels really removed, the widths."""
    return {
        name: {
            "requested": share,
            "achieved": round(1.0 - after[name] / before[name], 4),
            "width_before": before[name],
            "width_after": after[name],
        }
        for name, share in plan.items()
    }


def coupled_layers(model: nn.Module, input_shape: tuple[int, ...], num_classes: int, name: str) -> list[str]:
    """The other prunable layers whose output channels must go with `name`'s (a residual sum or a
    concatenation joins them channel by channel), from torch-pruning's dependency graph."""
    import torch_pruning as tp

    layers = prunable_layers(model, num_classes)
    names = {id(layer): layer_name for layer_name, layer in layers.items()}
    graph = tp.DependencyGraph().build_dependency(model, example_inputs=torch.zeros(1, *input_shape))
    layer = layers[name]
    handler = tp.prune_conv_out_channels if isinstance(layer, nn.Conv2d) else tp.prune_linear_out_channels
    group = graph.get_pruning_group(layer, handler, idxs=[0])
    return sorted(
        {
            names[id(dep.target.module)]
            for dep, _ in group
            if id(dep.target.module) in names and getattr(dep.handler, "__name__", "") == "prune_out_channels"
        }
        - {name}
    )


def check_cuts(cuts: dict[str, dict], setting_of, why_coupled) -> None:
    """Stop when a layer lost more than a channel more or less than its requested share.

    `setting_of(layer)` names the config key (and value) that asked for it; `why_coupled(layer)` lists the
    layers it is coupled with. torch-pruning removes ceil(share x width) channels and leaves a
    layer whole rather than remove all of them; coupled layers lose channels together.
    """
    for name, cut in cuts.items():
        width, share = cut["width_before"], cut["requested"]
        removed = width - cut["width_after"]
        if abs(removed - share * width) < 1:
            continue
        head = (
            f"{setting_of(name)}: layer {name} went from {width} to {cut['width_after']} channels, "
            f"a share of {cut['achieved']:.3f} removed instead of {share}"
        )
        if math.ceil(share * width - 1e-9) >= width:
            raise PruningPlanError(
                f"{head}: rounding: {share} x {width} channels rounds up to all {width}, and torch-pruning "
                f"never removes every channel of a layer, so it removed none; ask at most "
                f"{(width - 1) / width:.3f} ({width - 1} of {width})"
            )
        raise PruningPlanError(
            f"{head}: coupling: its channels are tied to those of {', '.join(why_coupled(name)) or 'other layers'} "
            "(a residual "
            "sum or a concatenation joins them channel by channel), so these layers lose channels together, "
            "at one share; give them the same share"
        )


def prune_channels(
    model: nn.Module,
    input_shape: tuple[int, ...],
    num_classes: int,
    ratio: float,
    layer_ratios: dict[str, float] | None = None,
    setting: str | None = None,
) -> dict[str, dict]:
    """Remove `ratio` of every conv/linear layer's output channels in place (not the classifier's),
    or the share `layer_ratios` gives a layer by name. Returns achieved_cuts; stops with a
    PruningPlanError naming the setting (`setting`: its key and value, else structured_ratio or
    the layer's structured_layer_ratios entry) when a layer's share cannot be had."""
    import torch_pruning as tp  # traces the model: only when a pruned target is built

    layer_ratios = layer_ratios or {}
    plan = layer_plan(model, num_classes, ratio, layer_ratios)
    layers = prunable_layers(model, num_classes)
    before = layer_widths(model, num_classes)
    original = copy.deepcopy(model)
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
    cuts = achieved_cuts(plan, before, layer_widths(model, num_classes))

    def setting_of(name: str) -> str:
        if setting:
            return setting
        if name in layer_ratios:
            return f"compression.structured_layer_ratios.{name}={layer_ratios[name]}"
        return f"compression.structured_ratio={ratio}"

    check_cuts(cuts, setting_of, lambda name: coupled_layers(original, input_shape, num_classes, name))
    return cuts


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
    if width < 1.0:
        asked = f"compression.distill_width={width} (a cut of {1.0 - width:.3g})"
        prune_channels(base, input_shape, num_classes, 1.0 - width, setting=asked)
    student = base
    torch.manual_seed(seed)
    for module in student.modules():
        if hasattr(module, "reset_parameters") and module is not student:
            module.reset_parameters()
    return student

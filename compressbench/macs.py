"""Parameters and multiply-accumulates of a PyTorch model, counted from its traced operations.

MACs come from `torch.utils.flop_counter.FlopCounterMode`, which counts the FLOPs of every
convolution and matrix multiply the forward pass runs (2 per multiply-accumulate); bias adds,
activations and pooling are not counted, the usual convention for MACs. Counting the executed
operations works for any nn.Module, pruned or not, with no per-layer formulas here.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .model import count_parameters


@torch.no_grad()
def count_macs(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulates of one forward pass on a single (1, *input_shape) image."""
    was_training = model.training
    model.eval()
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *input_shape))
    model.train(was_training)
    return int(counter.get_total_flops()) // 2


def model_facts(model: nn.Module, input_shape: tuple[int, ...]) -> dict:
    """What summary.tsv reports about a model's size in arithmetic: `params` and `macs`."""
    return {"params": count_parameters(model), "macs": count_macs(model, input_shape)}


def layer_facts(model: nn.Module, input_shape: tuple[int, ...]) -> list[dict]:
    """Per leaf module: name, type, output shape, params and MACs (model_summary.describe), for the
    builders that change a network's widths: the diagnosis (compressbench.diagnosis) compares each
    layer's time with its MACs."""
    from .model_summary import describe

    return describe(model, input_shape, type(model).__name__)["layers"]

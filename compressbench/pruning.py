"""Unstructured magnitude pruning: zero the globally smallest weights, fine-tune with the masks kept, bake.

The target compressbench.targets.pytorch_pruned builds with it.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import prune
from tqdm import tqdm

from .training import TrainSettings, make_optimizer, seed_everything, train_one_epoch


def prunable(model: nn.Module) -> list[tuple[nn.Module, str]]:
    return [(module, "weight") for module in model.modules() if isinstance(module, (nn.Conv2d, nn.Linear))]


def sparsity_stats(model: nn.Module) -> dict:
    weights = [getattr(module, name) for module, name in prunable(model)]
    total = sum(w.numel() for w in weights)
    zeros = sum(int((w == 0).sum()) for w in weights)
    return {
        "sparsity": zeros / total,  # share of conv + linear weights that are exactly zero
        "pruned_weights": zeros,
        "prunable_weights": total,
        "nonzero_params": sum(int((p != 0).sum()) for p in model.parameters()),
    }


def prune_model(model: nn.Module, sparsity: float) -> nn.Module:
    """Zero the globally smallest-magnitude conv/linear weights; masks stay until `bake`."""
    if not 0.0 <= sparsity < 1.0:
        raise ValueError(f"compression.pruning_sparsity={sparsity}: must be in [0, 1)")
    prune.global_unstructured(prunable(model), pruning_method=prune.L1Unstructured, amount=sparsity)
    return model


def bake(model: nn.Module) -> nn.Module:
    for module, name in prunable(model):
        if prune.is_pruned(module):
            prune.remove(module, name)
    return model


def finetune(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, settings: TrainSettings) -> list[dict]:
    """compressbench.training's epoch loop; the pruning masks keep zeroed weights at zero."""
    torch.set_num_threads(settings.threads)
    generator = seed_everything(settings.seed)
    optimizer = make_optimizer(model, settings)
    log = []
    for epoch in range(1, settings.epochs + 1):
        with tqdm(total=len(labels), desc=f"fine-tune {epoch}/{settings.epochs}", unit="img", mininterval=2) as bar:
            loss, accuracy = train_one_epoch(model, optimizer, images, labels, settings, generator, bar)
        log.append({"epoch": epoch, "train_loss": loss, "train_accuracy": accuracy})
    return log


@torch.inference_mode()
def teacher_labels(teacher: nn.Module, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """The FP32 model's own predictions: fine-tuning on them recovers the FP32 model's behaviour
    (what parity checks) instead of drifting towards a differently trained model."""
    teacher.eval()
    return torch.cat([teacher(images[i : i + batch_size]).argmax(dim=1) for i in range(0, len(images), batch_size)])

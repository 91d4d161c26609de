"""PyTorch FP32 with half the weights zeroed: global magnitude pruning plus a short fine-tune.

`global_unstructured` with L1Unstructured ranks every conv and linear weight together and
zeroes the smallest `pruning_sparsity` share; a short fine-tune at a lower learning rate
(compressbench.training's epoch loop, masks kept) recovers accuracy; `prune.remove` bakes the
zeros into a plain state dict that the PyTorch runtime loads like the FP32 model.
Unstructured zeros do not shrink model.pt, only its compressed size (size_gzip_bytes).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn.utils import prune
from tqdm import tqdm

from ..data import load_dataset
from ..evaluation import BUILD_INFO
from ..model import load_weights
from ..preprocess import normalize
from ..tables import write_json
from ..training import TrainSettings, make_optimizer, save_checkpoint, seed_everything, train_one_epoch
from .context import BuildContext


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


def build(ctx: BuildContext, out_dir: Path) -> None:
    settings = ctx.settings
    sparsity = float(settings["pruning_sparsity"])
    # The fine-tune recipe: Adam without weight decay at compression.finetune_* settings.
    finetune_settings = TrainSettings(
        epochs=int(settings["finetune_epochs"]),
        batch_size=int(settings["finetune_batch_size"]),
        learning_rate=float(settings["finetune_learning_rate"]),
        optimizer="adam",
        momentum=0.0,  # not used by Adam
        weight_decay=0.0,
        horizontal_flip=bool(settings["finetune_horizontal_flip"]),
        seed=int(settings["seed"]),
        normalization="dataset",  # not used: the images come normalized with the FP32 model's spec
        device="cpu",
        amp="none",
        lr_schedule="constant",
        random_crop_padding=0,
        threads=ctx.threads,
    )
    targets = str(settings["finetune_targets"])
    model = prune_model(load_weights(ctx.spec, ctx.checkpoint), sparsity)
    log = []
    if finetune_settings.epochs > 0:
        dataset = load_dataset(ctx.dataset_path)
        images = torch.from_numpy(normalize(dataset.train_images, ctx.spec.mean, ctx.spec.std))
        labels = torch.from_numpy(dataset.train_labels)
        if targets == "teacher":
            labels = teacher_labels(load_weights(ctx.spec, ctx.checkpoint), images)
        elif targets != "labels":
            raise ValueError(f"compression.finetune_targets={targets!r}: use teacher or labels")
        log = finetune(model, images, labels, finetune_settings)
    model = bake(model).eval()
    save_checkpoint(model, out_dir / "model.pt")
    info = {
        "pruning_sparsity_target": sparsity,
        **sparsity_stats(model),
        "finetune_epochs": finetune_settings.epochs,
        "finetune_targets": targets,
    }
    write_json(info, out_dir / BUILD_INFO)
    print({**info, "finetune": log})

"""PyTorch FP32 with half the weights zeroed: global magnitude pruning plus a short fine-tune.

`global_unstructured` with L1Unstructured ranks every conv and linear weight together and
zeroes the smallest `pruning_sparsity` share; a short fine-tune at a lower learning rate
(compressbench.training's epoch loop, masks kept) recovers accuracy; `prune.remove` bakes the
zeros into a plain state dict that the PyTorch runtime loads like the FP32 model.
Unstructured zeros do not shrink model.pt, only its compressed size (size_gzip_bytes).
"""

from __future__ import annotations

from pathlib import Path

from ..artifacts import write_build_info
from .context import BuildContext
from .target_spec import RETRAINED_PARITY, TargetSpec

TARGETS = (
    TargetSpec(
        "pytorch_pruned",
        "pytorch",
        "compressbench.targets.pytorch_pruned:build",
        "PyTorch pruned",
        method="unstructured_pruning",
        weights="sparse fp32",
        precision="f32",
        reference="pytorch",
        needs_data=True,
        parity_threshold=RETRAINED_PARITY,
        recipe="compression.recipe_unstructured",
    ),
)


def build(ctx: BuildContext, out_dir: Path) -> None:
    import torch

    from ..data import load_dataset
    from ..model import load_weights
    from ..preprocess import normalize
    from ..pruning import bake, finetune, prune_model, sparsity_stats, teacher_labels
    from ..training import TrainSettings, save_checkpoint

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
    write_build_info(info, out_dir)
    print({**info, "finetune": log})

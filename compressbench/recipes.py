"""Settings of the retraining compression methods, read from config.yaml's `compression` section.

Every retraining step (structured-pruning and clustering fine-tunes, QAT, the students) reuses
the trained model's recipe recorded in spec.json (batch size, optimizer, flips, weight decay)
with its own epochs and learning rate, and learns from the trained model's soft targets with
the distillation loss (compressbench.distill). Defaults match workflow/schemas/config.schema.yaml.
"""

from __future__ import annotations

import dataclasses

import torch

from .data import load_dataset
from .distill import DistillLoss
from .preprocess import normalize
from .targets.context import BuildContext
from .training import TrainSettings

# The trained model's recipe (spec.json's train record) is the base of every fine-tune step.
TRAIN_FIELDS = tuple(field.name for field in dataclasses.fields(TrainSettings))


def setting(ctx: BuildContext, key: str, kind=float, when_null=None):
    """compression.<key> (its default is the schema's; the build gets the whole validated section).
    `when_null`: what a null value means (e.g. "the trained model's epochs")."""
    if key not in ctx.settings:
        raise ValueError(f"compression.{key}: missing from the build settings (a target needs needs_data=True)")
    value = ctx.settings[key]
    if value is None:
        if when_null is None:
            raise ValueError(f"compression.{key}: null is not a value here")
        return when_null
    try:
        return kind(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"compression.{key}={value!r}: expected {kind.__name__}") from error


def recipe(ctx: BuildContext, epochs: int, learning_rate: float) -> TrainSettings:
    """The trained model's recipe with this step's epochs and learning rate."""
    if epochs < 0:
        raise ValueError(f"fine-tune epochs={epochs}: must be 0 or more")
    recorded = {key: ctx.spec.train[key] for key in TRAIN_FIELDS if key in ctx.spec.train}
    step = {
        "epochs": epochs,
        "learning_rate": learning_rate,
        "seed": setting(ctx, "seed", int),
        "threads": ctx.threads,
        "device": "cpu",  # target builds are CPU jobs, whatever device trained the model
        "amp": "none",
    }
    return TrainSettings(**{**recorded, **step})


def distill_loss(ctx: BuildContext, alpha: float | None = None) -> DistillLoss:
    return DistillLoss(
        temperature=setting(ctx, "distill_temperature"),
        alpha=setting(ctx, "distill_alpha") if alpha is None else alpha,
    )


def training_split(ctx: BuildContext) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalized training images and labels (the test split is never trained on)."""
    if ctx.dataset_path is None:
        raise ValueError("fine-tuning needs the cached dataset (TargetSpec.needs_data=True)")
    dataset = load_dataset(ctx.dataset_path)
    images = torch.from_numpy(normalize(dataset.train_images, ctx.spec.mean, ctx.spec.std))
    return images, torch.from_numpy(dataset.train_labels)


def finetune_from_teacher(ctx: BuildContext, model, epochs: int, learning_rate: float, desc: str) -> list[dict]:
    """Fine-tune a compressed model towards the trained model's soft targets (and the labels) on the
    training split; the log rows, none when epochs is 0."""
    if epochs <= 0:
        return []
    from .distill import distill
    from .model import load_weights

    images, labels = training_split(ctx)
    teacher = load_weights(ctx.spec, ctx.checkpoint)
    return distill(model, teacher, images, labels, recipe(ctx, epochs, learning_rate), distill_loss(ctx), desc=desc)

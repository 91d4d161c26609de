"""Training loop: readable top to bottom, deterministic for a given seed and machine."""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .config import FromConfig
from .data import Dataset
from .model import LeNet5, ModelSpec, build_model
from .preprocess import channel_stats, normalize
from .tables import write_tsv

TRAIN_LOG_COLUMNS = ["epoch", "train_loss", "train_accuracy", "test_accuracy", "seconds"]


@dataclass
class TrainSettings(FromConfig):
    """config.yaml's `train` section (defaults: the schema) plus the thread count."""

    section: ClassVar[str] = "train"

    epochs: int
    batch_size: int
    learning_rate: float
    optimizer: str
    momentum: float
    weight_decay: float
    horizontal_flip: bool
    seed: int
    normalization: str | dict
    threads: int


def seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    return torch.Generator().manual_seed(seed)


def make_spec(dataset: Dataset, normalization: str | dict) -> ModelSpec:
    if normalization == "dataset":
        mean, std = channel_stats(dataset.train_images)
    elif normalization == "none":
        mean, std = [0.0] * dataset.channels, [1.0] * dataset.channels
    elif isinstance(normalization, dict) and {"mean", "std"} <= normalization.keys():
        mean, std = list(normalization["mean"]), list(normalization["std"])
    else:
        raise ValueError(f"train.normalization={normalization!r}: use dataset, none or {{mean: [...], std: [...]}}")
    if len(mean) != dataset.channels or len(std) != dataset.channels:
        raise ValueError(
            f"train.normalization: mean/std need {dataset.channels} values (one per channel), "
            f"got {len(mean)} and {len(std)}"
        )
    return ModelSpec(
        in_channels=dataset.channels,
        input_size=dataset.image_size,
        num_classes=len(dataset.class_names),
        class_names=dataset.class_names,
        mean=mean,
        std=std,
    )


def make_optimizer(model: nn.Module, settings: TrainSettings) -> torch.optim.Optimizer:
    if settings.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    if settings.optimizer == "sgd":
        return torch.optim.SGD(
            model.parameters(),
            lr=settings.learning_rate,
            momentum=settings.momentum,
            weight_decay=settings.weight_decay,
        )
    raise ValueError(f"train.optimizer={settings.optimizer!r}: use adam or sgd")


@torch.inference_mode()
def evaluate_accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000) -> float:
    model.eval()
    correct = 0
    for start in range(0, len(labels), batch_size):
        logits = model(images[start : start + batch_size])
        correct += int((logits.argmax(dim=1) == labels[start : start + batch_size]).sum())
    return correct / max(len(labels), 1)


def train_one_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    images: torch.Tensor,
    labels: torch.Tensor,
    settings: TrainSettings,
    generator: torch.Generator,
    progress: tqdm,
) -> tuple[float, float]:
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(labels), generator=generator)
    total_loss, correct = 0.0, 0
    for start in range(0, len(labels), settings.batch_size):
        batch_index = order[start : start + settings.batch_size]
        batch, batch_labels = images[batch_index], labels[batch_index]
        if settings.horizontal_flip:
            flip = torch.rand(len(batch_index), generator=generator) < 0.5
            batch = torch.where(flip[:, None, None, None], batch.flip(3), batch)
        optimizer.zero_grad()
        logits = model(batch)
        loss = loss_fn(logits, batch_labels)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(batch_index)
        correct += int((logits.argmax(dim=1) == batch_labels).sum())
        progress.update(len(batch_index))
    return total_loss / len(labels), correct / len(labels)


def train(dataset: Dataset, settings: TrainSettings) -> tuple[LeNet5, ModelSpec, list[dict]]:
    """Train LeNet-5 on the dataset; return the model, its spec and one log row per epoch."""
    torch.set_num_threads(settings.threads)
    generator = seed_everything(settings.seed)
    spec = make_spec(dataset, settings.normalization)
    spec.train = {key: value for key, value in asdict(settings).items() if key != "threads"}
    model = build_model(spec)
    optimizer = make_optimizer(model, settings)
    train_x = torch.from_numpy(normalize(dataset.train_images, spec.mean, spec.std))
    train_y = torch.from_numpy(dataset.train_labels)
    test_x = torch.from_numpy(normalize(dataset.test_images, spec.mean, spec.std))
    test_y = torch.from_numpy(dataset.test_labels)

    log = []
    for epoch in range(1, settings.epochs + 1):
        started = time.perf_counter()
        with tqdm(total=len(train_y), desc=f"epoch {epoch}/{settings.epochs}", unit="img", mininterval=2) as bar:
            loss, train_acc = train_one_epoch(model, optimizer, train_x, train_y, settings, generator, bar)
            test_acc = evaluate_accuracy(model, test_x, test_y)
            bar.set_postfix(loss=f"{loss:.3f}", test_acc=f"{test_acc:.4f}")
        log.append(
            {
                "epoch": epoch,
                "train_loss": loss,
                "train_accuracy": train_acc,
                "test_accuracy": test_acc,
                "seconds": time.perf_counter() - started,
            }
        )
    return model.eval(), spec, log


def write_train_log(rows: list[dict], path: str | Path) -> None:
    write_tsv(rows, path, TRAIN_LOG_COLUMNS)


def save_checkpoint(model: nn.Module, path: str | Path) -> None:
    torch.save(model.state_dict(), path)

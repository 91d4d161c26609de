"""Training loop: readable top to bottom, deterministic for a given seed and machine."""

from __future__ import annotations

import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .architectures import model_source_digest
from .config import FromConfig, settings_from
from .data import Dataset
from .model import ModelSpec, build_model, model_label, model_settings
from .model_summary import describe
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
    device: str  # auto (CUDA when available) | cpu | cuda
    amp: str  # none | bf16 (autocast, CPU or CUDA) | fp16 (autocast + GradScaler, CUDA only)
    lr_schedule: str  # constant | cosine (annealed to 0 over the epochs, stepped per epoch)
    random_crop_padding: int  # pad by this many pixels and crop back at a random offset; 0 = off
    threads: int  # what train.threads resolves to (config.thread_count): never recorded in spec.json

    @classmethod
    def from_config(cls, values: dict, threads: int) -> TrainSettings:
        """The `train` section (its `threads` setting as resolved: `threads`)."""
        return settings_from(cls, cls.section, {k: v for k, v in values.items() if k != "threads"}, threads=threads)


def resolve_device(requested: str) -> torch.device:
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise ValueError("train.device=cuda: CUDA is not available here (torch.cuda.is_available() is False)")
    if requested not in ("cpu", "cuda"):
        raise ValueError(f"train.device={requested!r}: use auto, cpu or cuda")
    return torch.device(requested)


def autocast_dtype(amp: str, device: torch.device) -> torch.dtype | None:
    """The dtype autocast runs in, None for full FP32."""
    if amp == "none":
        return None
    if amp == "bf16":
        return torch.bfloat16
    if amp == "fp16":
        if device.type != "cuda":
            raise ValueError(f"train.amp=fp16 needs CUDA (device here: {device.type}); use bf16 on CPU")
        return torch.float16
    raise ValueError(f"train.amp={amp!r}: use none, bf16 or fp16")


def device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


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


def make_scheduler(optimizer: torch.optim.Optimizer, settings: TrainSettings):
    if settings.lr_schedule == "constant":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 1.0)
    if settings.lr_schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=settings.epochs)
    raise ValueError(f"train.lr_schedule={settings.lr_schedule!r}: use constant or cosine")


def random_crop(batch: torch.Tensor, padding: int, generator: torch.Generator) -> torch.Tensor:
    """Zero-pad (the mean colour, images being normalised) and cut each image back at a random offset."""
    height, width = batch.shape[-2:]
    padded = nn.functional.pad(batch, (padding, padding, padding, padding))
    offsets = torch.randint(0, 2 * padding + 1, (len(batch), 2), generator=generator).tolist()
    return torch.stack([image[:, y : y + height, x : x + width] for image, (y, x) in zip(padded, offsets, strict=True)])


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
    device = next(model.parameters()).device
    for start in range(0, len(labels), batch_size):
        logits = model(images[start : start + batch_size].to(device))
        correct += int((logits.argmax(dim=1).cpu() == labels[start : start + batch_size]).sum())
    return correct / max(len(labels), 1)


def train_one_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    images: torch.Tensor,
    labels: torch.Tensor,
    settings: TrainSettings,
    generator: torch.Generator,
    progress: tqdm,
    scaler: torch.amp.GradScaler | None = None,
) -> tuple[float, float]:
    """One pass over the shuffled images; batches are augmented on the CPU and moved to the model's device."""
    model.train()
    device = next(model.parameters()).device
    dtype = autocast_dtype(settings.amp, device)
    if scaler is None:  # callers without mixed precision (the pruning fine-tune): a pass-through scaler
        scaler = torch.amp.GradScaler(device.type, enabled=False)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(labels), generator=generator)
    total_loss, correct = 0.0, 0
    for start in range(0, len(labels), settings.batch_size):
        batch_index = order[start : start + settings.batch_size]
        batch, batch_labels = images[batch_index], labels[batch_index]
        if settings.horizontal_flip:
            flip = torch.rand(len(batch_index), generator=generator) < 0.5
            batch = torch.where(flip[:, None, None, None], batch.flip(3), batch)
        if settings.random_crop_padding:
            batch = random_crop(batch, settings.random_crop_padding, generator)
        batch, batch_labels = batch.to(device), batch_labels.to(device)
        optimizer.zero_grad()
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            logits = model(batch)
            loss = loss_fn(logits, batch_labels)
        scaler.scale(loss).backward()  # a disabled scaler (all but fp16) passes the loss through
        scaler.step(optimizer)
        scaler.update()
        total_loss += loss.item() * len(batch_index)
        correct += int((logits.argmax(dim=1) == batch_labels).sum())
        progress.update(len(batch_index))
    return total_loss / len(labels), correct / len(labels)


def prepare_device(settings: TrainSettings) -> torch.device:
    """The training device, with deterministic kernels wherever the device has them."""
    device = resolve_device(settings.device)
    autocast_dtype(settings.amp, device)  # an impossible amp setting fails before any work
    if device.type == "cuda":
        # cuBLAS is deterministic only with a fixed workspace; some CUDA kernels (e.g. adaptive
        # average pooling's backward) have no deterministic version, so CUDA only warns about those.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    return device


def train(
    dataset: Dataset, settings: TrainSettings, model_config: dict | None = None
) -> tuple[nn.Module, ModelSpec, list[dict]]:
    """Train `model_config` (config's `model` section; default LeNet-5) on the dataset.

    Returns the model (on the CPU, in eval mode), its spec and one log row per epoch."""
    torch.set_num_threads(settings.threads)
    generator = seed_everything(settings.seed)
    device = prepare_device(settings)
    spec = make_spec(dataset, settings.normalization)
    spec.model = model_settings(model_config)
    spec.train = {key: value for key, value in asdict(settings).items() if key != "threads"}
    spec.train["device_used"] = device_name(device)
    spec.train["model_source_sha256"] = model_source_digest(spec.model["name"])  # None: a registry model
    model = build_model(spec)  # before any tensor work: a broken model config fails here
    spec.summary = describe(model, spec.input_shape, model_label(spec.model))
    model.to(device)
    optimizer = make_optimizer(model, settings)
    scheduler = make_scheduler(optimizer, settings)
    scaler = torch.amp.GradScaler(device.type, enabled=settings.amp == "fp16")
    train_x = torch.from_numpy(normalize(dataset.train_images, spec.mean, spec.std))
    train_y = torch.from_numpy(dataset.train_labels)
    test_x = torch.from_numpy(normalize(dataset.test_images, spec.mean, spec.std))
    test_y = torch.from_numpy(dataset.test_labels)

    log = []
    for epoch in range(1, settings.epochs + 1):
        started = time.perf_counter()
        with tqdm(total=len(train_y), desc=f"epoch {epoch}/{settings.epochs}", unit="img", mininterval=2) as bar:
            loss, train_acc = train_one_epoch(model, optimizer, train_x, train_y, settings, generator, bar, scaler)
            test_acc = evaluate_accuracy(model, test_x, test_y)
            bar.set_postfix(loss=f"{loss:.3f}", test_acc=f"{test_acc:.4f}")
        scheduler.step()
        log.append(
            {
                "epoch": epoch,
                "train_loss": loss,
                "train_accuracy": train_acc,
                "test_accuracy": test_acc,
                "seconds": time.perf_counter() - started,
            }
        )
    return model.cpu().eval(), spec, log


def write_train_log(rows: list[dict], path: str | Path) -> None:
    write_tsv(rows, path, TRAIN_LOG_COLUMNS)


def save_checkpoint(model: nn.Module, path: str | Path) -> None:
    torch.save(model.state_dict(), path)

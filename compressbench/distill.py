"""Knowledge distillation: training a model on a teacher's softened outputs (Hinton et al., 2015).

The loss is alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * cross-entropy(labels), where
_T means softmax(logits / T). T^2 keeps the soft term's gradients on the scale of the hard
term's. alpha = 0 is plain training on labels, so the distilled student and its labels-only
comparison run the very same loop (Adam or SGD as the trained model's recipe, with the learning
rate decaying along a cosine to zero). The recovery fine-tunes of the compressed targets
(structured pruning, clustering, QAT) use the same loss with the trained model as teacher.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from .training import TrainSettings, make_optimizer, seed_everything


@dataclass(frozen=True)
class DistillLoss:
    temperature: float = 4.0
    alpha: float = 0.9  # weight of the soft-target term; 0 = labels only

    def __post_init__(self):
        if self.temperature <= 0:
            raise ValueError(f"compression.distill_temperature={self.temperature}: must be positive")
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"compression.distill_alpha={self.alpha}: must be in [0, 1]")

    def __call__(self, logits: torch.Tensor, teacher_logits: torch.Tensor | None, labels: torch.Tensor):
        hard = F.cross_entropy(logits, labels)
        if self.alpha == 0.0 or teacher_logits is None:
            return hard
        t = self.temperature
        soft = F.kl_div(
            F.log_softmax(logits / t, dim=1),
            F.log_softmax(teacher_logits / t, dim=1),
            reduction="batchmean",
            log_target=True,
        )
        return self.alpha * t * t * soft + (1.0 - self.alpha) * hard


@dataclass
class TeacherLogits:
    """The teacher's logits for every training image, and for its mirror image when training flips."""

    plain: torch.Tensor
    flipped: torch.Tensor | None = None


@torch.inference_mode()
def teacher_logits(teacher: nn.Module, images: torch.Tensor, flips: bool, batch_size: int = 1000) -> TeacherLogits:
    teacher.eval()

    def run(batch_images: torch.Tensor) -> torch.Tensor:
        return torch.cat([teacher(batch_images[i : i + batch_size]) for i in range(0, len(batch_images), batch_size)])

    return TeacherLogits(run(images), run(images.flip(3)) if flips else None)


@dataclass
class TrainingRun:
    """What stays fixed across the epochs of one training run."""

    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler  # stepped once per batch
    loss_fn: DistillLoss
    settings: TrainSettings
    generator: torch.Generator  # data order and flips


def distill_one_epoch(model, images, labels, teacher: TeacherLogits | None, run: TrainingRun, progress) -> tuple:
    model.train()
    batch_size, flips = run.settings.batch_size, run.settings.horizontal_flip
    order = torch.randperm(len(labels), generator=run.generator)
    total_loss, correct = 0.0, 0
    for start in range(0, len(labels), batch_size):
        index = order[start : start + batch_size]
        batch, batch_labels = images[index], labels[index]
        soft = teacher.plain[index] if teacher is not None else None
        if flips:
            flip = torch.rand(len(index), generator=run.generator) < 0.5
            batch = torch.where(flip[:, None, None, None], batch.flip(3), batch)
            if teacher is not None:
                soft = torch.where(flip[:, None], teacher.flipped[index], soft)
        run.optimizer.zero_grad()
        logits = model(batch)
        loss = run.loss_fn(logits, soft, batch_labels)
        loss.backward()
        run.optimizer.step()
        run.scheduler.step()
        total_loss += loss.item() * len(index)
        correct += int((logits.argmax(dim=1) == batch_labels).sum())
        progress.update(len(index))
    return total_loss / len(labels), correct / len(labels)


def distill(
    model: nn.Module,
    teacher: nn.Module | None,
    images: torch.Tensor,
    labels: torch.Tensor,
    settings: TrainSettings,
    loss_fn: DistillLoss,
    desc: str = "distill",
) -> list[dict]:
    """Train `model` in place on the teacher's soft targets and the labels; one log row per epoch."""
    torch.set_num_threads(settings.threads)
    generator = seed_everything(settings.seed)
    soft = None
    if teacher is not None and loss_fn.alpha > 0:
        soft = teacher_logits(teacher, images, settings.horizontal_flip)
    optimizer = make_optimizer(model, settings)
    # The learning rate decays to zero along a cosine over the whole run, so a short fine-tune
    # ends settled rather than wherever its last full-size step left it.
    steps = max(1, settings.epochs * -(-len(labels) // settings.batch_size))
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    run = TrainingRun(optimizer, scheduler, loss_fn, settings, generator)
    log = []
    for epoch in range(1, settings.epochs + 1):
        with tqdm(total=len(labels), desc=f"{desc} {epoch}/{settings.epochs}", unit="img", mininterval=2) as bar:
            loss, accuracy = distill_one_epoch(model, images, labels, soft, run, bar)
        log.append({"epoch": epoch, "train_loss": loss, "train_accuracy": accuracy})
    return log

"""Knowledge distillation: a width-multiplied LeNet-5 student trained from the trained model.

`build_distilled` trains the student on the teacher's soft targets plus labels
(compression.distill_temperature, distill_alpha); `build_labels_only` trains the very same
student (same initialization, data order, epochs) on labels alone, the comparison that shows
what distillation adds. Epochs and learning rate default to the trained model's recipe.
"""

from __future__ import annotations

from pathlib import Path

from .. import recipes
from ..distill import distill
from ..evaluation import BUILD_INFO
from ..macs import layer_facts, model_facts
from ..model import build_model, load_weights
from ..resize import save_resized
from ..structured import narrowed_student, widths
from ..tables import write_json
from .context import BuildContext


def train_student(ctx: BuildContext, out_dir: Path, alpha: float | None) -> None:
    """alpha=None: compression.distill_alpha; 0: labels only."""
    spec = ctx.spec
    width = recipes.setting(ctx, "distill_width")
    epochs = recipes.setting(ctx, "distill_epochs", int, when_null=int(spec.train["epochs"]))
    learning_rate = recipes.setting(ctx, "distill_learning_rate", when_null=float(spec.train["learning_rate"]))
    settings = recipes.recipe(ctx, epochs, learning_rate)
    loss = recipes.distill_loss(ctx, alpha)
    student = narrowed_student(build_model(spec), spec.input_shape, spec.num_classes, width, settings.seed)
    teacher = load_weights(spec, ctx.checkpoint) if loss.alpha > 0 else None
    images, labels = recipes.training_split(ctx)
    log = distill(student, teacher, images, labels, settings, loss, desc="student")
    student.eval()
    save_resized(student, out_dir)
    info = {
        **model_facts(student, spec.input_shape),
        "distill_width": width,
        "widths": widths(student),
        "layers": layer_facts(student, spec.input_shape),
        "distill_temperature": loss.temperature,
        "distill_alpha": loss.alpha,
        "student_epochs": epochs,
        "student_learning_rate": learning_rate,
        "student_train_accuracy": log[-1]["train_accuracy"] if log else None,
    }
    write_json(info, out_dir / BUILD_INFO)
    print({**info, "training": log})


def build_distilled(ctx: BuildContext, out_dir: Path) -> None:
    train_student(ctx, out_dir, alpha=None)


def build_labels_only(ctx: BuildContext, out_dir: Path) -> None:
    train_student(ctx, out_dir, alpha=0.0)

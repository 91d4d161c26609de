"""Knowledge distillation: a width-multiplied LeNet-5 student trained from the trained model.

`build_distilled` trains the student on the teacher's soft targets plus labels
(compression.distill_temperature, distill_alpha); `build_labels_only` trains the very same
student (same initialization, data order, epochs) on labels alone, the comparison that shows
what distillation adds. Epochs and learning rate default to the trained model's recipe.
"""

from __future__ import annotations

from pathlib import Path

from ..artifacts import write_build_info
from .context import BuildContext
from .target_spec import NARROWER_PARITY, TargetSpec

TARGETS = (
    TargetSpec(
        "pytorch_distill",
        "pytorch",
        "compressbench.targets.pytorch_distill:build_distilled",
        "PyTorch distilled student",
        method="distillation",
        weights="fp32",
        precision="f32",
        reference="pytorch",
        control="pytorch_student_labels",
        needs_data=True,
        parity_threshold=NARROWER_PARITY,
        recipe="compression.recipe_distillation",
    ),
    TargetSpec(
        "pytorch_student_labels",
        "pytorch",
        "compressbench.targets.pytorch_distill:build_labels_only",
        "PyTorch student (labels only)",
        method="student_from_labels",
        weights="fp32",
        precision="f32",
        reference="pytorch",
        needs_data=True,
        parity_threshold=NARROWER_PARITY,
        recipe="compression.recipe_student",
    ),
    TargetSpec(
        "onnxruntime_distill",
        "onnxruntime",
        "compressbench.targets.derived:export_source_onnx",
        "ONNX Runtime distilled student",
        method="distillation",
        weights="fp32",
        precision="f32",
        reference="onnxruntime",
        built_from="pytorch_distill",
        parity_threshold=NARROWER_PARITY,
        recipe="compression.recipe_distillation",
    ),
    TargetSpec(
        "openvino_distill_int8",
        "openvino",
        "compressbench.targets.openvino_int8:build",
        "OpenVINO distilled student INT8",
        method="ptq_int8",
        weights="int8",
        precision="int8",
        reference="openvino",
        built_from="onnxruntime_distill",
        needs_data=True,
        parity_threshold=NARROWER_PARITY,
        runtime_options={"inference_precision": "f32"},
        recipe="compression.recipe_distillation",
    ),
)


def train_student(ctx: BuildContext, out_dir: Path, alpha: float | None) -> None:
    """alpha=None: compression.distill_alpha; 0: labels only."""
    from .. import recipes
    from ..distill import distill
    from ..macs import layer_facts, model_facts
    from ..model import build_model, load_weights
    from ..resize import save_resized
    from ..structured import narrowed_student, widths

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
    write_build_info(info, out_dir)
    print({**info, "training": log})


def build_distilled(ctx: BuildContext, out_dir: Path) -> None:
    train_student(ctx, out_dir, alpha=None)


def build_labels_only(ctx: BuildContext, out_dir: Path) -> None:
    train_student(ctx, out_dir, alpha=0.0)

"""Structured pruning (compressbench.structured): a narrower dense LeNet-5, fine-tuned by distillation.

A share of every layer's channels is removed (compression.structured_ratio, or a layer's own
share in compression.structured_layer_ratios), then the pruned
network is fine-tuned on the trained model's soft targets (compressbench.distill) to recover
accuracy. It is saved as a state dict + architecture.json (compressbench.resize); the ONNX and
OpenVINO variants build on this folder (TargetSpec.base), so all runtimes run the same network.
"""

from __future__ import annotations

from pathlib import Path

from .. import recipes
from ..evaluation import BUILD_INFO
from ..macs import layer_facts, model_facts
from ..model import load_weights
from ..resize import save_resized
from ..structured import layer_plan, prune_channels, widths
from ..tables import write_json
from .context import BuildContext


def build(ctx: BuildContext, out_dir: Path) -> None:
    ratio = recipes.setting(ctx, "structured_ratio")
    layer_ratios = recipes.setting(ctx, "structured_layer_ratios", dict)
    epochs = recipes.setting(ctx, "structured_finetune_epochs", int)
    learning_rate = recipes.setting(ctx, "structured_learning_rate")
    model = load_weights(ctx.spec, ctx.checkpoint)
    before = model_facts(model, ctx.spec.input_shape)
    widths_before = widths(model)
    plan = layer_plan(model, ctx.spec.num_classes, ratio, layer_ratios)
    prune_channels(model, ctx.spec.input_shape, ctx.spec.num_classes, ratio, layer_ratios)
    log = recipes.finetune_from_teacher(ctx, model, epochs, learning_rate, desc="fine-tune")
    model.eval()
    save_resized(model, out_dir)
    info = {
        **model_facts(model, ctx.spec.input_shape),
        "params_before": before["params"],
        "macs_before": before["macs"],
        "structured_ratio": ratio,
        "structured_layer_ratios": plan,
        "widths": widths(model),
        "layers": layer_facts(model, ctx.spec.input_shape),
        "widths_before": widths_before,
        "finetune_epochs": epochs,
        "finetune_learning_rate": learning_rate,
        "finetune_train_accuracy": log[-1]["train_accuracy"] if log else None,
    }
    write_json(info, out_dir / BUILD_INFO)
    print({**info, "finetune": log})

"""Structured pruning (compressbench.structured): a narrower dense LeNet-5, fine-tuned by distillation.

A share of every layer's channels is removed (compression.structured_ratio, or a layer's own
share in compression.structured_layer_ratios), then the pruned
network is fine-tuned on the trained model's soft targets (compressbench.distill) to recover
accuracy. It is saved as a state dict + architecture.json (compressbench.resize); the ONNX and
OpenVINO variants build on this folder (TargetSpec.built_from), so all runtimes run the same network.
"""

from __future__ import annotations

from pathlib import Path

from ..artifacts import write_build_info
from .context import BuildContext
from .target_spec import NARROWER_PARITY, TargetSpec

TARGETS = (
    TargetSpec(
        "pytorch_struct",
        "pytorch",
        "compressbench.targets.pytorch_struct:build",
        "PyTorch struct-pruned",
        method="structured_pruning",
        weights="fp32",
        precision="f32",
        reference="pytorch",
        needs_data=True,
        parity_threshold=NARROWER_PARITY,
        recipe="compression.recipe_structured",
    ),
    TargetSpec(
        "onnxruntime_struct",
        "onnxruntime",
        "compressbench.targets.derived:export_source_onnx",
        "ONNX Runtime struct-pruned",
        method="structured_pruning",
        weights="fp32",
        precision="f32",
        reference="onnxruntime",
        built_from="pytorch_struct",
        parity_threshold=NARROWER_PARITY,
        recipe="compression.recipe_structured",
    ),
    TargetSpec(
        "openvino_struct",
        "openvino",
        "compressbench.targets.openvino_ir:build_fp16_weights",
        "OpenVINO struct-pruned",
        method="structured_pruning",
        weights="fp16",
        precision="f32",
        reference="openvino",
        built_from="onnxruntime_struct",
        parity_threshold=NARROWER_PARITY,
        recipe="compression.recipe_structured",
    ),
    TargetSpec(
        "torchscript_struct",
        "torchscript",
        "compressbench.targets.torchscript:build",
        "TorchScript struct-pruned",
        method="structured_pruning",
        weights="fp32",
        precision="f32",
        reference="torchscript",
        built_from="pytorch_struct",
        parity_threshold=NARROWER_PARITY,
        recipe="compression.recipe_structured",
    ),
    TargetSpec(
        "openvino_struct_int8",
        "openvino",
        "compressbench.targets.openvino_int8:build",
        "OpenVINO struct-pruned INT8",
        method="ptq_int8",
        weights="int8",
        precision="int8",
        reference="openvino",
        built_from="onnxruntime_struct",
        needs_data=True,
        parity_threshold=NARROWER_PARITY,
        runtime_options={"inference_precision": "f32"},
        recipe="compression.recipe_structured",
    ),
)


def build(ctx: BuildContext, out_dir: Path) -> None:
    from .. import recipes
    from ..macs import layer_facts, model_facts
    from ..model import load_weights
    from ..resize import save_resized
    from ..structured import prune_channels, widths

    ratio = recipes.setting(ctx, "structured_ratio")
    layer_ratios = recipes.setting(ctx, "structured_layer_ratios", dict)
    epochs = recipes.setting(ctx, "structured_finetune_epochs", int)
    learning_rate = recipes.setting(ctx, "structured_learning_rate")
    model = load_weights(ctx.spec, ctx.checkpoint)
    before = model_facts(model, ctx.spec.input_shape)
    widths_before = widths(model)
    cuts = prune_channels(model, ctx.spec.input_shape, ctx.spec.num_classes, ratio, layer_ratios)
    log = recipes.finetune_from_teacher(ctx, model, epochs, learning_rate, desc="fine-tune")
    model.eval()
    save_resized(model, out_dir)
    info = {
        **model_facts(model, ctx.spec.input_shape),
        "params_before": before["params"],
        "macs_before": before["macs"],
        "structured_ratio": ratio,
        "structured_layer_ratios": {name: cut["requested"] for name, cut in cuts.items()},  # the plan
        # per layer: requested and achieved share of channels removed, widths before and after
        "structured_layers": cuts,
        "widths": widths(model),
        "layers": layer_facts(model, ctx.spec.input_shape),
        "widths_before": widths_before,
        "finetune_epochs": epochs,
        "finetune_learning_rate": learning_rate,
        "finetune_train_accuracy": log[-1]["train_accuracy"] if log else None,
    }
    write_build_info(info, out_dir)
    print({**info, "finetune": log})

"""OpenVINO INT8 by quantization-aware training: NNCF `quantize` on the PyTorch model, a short fine-tune.

NNCF inserts fake-quantize operations into the PyTorch model with the same preset, range
estimator and calibration images as the post-training target (openvino_int8); the fine-tune
then trains weights and quantization ranges through them (distillation loss from the FP32
model, compression.qat_epochs at qat_learning_rate, the small rate NNCF's guide advises).
`ov.convert_model` turns the fake-quantize operations into an IR with int8 weights.

NNCF runs fake quantization in a C++ extension it compiles on first use (cached under
~/.cache/torch_extensions; it falls back to slower torch operations without a compiler). The
compile can take minutes on a small machine, so the load timeout is lifted here.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..artifacts import write_build_info
from .context import BuildContext
from .openvino_int8 import _check, ptq_parameters
from .target_spec import RETRAINED_PARITY, TargetSpec

TARGETS = (
    TargetSpec(
        "openvino_qat",
        "openvino",
        "compressbench.targets.openvino_qat:build",
        "OpenVINO QAT INT8",
        method="qat_int8",
        weights="int8",
        precision="int8",
        reference="openvino",
        control="openvino_int8",
        needs_data=True,
        parity_threshold=RETRAINED_PARITY,
        runtime_options={"inference_precision": "f32"},
        recipe="compression.recipe_qat",
    ),
)


def quantize(model, images, nncf):
    import torch

    preset, advanced = ptq_parameters()
    dataset = nncf.Dataset([torch.from_numpy(images[i : i + 1]) for i in range(len(images))])
    return nncf.quantize(model, dataset, preset=preset, subset_size=len(images), advanced_parameters=advanced)


def build(ctx: BuildContext, out_dir: Path) -> None:
    os.environ.setdefault("NNCF_EXTENSION_LOAD_TIMEOUT", "0")  # see the module docstring
    import nncf
    import openvino as ov
    import torch

    from .. import calibration, recipes
    from ..model import load_weights

    epochs = recipes.setting(ctx, "qat_epochs", int)
    learning_rate = recipes.setting(ctx, "qat_learning_rate")
    images = calibration.from_settings(ctx.dataset_path, ctx.spec, ctx.settings)
    model = quantize(load_weights(ctx.spec, ctx.checkpoint), images, nncf)
    log = recipes.finetune_from_teacher(ctx, model, epochs, learning_rate, desc="QAT")
    model.eval()
    example = torch.from_numpy(images[:1])
    converted = ov.convert_model(model, example_input=example, input=[(-1, *ctx.spec.input_shape)])
    ov.save_model(converted, str(out_dir / "model.xml"), compress_to_fp16=True)
    _check(out_dir, images[:1])
    info = {
        "quantizer": "nncf.quantize on the PyTorch model, then fine-tuning through the fake-quantize operations",
        "preset": "performance",
        "activation_ranges": "min_max",
        "calibration_images": len(images),
        "qat_epochs": epochs,
        "qat_learning_rate": learning_rate,
        "qat_train_accuracy": log[-1]["train_accuracy"] if log else None,
    }
    write_build_info(info, out_dir)
    print({**info, "finetune": log})

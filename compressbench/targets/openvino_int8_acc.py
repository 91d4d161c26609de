"""OpenVINO INT8 with accuracy control: NNCF's `quantize_with_accuracy_control`.

The same conversion, calibration images, preset and range estimator as plain post-training
quantization (openvino_int8, its control); then NNCF measures the quantized model's accuracy
against the FP32 model's and returns layers to floating point, those costing most accuracy
first, until the drop is at most compression.accuracy_control_max_drop_pp (absolute).

It validates on the validation split (dataset.validation_size), which no training step saw and no
final figure uses; without one, on the calibration images themselves (NNCF's simplest case:
"both datasets can refer to the same data"). Never on the test images: the test accuracy of this
target is then a fair measurement, not the number the algorithm tuned for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..artifacts import write_build_info
from .context import BuildContext
from .openvino_int8 import _check, calibration_dataset, ptq_parameters
from .target_spec import LOSSY_PARITY, TargetSpec

TARGETS = (
    TargetSpec(
        "openvino_int8_acc",
        "openvino",
        "compressbench.targets.openvino_int8_acc:build",
        "OpenVINO INT8 (accuracy control)",
        method="ptq_int8_accuracy_control",
        recipe="compression.recipe_nncf_int8_accuracy_control",
        weights="int8",
        precision="int8",
        reference="openvino",
        control="openvino_int8",  # the same quantization without accuracy control
        needs_onnx=True,
        needs_data=True,
        parity_threshold=LOSSY_PARITY,
        runtime_options={"inference_precision": "f32"},
    ),
)


def top1(compiled_model, items) -> tuple[float, list[float]]:
    """NNCF's validation function: top-1 accuracy over (image, label) items and each item's 1 or 0
    (NNCF's "metric mode", in which it ranks layers by the items they change)."""
    output = compiled_model.outputs[0]
    correct = [float(int(np.argmax(compiled_model(image)[output], axis=1)[0]) == int(label)) for image, label in items]
    return (float(np.mean(correct)) if correct else 0.0), correct


def validation_items(ctx: BuildContext, calibration: tuple[np.ndarray, np.ndarray]) -> tuple[list, str]:
    """(image batch of one, label) items to validate on, and which images they are."""
    from ..data import load_dataset
    from ..preprocess import normalize

    dataset = load_dataset(ctx.dataset_path)
    if len(dataset.validation_labels):
        images, labels = normalize(dataset.validation_images, ctx.spec.mean, ctx.spec.std), dataset.validation_labels
        source = "validation split"
    else:
        (images, labels), source = calibration, "calibration images (no validation split)"
    return [(images[i : i + 1], int(labels[i])) for i in range(len(labels))], source


def fake_quantize_count(model) -> int:
    return sum(op.get_type_name() == "FakeQuantize" for op in model.get_ops())


def build(ctx: BuildContext, out_dir: Path) -> None:
    import nncf
    import openvino as ov

    from .. import calibration, recipes

    max_drop_pp = recipes.setting(ctx, "accuracy_control_max_drop_pp")
    images, labels = calibration.labelled_from_settings(ctx.dataset_path, ctx.spec, ctx.settings)
    items, source = validation_items(ctx, (images, labels))
    model = ov.convert_model(str(ctx.onnx_source()))
    preset, advanced = ptq_parameters()
    quantized = nncf.quantize_with_accuracy_control(
        model,
        calibration_dataset(images),
        nncf.Dataset(items, lambda item: item[0]),
        top1,
        max_drop=max_drop_pp / 100.0,
        drop_type=nncf.DropType.ABSOLUTE,
        preset=preset,
        subset_size=len(images),
        advanced_quantization_parameters=advanced,
    )
    ov.save_model(quantized, str(out_dir / "model.xml"), compress_to_fp16=True)
    _check(out_dir, images[:1])
    plain = nncf.quantize(
        model, calibration_dataset(images), preset=preset, subset_size=len(images), advanced_parameters=advanced
    )
    info = {
        "accuracy_control_max_drop_pp": max_drop_pp,
        "accuracy_control_data": source,
        "accuracy_control_images": len(items),
        # Quantizers left after accuracy control, against plain PTQ's: the difference went back to floating point.
        "fake_quantize_nodes": fake_quantize_count(quantized),
        "fake_quantize_nodes_plain_ptq": fake_quantize_count(plain),
    }
    write_build_info(info, out_dir)
    print(info)

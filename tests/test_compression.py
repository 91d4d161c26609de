"""Compressed targets on scikit-learn digits: each builds, opens in its runtime, predicts, and shrinks."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import make_settings

from compressbench import calibration
from compressbench.config import default_config
from compressbench.data import load_digits_source, save_dataset
from compressbench.evaluation import EvalSettings, evaluate
from compressbench.model import load_weights
from compressbench.onnx_export import export_onnx
from compressbench.preprocess import normalize
from compressbench.targets import get_target, runtime_options
from compressbench.targets.context import BuildContext, build_target
from compressbench.training import TrainSettings, save_checkpoint, train

SETTINGS = {
    **default_config()["export"],
    **default_config()["compression"],
    "onnx_opset": 17,
    "calibration_size": 60,
    "seed": 0,
    "pruning_sparsity": 0.3,
    "finetune_epochs": 1,
    "finetune_learning_rate": 1e-4,
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """LeNet-5 (32x32, ~62k parameters like on CIFAR-10) trained briefly on digits."""
    root = tmp_path_factory.mktemp("compression")
    dataset = load_digits_source(image_size=32)
    save_dataset(dataset, root / "dataset.npz")
    model, spec, _ = train(dataset, make_settings(TrainSettings, "train", epochs=2, horizontal_flip=False, threads=2))
    save_checkpoint(model, root / "weights.pt")
    export_onnx(model, spec.input_shape, root / "model.onnx", opset=17)
    ctx = BuildContext(spec, root / "weights.pt", dict(SETTINGS), 2, root / "model.onnx", root / "dataset.npz")
    build_target(get_target("pytorch"), ctx, root / "pytorch")
    return {"root": root, "dataset": dataset, "spec": spec, "ctx": ctx, "model": model}


def built(trained, name: str, **settings) -> Path:
    ctx = trained["ctx"]
    if settings:
        ctx = dataclasses.replace(ctx, settings={**ctx.settings, **settings})
    out_dir = trained["root"] / name
    build_target(get_target(name), ctx, out_dir)
    return out_dir


def evaluated(trained, name: str, model_dir: Path) -> dict:
    target = get_target(name)
    settings = make_settings(EvalSettings, "evaluate", batch_size=128, threads=2)
    return evaluate(target, model_dir, trained["spec"], trained["dataset"], settings, runtime_options(target, "f32"))


def reference_predictions(trained) -> np.ndarray:
    spec, dataset = trained["spec"], trained["dataset"]
    with torch.inference_mode():
        logits = trained["model"](torch.from_numpy(normalize(dataset.test_images, spec.mean, spec.std)))
    return logits.argmax(dim=1).numpy()


# --- calibration images ------------------------------------------------------------------


def test_calibration_selection_is_deterministic_and_stratified():
    labels = np.repeat(np.arange(10), 50)
    first = calibration.calibration_indices(labels, 100, seed=0)
    assert np.array_equal(first, calibration.calibration_indices(labels, 100, seed=0))
    assert not np.array_equal(first, calibration.calibration_indices(labels, 100, seed=1))
    assert len(np.unique(first)) == 100
    assert np.bincount(labels[first], minlength=10).tolist() == [10] * 10


def test_calibration_small_and_large_sizes():
    labels = np.repeat(np.arange(10), 5)
    few = calibration.calibration_indices(labels, 4, seed=0)  # fewer than classes: seeded random
    assert len(few) == 4 and np.array_equal(few, calibration.calibration_indices(labels, 4, seed=0))
    assert np.array_equal(calibration.calibration_indices(labels, 500, seed=0), np.arange(50))
    with pytest.raises(ValueError):
        calibration.calibration_indices(labels, 0, seed=0)


def test_calibration_images_are_preprocessed_training_images(trained):
    ctx = trained["ctx"]
    images = calibration.from_settings(ctx.dataset_path, ctx.spec, ctx.settings)
    assert images.dtype == np.float32 and images.shape == (60, *ctx.spec.input_shape)
    chosen = calibration.calibration_indices(trained["dataset"].train_labels, 60, 0)
    expected = normalize(trained["dataset"].train_images[chosen], ctx.spec.mean, ctx.spec.std)
    assert np.array_equal(images, expected)


# --- INT8 targets ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["openvino_int8", "onnxruntime_int8", "pytorch_int8"])
def test_int8_target_builds_opens_predicts_and_shrinks(trained, name):
    model_dir = built(trained, name)
    result = evaluated(trained, name, model_dir)
    metrics = result["metrics"]
    assert result["logits"].shape == (len(trained["dataset"].test_labels), trained["spec"].num_classes)
    assert np.isfinite(result["logits"]).all()
    agreement = float(np.mean(result["predictions"] == reference_predictions(trained)))
    assert agreement >= 0.9, f"{name}: agrees with FP32 on only {agreement:.1%}"
    onnx_size = trained["ctx"].onnx_path.stat().st_size
    assert metrics["size_bytes"] < 0.45 * onnx_size, f"{name}: {metrics['size_bytes']} B vs FP32 ONNX {onnx_size} B"
    assert 0 < metrics["size_gzip_bytes"] <= metrics["size_bytes"] * 1.01


def test_onnxruntime_int8_keeps_no_float_weights(trained):
    import onnx

    model = onnx.load(str(built(trained, "onnxruntime_int8") / "model.onnx"))
    float_elements = sum(
        int(np.prod(init.dims)) for init in model.graph.initializer if init.data_type == onnx.TensorProto.FLOAT
    )
    assert float_elements < 1000  # scales only; the 62k weights are int8


def test_pytorch_int8_loads_without_pickled_code(trained):
    state = torch.load(built(trained, "pytorch_int8") / "model.pt", weights_only=True)
    assert any(value.is_quantized for value in state.values() if isinstance(value, torch.Tensor))


# --- pruning ---------------------------------------------------------------------------


def test_pruning_reaches_the_configured_sparsity_exactly(trained):
    model_dir = built(trained, "pytorch_pruned")
    model = load_weights(trained["spec"], model_dir / "model.pt")  # a plain state dict: no masks left
    weights = [m.weight for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    total = sum(w.numel() for w in weights)
    zeros = sum(int((w == 0).sum()) for w in weights)
    assert zeros == round(0.3 * total)
    info = json.loads((model_dir / "build_info.json").read_text())
    assert info["pruned_weights"] == zeros and info["sparsity"] == pytest.approx(0.3, abs=1e-4)


def test_pruned_target_reports_sparsity_and_compresses_better(trained):
    model_dir = built(trained, "pytorch_pruned", pruning_sparsity=0.6, finetune_epochs=0)
    pruned = evaluated(trained, "pytorch_pruned", model_dir)["metrics"]
    dense = evaluated(trained, "pytorch", trained["root"] / "pytorch")["metrics"]
    assert pruned["sparsity"] == pytest.approx(0.6, abs=1e-4)
    assert pruned["nonzero_params"] < 0.45 * dense["params"]
    assert pruned["size_gzip_bytes"] < 0.8 * dense["size_gzip_bytes"]
    assert "sparsity" not in dense


def test_onnxruntime_int8_records_pre_processing_and_the_graphs_ort_runs(trained):
    model_dir = built(trained, "onnxruntime_int8")
    info = json.loads((model_dir / "build_info.json").read_text())
    pre = info["quant_pre_process"]
    assert pre["after"]["value_info"] >= pre["before"]["value_info"]  # shape inference only adds shapes
    assert pre["changed"] == (pre["before"] != pre["after"])
    assert info["quantized_ops"]["QuantizeLinear"] >= 1 and info["quantized_ops"]["DequantizeLinear"] >= 1
    assert "QuantizeLinear" not in info["ort_optimized_ops_fp32"]
    assert info["ort_optimized_ops"] != info["quantized_ops"]  # ONNX Runtime fuses the QDQ pairs
    metrics = evaluated(trained, "onnxruntime_int8", model_dir)["metrics"]
    assert metrics["quant_pre_process"] == pre  # the evaluation carries it into metrics.json
    assert metrics["accuracy_ci_low"] <= metrics["accuracy"] <= metrics["accuracy_ci_high"]


# --- reduced precision --------------------------------------------------------------------


def test_pytorch_bf16_runs_in_bf16_and_agrees_with_fp32(trained):
    model_dir = built(trained, "pytorch_bf16")
    metrics = evaluated(trained, "pytorch_bf16", model_dir)["metrics"]
    assert metrics["runtime_precision"] == "bf16" and "runtime_bf16_native" in metrics
    assert metrics["build_info"]["executes_in"] == "bfloat16" and metrics["build_info"]["bf16_instructions"]
    predictions = evaluated(trained, "pytorch_bf16", model_dir)["predictions"]
    agreement = float(np.mean(predictions == reference_predictions(trained)))
    assert agreement >= get_target("pytorch_bf16").parity_threshold

"""Compression methods of issue 10 on scikit-learn digits: structured pruning, distillation,
clustering, QAT, TorchScript and chains. Each builds, runs in its runtimes, and is measured."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import make_settings
from torch import nn

from compressbench import clustering, resize, structured
from compressbench.config import default_config
from compressbench.data import load_digits_source, save_dataset
from compressbench.distill import DistillLoss
from compressbench.evaluation import EvalSettings, evaluate
from compressbench.macs import count_macs, model_facts
from compressbench.model import LeNet5, ModelSpec
from compressbench.onnx_export import export_onnx
from compressbench.targets import TARGETS, chain, get_target, runtime_options
from compressbench.targets.context import BuildContext, build_target
from compressbench.training import TrainSettings, save_checkpoint, train

SETTINGS = {
    **default_config()["export"],
    **default_config()["compression"],
    "calibration_size": 60,
    "seed": 0,
    "structured_ratio": 0.5,
    "structured_finetune_epochs": 4,
    "distill_epochs": 8,
    "clusters": 16,
    "cluster_finetune_epochs": 1,
    "qat_epochs": 1,
}
SHAPE = (3, 32, 32)


def digits_spec() -> ModelSpec:
    return ModelSpec(3, 32, 10, [str(i) for i in range(10)], [0.0] * 3, [1.0] * 3)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """LeNet-5 (32x32, ~62k parameters like on CIFAR-10) trained briefly on digits."""
    root = tmp_path_factory.mktemp("methods")
    dataset = load_digits_source(image_size=32)
    save_dataset(dataset, root / "dataset.npz")
    model, spec, _ = train(dataset, make_settings(TrainSettings, "train", epochs=3, horizontal_flip=False, threads=2))
    save_checkpoint(model, root / "weights.pt")
    export_onnx(model, spec.input_shape, root / "model.onnx", opset=17)
    ctx = BuildContext(
        spec, root / "weights.pt", dict(SETTINGS), 2, onnx_path=root / "model.onnx", dataset_path=root / "dataset.npz"
    )
    return {"root": root, "dataset": dataset, "spec": spec, "ctx": ctx}


def built(trained, name: str) -> Path:
    """Build a target and, first, the targets it builds on (as the workflow's inputs do)."""
    out_dir = trained["root"] / "models" / name
    if out_dir.is_dir():
        return out_dir
    target = get_target(name)
    source_dir = built(trained, target.built_from) if target.built_from else None
    ctx = trained["ctx"]
    ctx = dataclasses.replace(ctx, source_dir=source_dir)
    build_target(target, ctx, out_dir)
    return out_dir


def evaluated(trained, name: str) -> dict:
    target = get_target(name)
    settings = make_settings(EvalSettings, "evaluate", batch_size=128, threads=2)
    options = runtime_options(target, "f32")
    return evaluate(target, built(trained, name), trained["spec"], trained["dataset"], settings, options)


def constant_types(model_dir: Path) -> set[str]:
    """Element types of an OpenVINO IR's constants: int8 weights show as i8."""
    import openvino as ov

    model = ov.Core().read_model(model_dir / "model.xml")
    return {op.get_element_type().get_type_name() for op in model.get_ops() if op.get_type_name() == "Constant"}


# --- counting, saving, packing -------------------------------------------------------------


def test_macs_of_lenet5_and_of_a_linear_layer():
    # conv1 28*28*6*75 + conv2 10*10*16*150 + fc 400*120 + 120*84 + 84*10
    assert count_macs(LeNet5(), SHAPE) == 352800 + 240000 + 48000 + 10080 + 840
    assert count_macs(nn.Sequential(nn.Flatten(), nn.Linear(12, 5)), (3, 2, 2)) == 60


def test_structured_pruning_halves_every_layer_but_the_classifier():
    model = LeNet5()
    structured.prune_channels(model, SHAPE, 10, 0.5)
    assert structured.widths(model) == [3, 8, 60, 42, 10]
    facts, base = model_facts(model, SHAPE), model_facts(LeNet5(), SHAPE)
    assert facts["params"] <= 0.55 * base["params"] and facts["macs"] <= 0.55 * base["macs"]
    with pytest.raises(ValueError, match="structured_ratio"):
        structured.prune_channels(LeNet5(), SHAPE, 10, 1.0)


def test_structured_pruning_follows_a_per_layer_plan():
    # Cut where LeNet-5's cost is: conv1 (54 % of MACs) and the first linear layer (78 % of
    # parameters); conv2 stays whole.
    plan = {"features.3": 0.0, "classifier.1": 0.47, "classifier.3": 0.4}
    model = LeNet5()
    cuts = structured.prune_channels(model, SHAPE, 10, 0.5, plan)
    assert structured.widths(model) == [3, 16, 63, 50, 10]
    # shares round to whole channels: 0.47 of 120 removes 57 (0.475), 0.4 of 84 removes 34
    assert cuts["classifier.1"] == {"requested": 0.47, "achieved": 0.475, "width_before": 120, "width_after": 63}
    assert cuts["features.3"]["achieved"] == 0.0 and cuts["classifier.3"]["width_after"] == 50
    assert structured.layer_plan(LeNet5(), 10, 0.5, plan) == {"features.0": 0.5, **plan}
    with pytest.raises(ValueError, match=r"structured_layer_ratios names \['features.9'\].*prunable: \['classifier.1'"):
        structured.prune_channels(LeNet5(), SHAPE, 10, 0.5, {"features.9": 0.5})
    with pytest.raises(ValueError, match="structured_layer_ratios.classifier.1=1.0"):
        structured.layer_plan(LeNet5(), 10, 0.5, {"classifier.1": 1.0})


def test_resized_model_round_trip_and_mismatch(tmp_path):
    model = LeNet5()
    structured.prune_channels(model, SHAPE, 10, 0.5)
    model.eval()
    resize.save_resized(model, tmp_path)
    loaded = resize.load_model(digits_spec(), tmp_path)
    images = torch.randn(5, *SHAPE)
    with torch.inference_mode():
        assert torch.equal(loaded(images), model(images))
    widths = json.loads((tmp_path / resize.ARCHITECTURE).read_text())
    widths["features.0"]["out_channels"] = 4
    widths["missing.layer"] = {"out_features": 1}
    (tmp_path / resize.ARCHITECTURE).write_text(json.dumps(widths))
    with pytest.raises(ValueError, match="missing.layer"):
        resize.load_model(digits_spec(), tmp_path)


@pytest.mark.parametrize("bits", [1, 3, 4, 5, 8])
def test_bit_packing_round_trip(bits):
    indices = np.random.default_rng(bits).integers(0, 2**bits, size=1001)
    packed = clustering.pack_bits(indices, bits)
    assert len(packed) == -(-1001 * bits // 8)
    assert np.array_equal(clustering.unpack_bits(packed, bits, 1001), indices)


def test_clustered_weights_keep_shared_values_while_training(tmp_path):
    model = clustering.cluster_model(LeNet5(), 8, seed=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model(torch.randn(4, *SHAPE)).sum().backward()
    optimizer.step()
    books = clustering.codebooks(model)
    model = clustering.bake(model)
    for name, parameter in model.named_parameters():
        if name.endswith("weight"):
            assert len(torch.unique(parameter)) <= 8
            assert np.array_equal(np.sort(np.unique(parameter.detach().numpy())), np.sort(books[name][0]))
    clustering.save_packed(model.state_dict(), books, tmp_path / "packed.npz")
    unpacked = clustering.load_packed(tmp_path / "packed.npz")
    assert all(torch.equal(unpacked[key], value) for key, value in model.state_dict().items())


def test_distillation_loss_reduces_to_cross_entropy():
    logits, labels = torch.randn(6, 10), torch.arange(6)
    hard = nn.functional.cross_entropy(logits, labels)
    assert torch.isclose(DistillLoss(alpha=0.0)(logits, torch.randn(6, 10), labels), hard)
    # a student equal to its teacher has nothing left to learn from the soft targets
    assert torch.isclose(DistillLoss(alpha=0.75)(logits, logits.clone(), labels), 0.25 * hard)
    with pytest.raises(ValueError, match="distill_alpha"):
        DistillLoss(alpha=1.5)


def test_chains_name_known_targets():
    for name, target in TARGETS.items():
        assert target.built_from is None or target.built_from in TARGETS, name
    assert chain("openvino_struct_int8") == ["openvino_struct_int8", "onnxruntime_struct", "pytorch_struct"]


# --- targets on digits --------------------------------------------------------------------


def test_structured_targets_are_smaller_and_agree_across_runtimes(trained):
    reference = evaluated(trained, "pytorch")
    results = {name: evaluated(trained, name) for name in ["pytorch_struct", "onnxruntime_struct", "openvino_struct"]}
    struct = results["pytorch_struct"]["metrics"]
    assert struct["params"] <= 0.55 * reference["metrics"]["params"]
    assert struct["macs"] <= 0.55 * reference["metrics"]["macs"]
    assert struct["widths"] == [3, 8, 60, 42, 10] and struct["params_before"] == reference["metrics"]["params"]
    # the plan and what it achieved, per layer (issue 23)
    assert struct["structured_layers"]["features.0"] == {
        "requested": 0.5,
        "achieved": 0.5,
        "width_before": 6,
        "width_after": 3,
    }
    # per layer, for the diagnosis's time-against-MACs comparison: the narrowed network's own layers
    assert sum(layer["macs"] for layer in struct["layers"]) == struct["macs"]
    assert [layer["output_shape"][0] for layer in struct["layers"] if layer["macs"]] == struct["widths"]
    assert struct["accuracy"] >= reference["metrics"]["accuracy"] - 0.05
    for name in ["onnxruntime_struct", "openvino_struct"]:
        metrics = results[name]["metrics"]
        assert (metrics["params"], metrics["macs"], metrics["built_from"], metrics["layers"]) == (
            struct["params"],
            struct["macs"],
            chain(name)[1],
            struct["layers"],
        )
        agreement = np.mean(results[name]["predictions"] == results["pytorch_struct"]["predictions"])
        assert agreement >= 0.99, name
    onnx_size = trained["ctx"].onnx_path.stat().st_size
    assert results["onnxruntime_struct"]["metrics"]["size_bytes"] < 0.35 * onnx_size


def test_int8_chain_builds_on_the_pruned_model(trained):
    metrics = evaluated(trained, "openvino_struct_int8")["metrics"]
    struct = evaluated(trained, "pytorch_struct")["metrics"]
    assert metrics["built_from"] == "onnxruntime_struct" and metrics["params"] == struct["params"]
    assert "i8" in constant_types(built(trained, "openvino_struct_int8"))
    assert metrics["accuracy"] >= struct["accuracy"] - 0.03


def test_distilled_and_labels_only_students(trained):
    distilled = evaluated(trained, "pytorch_distill")["metrics"]
    labels_only = evaluated(trained, "pytorch_student_labels")["metrics"]
    assert distilled["params"] == labels_only["params"] < 0.3 * 62006
    assert (distilled["distill_alpha"], labels_only["distill_alpha"]) == (SETTINGS.get("distill_alpha", 0.9), 0.0)
    for metrics in (distilled, labels_only):
        assert metrics["accuracy"] > 0.5  # trained, not chance (0.1)


def test_clustered_target_packs_small_and_stays_accurate(trained):
    reference = evaluated(trained, "pytorch")["metrics"]
    result = evaluated(trained, "pytorch_cluster")
    metrics = result["metrics"]
    assert metrics["size_packed_bytes"] <= 0.20 * trained["ctx"].onnx_path.stat().st_size
    assert metrics["accuracy"] >= reference["accuracy"] - 0.02
    state = torch.load(built(trained, "pytorch_cluster") / "model.pt", weights_only=True)
    assert all(len(torch.unique(v)) <= 16 for k, v in state.items() if k.endswith("weight"))
    onnx = evaluated(trained, "onnxruntime_cluster")
    assert np.mean(onnx["predictions"] == result["predictions"]) >= 0.99
    assert "size_packed_bytes" not in onnx["metrics"]  # a fact of the packed file, not of the ONNX one


def test_structured_then_clustered_then_int8_chain(trained):
    struct = evaluated(trained, "pytorch_struct")["metrics"]
    clustered = evaluated(trained, "pytorch_struct_cluster")["metrics"]
    assert (clustered["params"], clustered["widths"], clustered["built_from"]) == (
        struct["params"],
        [3, 8, 60, 42, 10],
        "pytorch_struct",
    )
    assert clustered["size_packed_bytes"] < evaluated(trained, "pytorch_cluster")["metrics"]["size_packed_bytes"]
    state = torch.load(built(trained, "pytorch_struct_cluster") / "model.pt", weights_only=True)
    assert all(len(torch.unique(v)) <= 16 for k, v in state.items() if k.endswith("weight"))
    int8 = evaluated(trained, "openvino_struct_cluster_int8")["metrics"]
    assert int8["built_from"] == "onnxruntime_struct_cluster" and int8["params"] == struct["params"]
    assert "i8" in constant_types(built(trained, "openvino_struct_cluster_int8"))
    assert int8["accuracy"] >= clustered["accuracy"] - 0.03


def test_torchscript_matches_pytorch(trained):
    reference, scripted = evaluated(trained, "pytorch"), evaluated(trained, "torchscript")
    assert np.abs(reference["logits"] - scripted["logits"]).max() < 1e-4
    assert scripted["metrics"]["model_files"] == ["model.torchscript"]


def test_qat_target_is_int8_and_accurate(trained):
    reference = evaluated(trained, "pytorch")["metrics"]
    metrics = evaluated(trained, "openvino_qat")["metrics"]
    assert "i8" in constant_types(built(trained, "openvino_qat"))
    assert metrics["accuracy"] >= reference["accuracy"] - 0.03 and metrics["qat_epochs"] == 1


def test_summary_carries_macs_packed_size_and_source(tmp_path):
    from compressbench.aggregate import TargetFiles, target_records
    from compressbench.results import TABLE_COLUMNS
    from compressbench.tables import write_json, write_tsv

    common = {"accuracy": 0.9, "runtime_precision": "f32", "batch_size": 256, "runtime_threads": 2, "size_bytes": 100}
    rows_in = {
        "pytorch": {**common, "params": 62006, "macs": 651720, "built_from": None},
        "pytorch_cluster": {**common, "params": 62006, "macs": 651720, "built_from": None, "size_packed_bytes": 30},
        "onnxruntime_struct": {**common, "params": 15888, "macs": 251340, "built_from": "pytorch_struct"},
    }
    files = {}
    for name, metrics in rows_in.items():
        write_json(metrics, tmp_path / f"{name}.json")
        write_tsv(
            [{"agreement": 1.0, "disagreements": 0, "max_abs_logit_diff": 0.0, "threshold": 0.5}],
            tmp_path / f"{name}.tsv",
        )
        write_tsv([{"index": 0, "label": 1, "prediction": 1}], tmp_path / f"{name}.predictions.tsv")
        write_json({}, tmp_path / f"{name}.bench.json")
        files[name] = TargetFiles(
            *(str(tmp_path / f"{name}{ext}") for ext in (".json", ".tsv", ".predictions.tsv", ".bench.json"))
        )
    (tmp_path / "model.onnx").write_bytes(b"x" * 200)
    records = target_records(files, files["pytorch"], str(tmp_path / "model.onnx"))
    assert {"macs", "size_packed_bytes", "built_from", "params", "method", "reference"} <= set(TABLE_COLUMNS)
    assert [r.size_packed_bytes for r in records] == [None, 30, None]
    assert (records[2].params, records[2].macs, records[2].built_from) == (15888, 251340, "pytorch_struct")
    assert (records[1].method, records[2].family) == ("clustering", "structured_pruning")


def test_registry_import_is_light():
    """The Snakefile imports the registry and the search settings: no deep-learning library may load with them."""
    import subprocess
    import sys

    code = (
        "import sys, compressbench.targets, compressbench.search.settings; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'openvino', 'onnx', 'onnxruntime', 'nncf'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_every_target_knows_its_method_and_reference():
    from compressbench.targets import METHODS, baseline_of, family

    for name, target in TARGETS.items():
        assert target.method in METHODS, name
        assert (target.reference is None) == (target.method == "baseline" and baseline_of(target.runtime) == name), name
        assert family(name) in METHODS
    assert family("openvino_struct_int8") == "structured_pruning"

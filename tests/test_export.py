"""Export parity: every base target reproduces PyTorch's logits on the same images."""

from pathlib import Path

import numpy as np
import onnx
import pytest
from conftest import make_settings

from compressbench.config import default_config
from compressbench.data import load_digits_source, stratified_subset
from compressbench.evaluation import EvalSettings, evaluate
from compressbench.model import count_parameters, load_weights
from compressbench.onnx_export import export_onnx, export_repeatedly
from compressbench.parity import ParityError, check_parity
from compressbench.targets import TARGETS, runtime_options
from compressbench.targets.context import BuildContext, build_target
from compressbench.training import TrainSettings, save_checkpoint, train

EXPORT = default_config()["export"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    dataset = load_digits_source(32)
    dataset.train_images, dataset.train_labels = stratified_subset(dataset.train_images, dataset.train_labels, 300, 0)
    dataset.test_images, dataset.test_labels = stratified_subset(dataset.test_images, dataset.test_labels, 100, 0)
    model, spec, _ = train(dataset, make_settings(TrainSettings, "train", epochs=1, horizontal_flip=False, threads=1))
    save_checkpoint(model, root / "weights.pt")
    export_onnx(model, spec.input_shape, root / "model.onnx", opset=17)
    ctx = BuildContext(spec, root / "weights.pt", EXPORT, 1, onnx_path=root / "model.onnx")
    results = {}
    for name in ["pytorch", "onnxruntime", "openvino", "openvino_fp32"]:
        out_dir = root / name
        build_target(TARGETS[name], ctx, out_dir)
        results[name] = evaluate(
            TARGETS[name],
            out_dir,
            spec,
            dataset,
            make_settings(EvalSettings, "evaluate", batch_size=32, threads=1),
            runtime_options(TARGETS[name], "f32"),
        )
    return root, spec, results


def test_onnx_has_dynamic_batch_and_passes_checker(built):
    root, _, _ = built
    model = onnx.load(str(root / "model.onnx"))
    onnx.checker.check_model(model)
    batch_dim = model.graph.input[0].type.tensor_type.shape.dim[0]
    assert batch_dim.dim_param == "batch"


def test_the_export_is_deterministic_so_its_repeats_keep_the_same_file(built, tmp_path):
    root, spec, _ = built
    model = load_weights(spec, root / "weights.pt")
    seconds = export_repeatedly(model, spec.input_shape, tmp_path / "model.onnx", 17, timings=3)
    assert len(seconds) == 3 and all(s > 0 for s in seconds)
    assert (tmp_path / "model.onnx").read_bytes() == (root / "model.onnx").read_bytes()  # a separate export
    assert [path.name for path in tmp_path.iterdir()] == ["model.onnx"]


@pytest.mark.parametrize("name", ["onnxruntime", "openvino", "openvino_fp32"])
def test_targets_agree_with_pytorch(built, name):
    _, _, results = built
    row = check_parity(name, results["pytorch"]["logits"], results[name]["logits"], 0.999)
    assert row["agreement"] == 1.0
    assert row["max_abs_logit_diff"] < (5e-2 if name == "openvino" else 1e-3)


def test_sizes_follow_weight_storage(built):
    _, spec, results = built
    params = count_parameters(load_weights(spec, built[0] / "weights.pt"))
    sizes = {name: result["metrics"]["size_bytes"] for name, result in results.items()}
    assert sizes["pytorch"] > 4 * params
    assert sizes["onnxruntime"] > 4 * params
    # .bin holds FP16 weights (2 bytes each) by default, FP32 with the switch
    assert 2 * params < sizes["openvino"] < 3 * params
    assert sizes["openvino_fp32"] > 4 * params
    assert results["openvino"]["metrics"]["model_files"] == ["model.bin", "model.xml"]


def test_openvino_reports_requested_precision(built):
    _, _, results = built
    assert results["openvino"]["metrics"]["runtime_precision"] == "f32"
    assert results["openvino"]["metrics"]["runtime_threads"] == 1


def test_parity_failure_names_target():
    reference = np.eye(4, dtype=np.float32)
    shuffled = reference[[1, 0, 2, 3]]
    with pytest.raises(ParityError, match="target openvino_int8: agrees with PyTorch on 50.0000%"):
        check_parity("openvino_int8", reference, shuffled, 0.97)


def test_build_replaces_stale_files(built, tmp_path):
    root, spec, _ = built
    out_dir = tmp_path / "pytorch"
    out_dir.mkdir()
    (out_dir / "old.pt").write_bytes(b"stale")
    build_target(TARGETS["pytorch"], BuildContext(spec, root / "weights.pt", EXPORT, 1), out_dir)
    assert sorted(p.name for p in Path(out_dir).iterdir()) == ["build_info.json", "model.pt"]  # the build's time

"""Odd input, round two (issue 23): study overrides, pruning plans that do not apply, code that
changes, damaged files, a cluster profile without a cluster. Data is made by each test."""

from __future__ import annotations

import copy
import sys

import numpy as np
import pytest
import torch
from conftest import make_settings

from compressbench.config import ConfigError, load_config
from compressbench.study import StudyError, expand_study, flat_settings, swept_keys, validated_runs

# the fast.yaml: digits, one epoch without flips, three targets
FAST = {
    "dataset": {"name": "digits", "root": None},
    "train": {"epochs": 1, "horizontal_flip": False},
    "targets": ["pytorch", "onnxruntime", "openvino"],
    "evaluate": {"bootstrap_resamples": 100},
}


def study_config(study: dict, base: dict = FAST) -> dict:
    return {**copy.deepcopy(base), "study": study}


# --- study runs: overrides merge into sections; errors name the run -------------------------


def test_a_run_differs_from_the_base_config_in_exactly_the_keys_it_sets():
    runs = [
        {"name": "base"},
        {"name": "small", "set": {"dataset": {"image_size": 16}}},
        {"name": "seed3", "set": {"train": {"seed": 3}}},
        {"name": "both", "set": {"train": {"seed": 3}, "dataset.image_size": 16, "model.kwargs": {"a": 1}}},
    ]
    config = study_config({"runs": runs})
    base = flat_settings(load_config(FAST))
    for name, run_config in validated_runs(config).items():
        flat = flat_settings(run_config)
        changed = {key for key in flat if flat[key] != base[key]}
        wanted = {"small": {"dataset.image_size"}, "seed3": {"train.seed"}, "base": set()}
        assert changed == wanted.get(name, {"train.seed", "dataset.image_size", "model.kwargs"}), name
        assert run_config["dataset"]["name"] == "digits" and run_config["train"]["epochs"] == 1
    assert swept_keys(config) == ["dataset.image_size", "train.seed", "model.kwargs"]


@pytest.mark.parametrize(
    ("run", "message"),
    [
        ({"name": "x", "set": {"train": 3}}, "study run 'x' (study.runs[0].set): 'train' is a section"),
        ({"name": "x", "set": {"train": {"seed": 1}, "train.seed": 2}}, "'train.seed' is set twice"),
        ({"name": "x", "set": {"train": {"sed": 1}}}, "'train.sed' is not a setting"),
        ({"name": "x", "set": {"model.kwargs.width": 1}}, "'model.kwargs.width' is not a setting"),
    ],
)
def test_bad_run_overrides_name_the_run_and_the_key(run, message):
    with pytest.raises(StudyError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        expand_study(study_config({"runs": [run]}))


@pytest.mark.parametrize(
    ("run", "message"),
    [
        ({"name": "bad", "set": {"train.epochs": 0}}, r"(?s)study run 'bad': .*0 is less than the minimum of 1"),
        ({"name": "c10", "set": {"dataset.name": "cifar10"}}, r"study run 'c10': dataset.root: required"),
    ],
)
def test_study_validation_errors_name_the_run(run, message):
    with pytest.raises(StudyError, match=message):
        validated_runs(study_config({"runs": [{"name": "fine"}, run]}))


def test_colliding_grid_names_say_they_come_from_the_grid():
    with pytest.raises(StudyError, match=r"study.grid: two combinations are both named 'title-A-B'.*study.runs"):
        expand_study(study_config({"grid": {"report.title": ["A B", "A/B"]}}))
    with pytest.raises(StudyError, match=r"study.runs\[0\].name: 'seed-1' is also the name study.grid gives"):
        expand_study(study_config({"grid": {"train.seed": [1]}, "runs": [{"name": "seed-1"}]}))
    with pytest.raises(StudyError, match=r"study.grid.train: a section; sweep one of its settings"):
        expand_study(study_config({"grid": {"train": [{"seed": 1}]}}))


# --- structured pruning: a share that cannot be had stops, saying why --------------------------


def lenet():
    from compressbench.architectures.lenet import lenet5

    return lenet5(num_classes=10, in_channels=3, image_size=32)


@pytest.mark.parametrize(
    ("ratio", "layer_ratios", "message"),
    [
        (0.5, {"features.0": 0.9}, r"structured_layer_ratios.features.0=0.9: layer features.0 went from 6 to 6"),
        (0.5, {"features.0": 0.85}, r"features.0=0.85: .*rounds up to all 6.*ask at most 0.833 \(5 of 6\)"),
        (0.99, {}, r"compression.structured_ratio=0.99: layer features.0 .*rounding"),
    ],
)
def test_a_share_that_rounds_to_every_channel_stops_naming_the_layer(ratio, layer_ratios, message):
    from compressbench.structured import PruningPlanError, prune_channels

    with pytest.raises(PruningPlanError, match=message):
        prune_channels(lenet(), (3, 32, 32), 10, ratio, layer_ratios)


def test_a_share_within_one_channel_is_recorded_as_achieved():
    from compressbench.structured import prune_channels, widths

    model = lenet()
    cuts = prune_channels(model, (3, 32, 32), 10, 0.5, {"features.0": 0.8})
    assert widths(model)[0] == 1
    assert cuts["features.0"] == {"requested": 0.8, "achieved": 0.8333, "width_before": 6, "width_after": 1}


def test_coupled_layers_with_other_shares_stop_naming_the_coupling():
    from compressbench.architectures.resnet import resnet8
    from compressbench.structured import PruningPlanError, prune_channels

    model = resnet8(num_classes=10, in_channels=3, image_size=32, shortcut="B")
    with pytest.raises(PruningPlanError) as error:
        prune_channels(model, (3, 32, 32), 10, 0.5, {"stem.0": 0.0})
    text = str(error.value)
    assert "compression.structured_ratio=0.5: layer stages.0.conv2 went from 16 to 16 channels" in text
    assert "coupling: its channels are tied to those of stem.0 (a residual sum" in text


def test_narrowing_targets_need_resnet_shortcut_b():
    for targets in (["pytorch", "pytorch_struct"], ["pytorch", "onnxruntime_distill"]):
        with pytest.raises(ConfigError, match=r"model.shortcut: A \(resnet8's default\).*set model.shortcut: B"):
            load_config({"model": {"name": "resnet8"}, "targets": targets})
    with pytest.raises(ConfigError, match=r"targets: pytorch_student_labels remove channels.*shortcut: A zero-pads"):
        load_config({"model": {"name": "resnet20", "shortcut": "A"}, "targets": ["pytorch_student_labels"]})
    load_config({"model": {"name": "resnet8", "shortcut": "B"}, "targets": ["pytorch_struct", "pytorch_distill"]})
    load_config({"model": {"name": "resnet8"}, "targets": ["pytorch", "openvino_int8"]})


# --- bring-your-own model code: edits are tracked, sys.exit is caught --------------------------


@pytest.fixture
def own_package(tmp_path, monkeypatch):
    """A package `mynets_<test>` in the working directory, forgotten by Python afterwards."""
    from compressbench.architectures import model_source_digest

    name = f"mynets_{abs(hash(str(tmp_path))) % 10**8}"
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    monkeypatch.chdir(tmp_path)
    model_source_digest.cache_clear()
    yield name, package
    model_source_digest.cache_clear()
    for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[module]


NET = """
import torch
def Good(num_classes, in_channels, image_size, hidden={hidden}):
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(in_channels * image_size**2, hidden),
                               torch.nn.Linear(hidden, num_classes))
"""


def test_editing_a_bring_your_own_model_changes_its_source_digest(own_package):
    from compressbench.architectures import model_source_digest, source_files

    name, package = own_package
    (package / "nets.py").write_text(NET.format(hidden=32))
    (package / "layers.py").write_text("# a helper module of the package\n")
    assert set(source_files(f"{name}.nets")) == {f"{name}/__init__.py", f"{name}/nets.py", f"{name}/layers.py"}
    before = model_source_digest(f"{name}.nets:Good")
    assert before is not None and model_source_digest("lenet5") is None
    (package / "layers.py").write_text("# edited\n")
    model_source_digest.cache_clear()
    assert model_source_digest(f"{name}.nets:Good") != before
    assert sys.modules.get(name) is None  # found without importing (running) it


def test_weights_of_edited_code_say_to_retrain(own_package, tmp_path):
    from compressbench.architectures import model_source_digest
    from compressbench.model import build_model, load_weights
    from compressbench.spec import ModelSpec

    name, package = own_package
    (package / "nets.py").write_text(NET.format(hidden=32))
    spec = ModelSpec(1, 8, 2, ["a", "b"], [0.0], [1.0], model={"name": f"{name}.nets:Good"})
    spec.train["model_source_sha256"] = model_source_digest(f"{name}.nets:Good")
    torch.save(build_model(spec).state_dict(), tmp_path / "weights.pt")
    (package / "nets.py").write_text(NET.format(hidden=64))
    model_source_digest.cache_clear()
    del sys.modules[f"{name}.nets"]
    with pytest.raises(ValueError, match=rf"model.name='{name}.nets:Good' changed since training: retrain"):
        load_weights(spec, tmp_path / "weights.pt")


@pytest.mark.parametrize(
    ("code", "doing"),
    [
        ("import sys\nsys.exit(3)\n", "importing"),
        (
            "import argparse\nargparse.ArgumentParser().add_argument('--data', required=True)\n"
            "argparse.ArgumentParser().parse_args(['--unknown'])\n",
            "importing",
        ),
        ("import sys\ndef Good(**sizes):\n    sys.exit('no')\n", "calling"),
    ],
)
def test_a_model_module_that_exits_is_named(own_package, code, doing):
    from compressbench.model import ModelConfigError, build_model
    from compressbench.spec import ModelSpec

    name, package = own_package
    (package / "nets.py").write_text(code)
    spec = ModelSpec(1, 8, 2, ["a", "b"], [0.0], [1.0], model={"name": f"{name}.nets:Good"})
    with pytest.raises(ModelConfigError, match=rf"model.name='{name}.nets:Good': {doing} .* called sys.exit"):
        build_model(spec)


# --- damaged files found by the benchmark ----------------------------------------------------


def benchmark_openvino(model_dir, tmp_path):
    from compressbench.benchmark import BenchSettings, benchmark_target
    from compressbench.spec import ModelSpec
    from compressbench.targets import get_target, runtime_options

    target = get_target("openvino")
    spec = ModelSpec(1, 16, 2, ["a", "b"], [0.5], [0.25])
    outputs = {name: str(tmp_path / f"{name}.out") for name in ("latency", "latency_1thread", "throughput", "naive")}
    benchmark_target(
        target,
        model_dir,
        spec,
        lambda count=None: np.zeros((4, 1, 16, 16), np.float32)[:count],
        make_settings(BenchSettings, "benchmark"),
        runtime_options(target, "f32"),
        outputs,
    )


def test_benchmark_names_a_missing_or_damaged_openvino_weights_file(tmp_path):
    from compressbench.benchmark import BenchmarkError

    model_dir = tmp_path / "models" / "openvino"
    model_dir.mkdir(parents=True)
    (model_dir / "model.xml").write_bytes(np.random.default_rng(1).integers(0, 256, 300, dtype=np.uint8).tobytes())
    with pytest.raises(BenchmarkError, match="benchmark of target 'openvino'") as error:
        benchmark_openvino(model_dir, tmp_path)
    assert f"{model_dir / 'model.bin'}: missing" in str(error.value)
    (model_dir / "model.bin").write_bytes(b"\x00" * 64)
    with pytest.raises(BenchmarkError, match="failed on its model files") as error:
        benchmark_openvino(model_dir, tmp_path)
    assert str(model_dir / "model.bin") in str(error.value) and str(model_dir / "model.xml") in str(error.value)


@pytest.mark.parametrize("value", ["abc", "", "nan", "-3"])
def test_a_damaged_latency_file_stops_benchmark_summary_naming_it(tmp_path, value):
    from compressbench.repeats import write_combined

    latency = tmp_path / "repeat0" / "latency.tsv"
    latency.parent.mkdir()
    latency.write_text(f"call\tmicroseconds\n0\t12.5\n1\t{value}\n")
    with pytest.raises(ValueError, match=rf"{latency}, line 3: microseconds='{value}' is not a positive number"):
        write_combined([tmp_path / "repeat0" / "summary.json"], [latency], {})


# --- a cluster profile on a machine without the cluster --------------------------------------


def test_slurm_executor_without_slurm_commands_says_so(monkeypatch):
    import shutil

    from compressbench.machine import missing_cluster_commands

    monkeypatch.setattr(shutil, "which", lambda command: None if command == "sbatch" else f"/usr/bin/{command}")
    assert "SLURM's commands are not installed on this machine (sbatch not found on PATH)" in (
        missing_cluster_commands("slurm")
    )
    assert missing_cluster_commands("local") is None and missing_cluster_commands("dryrun") is None
    monkeypatch.setattr(shutil, "which", lambda command: f"/usr/bin/{command}")
    assert missing_cluster_commands("slurm") is None

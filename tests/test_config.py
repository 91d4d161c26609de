"""config.yaml is checked before anything runs; errors name the key and the value."""

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from compressbench.benchmark import BenchSettings
from compressbench.config import (
    SCHEMA,
    ConfigError,
    check_config,
    compute_claim,
    default_config,
    load_config,
    parity_threshold,
    settings_from,
    thread_count,
)
from compressbench.evaluation import EvalSettings
from compressbench.machine import physical_cores, usable_cpus
from compressbench.training import TrainSettings

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", [ROOT / ".test" / "config.yaml", *sorted((ROOT / "configs").glob("*.yaml"))])
def test_shipped_configs_are_valid(path):
    config = load_config(ROOT / "config.yaml", path)
    for section, values in yaml.safe_load(path.read_text()).items():  # each setting the file makes is in force
        expected = values if not isinstance(values, dict) else {**config[section], **values}
        assert config[section] == expected, section


def test_schema_is_the_only_source_of_defaults():
    """config.yaml sets nothing; every section is filled from the schema."""
    assert yaml.safe_load((ROOT / "config.yaml").read_text()) == {}
    config = default_config()
    assert config["train"]["epochs"] >= 1
    assert config["targets"][:3] == ["pytorch", "onnxruntime", "openvino"]
    assert config["report"]["language"] == "ru"
    schema = yaml.safe_load(SCHEMA.read_text())
    for section in ("train", "evaluate", "benchmark", "compression"):
        assert set(config[section]) == set(schema["properties"][section]["properties"])


def test_settings_built_from_the_defaults():
    config = default_config()
    assert TrainSettings.from_config(config["train"], threads=2).epochs == config["train"]["epochs"]
    assert EvalSettings.from_config(config["evaluate"], threads=2).batch_size == config["evaluate"]["batch_size"]
    bench = BenchSettings.from_config(config["benchmark"], threads=2)
    assert bench.batch_sizes == config["benchmark"]["batch_sizes"] and bench.threads == 2


def test_settings_reject_unknown_and_missing_keys():
    section = default_config()["train"]
    with pytest.raises(ConfigError, match="train: unknown key.*epoch\\b"):
        TrainSettings.from_config({**section, "epoch": 3}, threads=1)
    with pytest.raises(ConfigError, match="benchmark: missing key.*warmup_seconds"):
        settings_from(BenchSettings, "benchmark", {"batch_sizes": [1]}, threads=1)


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("train", "epochs", -1, "-1 is less than the minimum of 1"),
        ("train", "epochs", "ten", "'ten' is not of type 'integer'"),
        ("train", "optimizer", "adagrad", "'adagrad' is not one of"),
        ("dataset", "name", "mnist", "'mnist' is not one of"),
        ("report", "language", "de", "'de' is not one of"),
        ("runtime", "openvino_precision", "int4", "'int4' is not one of"),
    ],
)
def test_schema_rejects_bad_values(section, key, value, message):
    config = default_config()
    config[section][key] = value
    with pytest.raises(ConfigError) as error:
        load_config(config)
    assert message in str(error.value)
    assert key in str(error.value)


def test_unknown_key_rejected():
    config = default_config()
    config["train"]["epoch"] = 3
    with pytest.raises(ConfigError, match="epoch"):
        load_config(config)


def test_unknown_target_named():
    config = default_config()
    config["targets"] = ["pytorch", "tensorrt"]
    with pytest.raises(ConfigError, match="targets: unknown target 'tensorrt'"):
        check_config(config)


def test_parity_threshold_for_unknown_target_named():
    config = default_config()
    config["parity"]["thresholds"] = {"openvinoo": 0.9}
    with pytest.raises(ConfigError, match="parity.thresholds: unknown target 'openvinoo'"):
        check_config(config)


def test_root_required_for_folder_sources():
    config = default_config()
    config["dataset"].update(name="imagefolder", root=None)
    with pytest.raises(ConfigError, match="dataset.root"):
        check_config(config)


@pytest.mark.parametrize(
    ("threads", "cores", "cpus", "claim", "side_by_side"),
    [
        (2, 4, 2, 4, 1),  # --cores 4 on 2 CPUs: one 2-thread compute job at a time
        (1, 4, 2, 2, 2),
        (2, 32, 16, 4, 8),  # 8 jobs x 2 threads = the 16 CPUs
        (2, 2, 2, 2, 1),
        (2, 8, 16, 2, 4),  # fewer cores than CPUs: the threads, as Snakemake does
        (2, None, 16, 2, None),  # a cluster profile: no --cores total
    ],
)
def test_compute_jobs_never_run_more_threads_than_cpus(threads, cores, cpus, claim, side_by_side):
    assert compute_claim(threads, cores, cpus) == claim
    if cores:
        assert cores // claim == side_by_side
        assert side_by_side * threads <= max(cpus, threads)


def test_threads_and_thresholds():
    config = copy.deepcopy(default_config())
    assert thread_count(config) == 1  # the runtimes' default: one thread
    config["runtime"]["threads"] = None
    assert thread_count(config) == min(physical_cores(), usable_cpus()) >= 1
    config["runtime"]["threads"] = 3
    assert thread_count(config) == 3
    assert parity_threshold(config, "openvino") == pytest.approx(0.999)
    config["parity"]["thresholds"] = {"openvino": 0.5}
    assert parity_threshold(config, "openvino") == 0.5


def test_snakemake_stops_before_running(tmp_path):
    """A bad value stops `snakemake -n` with the key and the value in the message."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("train:\n  epochs: -3\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-s",
            str(ROOT / "Snakefile"),
            "-n",
            "--configfile",
            str(bad),
            "--directory",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "epochs" in output and "-3" in output
    assert not (tmp_path / "results").exists()

"""config.yaml is checked before anything runs; errors name the key and the value."""

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from compressbench.config import (
    ConfigError,
    check_config,
    parity_threshold,
    physical_cores,
    thread_count,
    usable_cpus,
)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = str(ROOT / "workflow" / "schemas" / "config.schema.yaml")


def default_config() -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    validate(config, SCHEMA)
    return config


def test_shipped_configs_are_valid():
    for path in [ROOT / "config.yaml", *sorted((ROOT / "configs").glob("*.yaml"))]:
        config = default_config()
        overrides = yaml.safe_load(path.read_text())
        for section, values in overrides.items():
            config[section] = {**config[section], **values} if isinstance(values, dict) else values
        validate(config, SCHEMA)
        check_config(config)


def test_schema_fills_defaults():
    config = {"dataset": {"name": "digits"}}
    validate(config, SCHEMA)
    assert config["train"]["epochs"] >= 1
    assert config["targets"][:3] == ["pytorch", "onnxruntime", "openvino"]
    assert config["report"]["language"] == "ru"


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
    with pytest.raises(Exception) as error:
        validate(config, SCHEMA)
    assert message in str(error.value)
    assert key in str(error.value)


def test_unknown_key_rejected():
    config = default_config()
    config["train"]["epoch"] = 3
    with pytest.raises(Exception, match="epoch"):
        validate(config, SCHEMA)


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


def test_threads_and_thresholds():
    config = copy.deepcopy(default_config())
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
            str(ROOT / "config.yaml"),
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

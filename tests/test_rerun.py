"""Rerun behaviour: report settings rerun only the report rules; training settings rerun training
and everything after it, not data preparation. Runs the real workflow once on the digits data in
a temporary copy, then asks Snakemake (dry run) what a config change would rerun."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from compressbench.report.latex import engine_available

REPO = Path(__file__).resolve().parents[1]
REPORT_RULES = {"report_plots", "render_report", "report_pdf", "report_zip", "all"}
SNAKEMAKE = [sys.executable, "-m", "snakemake"]

pytestmark = pytest.mark.skipif(
    shutil.which("snakemake") is None and not (Path(sys.executable).parent / "snakemake").exists(),
    reason="snakemake not installed",
)


def write_config(workdir: Path, **changes) -> Path:
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["dataset"] = {**config["dataset"], "name": "digits", "root": None}
    config["train"] = {**config["train"], "epochs": 2, "horizontal_flip": False}
    config["targets"] = ["pytorch", "onnxruntime", "openvino"]
    config["evaluate"] = {**config["evaluate"], "timed_passes": 1}
    if "benchmark" in config:  # keep the speed measurements short
        config["benchmark"] = {
            **config["benchmark"],
            "batch_sizes": [1, 8],
            "warmup_seconds": 0.05,
            "latency_min_calls": 50,
            "latency_min_seconds": 0.05,
            "throughput_passes": 1,
            "throughput_min_seconds": 0.05,
            "benchmark_app": False,
        }
    for section, values in changes.items():
        config[section] = {**config[section], **values}
    path = workdir / "test-config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def targets() -> list[str]:
    outputs = ["reports/report.md", "reports/report-latex.zip"]
    return outputs + (["reports/report.pdf"] if engine_available() else [])


def planned_rules(workdir: Path, config: Path) -> set[str]:
    """Rules a dry run would execute, from its job-stats table."""
    result = subprocess.run(
        [*SNAKEMAKE, *targets(), "--dry-run", "--quiet", "rules", "--cores", "2", "--configfile", str(config)],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    rules, in_table = set(), False
    for line in result.stdout.splitlines():
        parts = line.split()
        if line.startswith("---"):
            in_table = True
        elif in_table and len(parts) == 2 and parts[1].isdigit():
            if parts[0] == "total":
                break
            rules.add(parts[0])
    return rules


@pytest.fixture(scope="module")
def workflow_copy(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("workflow")
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(REPO / name, workdir / name)
    for name in ("workflow", "templates"):
        shutil.copytree(REPO / name, workdir / name)
    config = write_config(workdir)
    subprocess.run(
        [*SNAKEMAKE, *targets(), "--cores", "2", "--configfile", str(config)],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    return workdir


def test_nothing_to_do_after_a_run(workflow_copy):
    assert planned_rules(workflow_copy, write_config(workflow_copy)) == set()


@pytest.mark.parametrize("change", [{"language": "en"}, {"title": "Новый # заголовок"}, {"author": "A & B"}])
def test_report_settings_rerun_only_report_rules(workflow_copy, change):
    rules = planned_rules(workflow_copy, write_config(workflow_copy, report=change))
    assert rules and rules <= REPORT_RULES, rules
    assert "render_report" in rules and "report_plots" in rules


def test_training_settings_rerun_training_and_after_but_not_data(workflow_copy):
    rules = planned_rules(workflow_copy, write_config(workflow_copy, train={"epochs": 3}))
    assert {"train", "evaluate", "render_report"} <= rules, rules
    assert "prepare_data" not in rules

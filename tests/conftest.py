"""A real run of the workflow on the digits data, shared by the end-to-end and rerun tests.

It runs once per test session in a temporary copy of the workflow (the repository's own
results/ stay untouched); tests then read its outputs or ask Snakemake (dry run) what a config
change would rerun.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from compressbench.report.latex import engine_available

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
E2E_TARGETS = ["pytorch", "onnxruntime", "openvino", "onnxruntime_int8"]


def write_config(workdir: Path, **changes) -> Path:
    """The small digits config the shared run uses, with some sections changed."""
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["dataset"] = {**config["dataset"], "name": "digits", "root": None, "train_limit": 800}
    config["train"] = {**config["train"], "epochs": 2, "horizontal_flip": False}
    config["targets"] = E2E_TARGETS
    config["evaluate"] = {**config["evaluate"], "timed_passes": 1}
    config["compression"] = {**config["compression"], "calibration_size": 50}
    config["benchmark"] = {
        **config["benchmark"],
        "batch_sizes": [1, 8],
        "warmup_seconds": 0.05,
        "latency_min_calls": 50,
        "latency_min_seconds": 0.05,
        "throughput_passes": 1,
        "throughput_min_seconds": 0.05,
        "benchmark_app_seconds": 1,
    }
    for section, values in changes.items():
        config[section] = {**config[section], **values}
    path = workdir / "test-config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def report_outputs() -> list[str]:
    outputs = ["reports/report.md", "reports/report-latex.zip", "results/summary.tsv"]
    return outputs + (["reports/report.pdf"] if engine_available() else [])


def planned_jobs(workdir: Path, config: Path, targets: list[str] | None = None) -> dict[str, int]:
    """Rule -> number of jobs a dry run would execute, from its job-stats table (targets: the
    report outputs by default; [] for the default rule, all)."""
    targets = report_outputs() if targets is None else targets
    result = subprocess.run(
        [*SNAKEMAKE, *targets, "--dry-run", "--quiet", "rules", "--cores", "2", "--configfile", str(config)],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    jobs, in_table = {}, False
    for line in result.stdout.splitlines():
        parts = line.split()
        if line.startswith("---"):
            in_table = True
        elif in_table and len(parts) == 2 and parts[1].isdigit():
            if parts[0] == "total":
                break
            jobs[parts[0]] = int(parts[1])
    return jobs


@pytest.fixture(scope="session")
def workflow_copy(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("workflow")
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(REPO / name, workdir / name)
    for name in ("workflow", "templates"):
        shutil.copytree(REPO / name, workdir / name)
    config = write_config(workdir)
    result = subprocess.run(
        [*SNAKEMAKE, *report_outputs(), "--cores", "2", "--configfile", str(config)],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return workdir

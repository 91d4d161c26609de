"""A bring-your-own model (tests/byo_models.py:TinyNet) through the whole workflow on digits.

One small Snakemake run in a temporary copy of the workflow, like conftest's shared run, with
`model.name: byo_models:TinyNet` and the module copied into the run's working directory
(from where compressbench.model imports it).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import REPO, copy_workflow, planned_jobs, report_outputs, run_workflow, write_config

BYO_TARGETS = ["pytorch", "onnxruntime", "openvino", "onnxruntime_int8", "pytorch_int8", "pytorch_pruned"]


@pytest.fixture(scope="module")
def byo_run(tmp_path_factory) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("byo-workflow"))
    shutil.copy(REPO / "tests" / "byo_models.py", workdir / "byo_models.py")
    config = write_config(
        workdir,
        model={"name": "byo_models:TinyNet", "kwargs": {"width": 8}},
        benchmark={"benchmark_app": False},
    )
    settings = yaml.safe_load(config.read_text())
    config.write_text(yaml.safe_dump({**settings, "targets": BYO_TARGETS}))
    return run_workflow(workdir, config)


def test_byo_model_reaches_the_report(byo_run):
    for output in report_outputs():
        assert (byo_run / output).is_file(), output
    summary = (byo_run / "results" / "summary.tsv").read_text().splitlines()
    assert len(summary) == 1 + len(BYO_TARGETS)


def test_byo_model_is_recorded_in_the_spec(byo_run):
    spec = json.loads((byo_run / "results" / "model" / "spec.json").read_text())
    assert spec["model"] == {"name": "byo_models:TinyNet", "kwargs": {"width": 8}}
    assert spec["summary"]["architecture"] == "byo_models:TinyNet"
    assert spec["summary"]["layer_counts"]["Conv2d"] == 2


def test_editing_the_model_code_retrains(byo_run):
    module = byo_run / "byo_models.py"
    code = module.read_text()
    try:
        module.write_text(code + "\n# an edit\n")
        jobs = planned_jobs(byo_run, byo_run / "test-config.yaml")
        assert "train" in jobs and "evaluate" in jobs, jobs
    finally:
        module.write_text(code)
    assert planned_jobs(byo_run, byo_run / "test-config.yaml") == {}

"""A study's runs change and the next plain invocation has nothing to do (issue 23): adding a run,
removing one, changing one so that it trains its own model, and back so that it shares one again.
Each change reruns that run only (and the study's table and report). Real runs on tiny digits data
in a temporary copy of the workflow."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import SNAKEMAKE, copy_workflow, planned_jobs

from compressbench import paths
from compressbench.report.latex import engine_available

TINY = {
    "dataset": {"name": "digits", "root": None, "train_limit": 200, "test_limit": 100},
    "train": {"epochs": 1, "horizontal_flip": False},
    "targets": ["pytorch"],
    "evaluate": {"bootstrap_resamples": 100},
    "benchmark": {
        "repeats": 1,
        "batch_sizes": [8],
        "warmup_seconds": 0.0,
        "latency_min_calls": 10,
        "latency_min_seconds": 0.0,
        "throughput_min_seconds": 0.0,
        "single_thread_latency": False,
        "benchmark_app": False,
    },
}
# Without XeLaTeX the study's PDF cannot be made; everything else is the plain invocation.
OPTIONS = () if engine_available() else ("--omit-from", "study_pdf")
STUDY_RULES = {"study_table", "study_analyze", "study_report", "study_pdf", "all"}


def write_study(workdir: Path, runs: list[dict]) -> Path:
    path = workdir / "study.yaml"
    path.write_text(yaml.safe_dump({**TINY, "study": {"runs": runs}}, sort_keys=False))
    return path


def invoke(workdir: Path, config: Path) -> None:
    result = subprocess.run(
        [*SNAKEMAKE, *OPTIONS, "--cores", "2", "--configfile", str(config)], cwd=workdir, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def change(workdir: Path, runs: list[dict]) -> set[str]:
    """Write the study, return the rules the next invocation runs, run it, and check that the
    invocation after it has nothing to do."""
    config = write_study(workdir, runs)
    rules = set(planned_jobs(workdir, config, targets=[], options=OPTIONS))
    invoke(workdir, config)
    assert planned_jobs(workdir, config, targets=[], options=OPTIONS) == {}
    return rules


def only_runs(rules: set[str], *runs: str) -> bool:
    """Every rule is one of these runs' or the study's own or a link into a run."""
    return all(rule in STUDY_RULES or rule.startswith(("share_", *(f"run_{run}_" for run in runs))) for rule in rules)


def model_file(workdir: Path, run: str, path: str = paths.WEIGHTS) -> Path:
    return workdir / paths.in_run(path, run)


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory) -> Path:
    return copy_workflow(tmp_path_factory.mktemp("study-rerun"))


A, B = {"name": "a"}, {"name": "b", "set": {"evaluate.bootstrap_resamples": 150}}
C = {"name": "c", "set": {"evaluate": {"bootstrap_resamples": 200}}}


def test_adding_removing_and_changing_runs_rerun_only_them(study_dir):
    first = change(study_dir, [A, B])
    assert {"run_a_train", "run_a_prepare_data"} <= first and "run_b_train" not in first

    shared_weights = model_file(study_dir, "a").resolve()
    weights_time = shared_weights.stat().st_mtime_ns
    added = change(study_dir, [A, B, C])  # the reproduction
    assert only_runs(added, "c") and "run_c_evaluate" in added
    assert not any(rule.endswith(("_train", "_prepare_data")) for rule in added)
    assert model_file(study_dir, "c").resolve() == shared_weights
    assert shared_weights.stat().st_mtime_ns == weights_time  # linking never touches the shared file

    removed = change(study_dir, [B, C])  # a, whose settings made the shared model, goes
    assert removed <= STUDY_RULES, removed

    own = change(study_dir, [{"name": "b", "set": {"train.seed": 1, **B["set"]}}, C])
    assert only_runs(own, "b") and {"run_b_prepare_data", "run_b_train"} <= own
    assert model_file(study_dir, "b").resolve() != model_file(study_dir, "c").resolve()

    shared_again = change(study_dir, [B, C])
    assert only_runs(shared_again, "b") and "run_b_evaluate" in shared_again
    assert not any(rule.endswith(("_train", "_prepare_data")) for rule in shared_again)


def test_a_run_that_shares_a_model_has_that_models_training_log(study_dir):
    # after the test above, b went from its own seed-1 model back to the shared seed-0 one
    for path in (paths.WEIGHTS, paths.SPEC, paths.TRAIN_LOG, paths.DATASET):
        assert model_file(study_dir, "b", path).resolve() == model_file(study_dir, "c", path).resolve(), path
    log = model_file(study_dir, "b", paths.TRAIN_LOG)
    assert log.is_symlink() and not os.path.isabs(os.readlink(log))  # relative: the folder can move
    assert log.read_text() == model_file(study_dir, "c", paths.TRAIN_LOG).read_text()

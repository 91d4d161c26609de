"""A search through the workflow on digits: the SLURM profile would submit each search worker as a
job of its own; the workers share one storage; the chosen variant becomes pytorch_auto, evaluated on
the test images and aggregated like any other target; a finished search reruns nothing."""

from __future__ import annotations

import shutil
import subprocess

import yaml
from conftest import REPO, SNAKEMAKE, copy_workflow, planned_jobs, write_config

from compressbench import paths
from compressbench.search.selection import read_trials
from compressbench.tables import read_json, read_tsv

SEARCH = {
    "trials": 3,
    "workers": 2,
    "constraint": {"max_drop_pp": 50.0},  # a 2-epoch model: the test is about the plumbing
    "space": [
        {"target": "pytorch_cluster", "settings": {"clusters": {"low": 8, "high": 32}, "cluster_finetune_epochs": 0}}
    ],
}


def test_search_runs_as_jobs_and_its_choice_is_a_target(tmp_path):
    workdir = copy_workflow(tmp_path)
    shutil.copytree(REPO / "profiles", workdir / "profiles")
    config = write_config(workdir, dataset={"validation_size": 200}, benchmark={"repeats": 1})
    values = yaml.safe_load(config.read_text())
    values.update(targets=["pytorch"], search=SEARCH)
    config.write_text(yaml.safe_dump(values))

    # the SLURM profile submits each worker as a job of its own (a dry run: no cluster needed)
    profile = subprocess.run(
        [*SNAKEMAKE, paths.SUMMARY, "--profile", "profiles/slurm", "--configfile", str(config), "--dry-run"],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert profile.returncode == 0, profile.stderr[-3000:]
    assert profile.stdout.count("rule search_worker:") == 2

    run = subprocess.run(
        [*SNAKEMAKE, paths.SUMMARY, "--cores", "2", "--configfile", str(config)],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    trials = read_trials(workdir / paths.SEARCH_TRIALS)
    assert [row["trial"] for row in trials] == [0, 1, 2] and {row["state"] for row in trials} == {"complete"}
    ran = [read_json(workdir / paths.SEARCH_WORKER.format(worker=w))["trials_run"] for w in (0, 1)]
    assert sorted(ran[0] + ran[1]) == [0, 1, 2]
    chosen = read_json(workdir / paths.SEARCH_CHOSEN)
    assert chosen["auto_target"] == "pytorch_auto" and chosen["target"] == "pytorch_cluster"
    summary = {row["target"]: row for row in read_tsv(workdir / paths.SUMMARY)}
    auto = summary["pytorch_auto"]
    assert (
        auto["weights"] == "clustered fp32"
        and int(auto["size_packed_bytes"]) == chosen["objectives"]["size_packed_bytes"]
    )
    metrics = read_json(workdir / paths.EVAL["metrics"].format(target="pytorch_auto"))
    assert metrics["test_images"] == len(read_tsv(workdir / paths.EVAL["predictions"].format(target="pytorch")))
    assert metrics["search_trial"] == chosen["trial"] and metrics["search_settings"] == chosen["settings"]
    assert 0 < float(auto["accuracy"]) <= 1 and auto["mcnemar_p"] != ""

    # a finished search reruns nothing
    assert planned_jobs(workdir, config, [paths.SUMMARY]) == {}

"""The digits workflow on a real SLURM through profiles/slurm.

tests/slurm/start-local-slurm.sh brings up a single-node cluster on this machine; the shared small
digits config (conftest.py) then runs with `--profile profiles/slurm`. Checked from SLURM's own job
records: every job went through sbatch with the resources config.yaml gives its rule, and the timing
jobs had the node to themselves. The predictions must equal the local run's. Needs root, Debian's SLURM
packages and the executor plugin; skipped with the reason otherwise.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SNAKEMAKE, write_config
from snakemake.utils import validate

from compressbench.config import default_config
from compressbench.machine import host_fields

START_SCRIPT = REPO / "tests" / "slurm" / "start-local-slurm.sh"
JOBCOMP_LOG = Path("/var/log/slurm/jobcomp.log")  # JobCompLoc in start-local-slurm.sh
TIMING_RULES = {"benchmark", "benchmark_app"}  # evaluation times nothing: it may share a node
# Fewer targets than the local run (each SLURM job starts Snakemake twice), still one of each runtime
# kind that matters here: PyTorch, and OpenVINO with its benchmark_app job.
SLURM_TARGETS = ["pytorch", "openvino"]
FINISHED = re.compile(r"^Finished jobid: \d+ \(Rule: (\w+)\)$", re.MULTILINE)
SUBMITTED = re.compile(r"^Job \d+ has been submitted with SLURM jobid (\d+) ", re.MULTILINE)
QUALITY_COLUMNS = ["target", "accuracy", "f1_macro", "f1_weighted", "size_bytes", "params", "accuracy_delta_pp"]
SLURM_PROGRAMS = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol"]


def slurm_skip_reason() -> str | None:
    """Why the local cluster cannot be started here, or None when it can."""
    if not Path("/etc/debian_version").is_file():
        return "the local test cluster uses Debian's SLURM packages; this is not Debian"
    if os.geteuid() != 0:
        return "starting the local SLURM (munged, slurmctld, slurmd) needs root"
    missing = [name for name in SLURM_PROGRAMS if shutil.which(name) is None]
    if missing:
        return f"SLURM not installed (no {', '.join(missing)}): apt-get install slurmctld slurmd slurm-client munge"
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm is not installed (requirements.txt)"
    return None


def parse_record(line: str) -> dict[str, str]:
    """`Key=Value Key=Value ...` (scontrol --oneliner, jobcomp/filetxt) as a dict; values hold no spaces."""
    return dict(field.split("=", 1) for field in line.split() if "=" in field)


def job_records(workdir: Path) -> list[dict[str, str]]:
    """slurmctld's records of the jobs that ran in workdir (kept MinJobAge seconds after they end)."""
    result = subprocess.run(["scontrol", "show", "job", "--oneliner"], capture_output=True, text=True, check=True)
    records = [parse_record(line) for line in result.stdout.splitlines() if line.strip()]
    return [record for record in records if record.get("WorkDir") == str(workdir)]


def completion_records() -> dict[str, dict[str, str]]:
    """Job id -> the job completion log's record of every finished job on the cluster."""
    lines = JOBCOMP_LOG.read_text().splitlines()
    return {record["JobId"]: record for record in map(parse_record, lines) if "JobId" in record}


def rule_of(record: dict[str, str]) -> str:
    """The executor names the rule in each job's comment: rule_<name> or rule_<name>_wildcards_<values>."""
    return record["Comment"].removeprefix("rule_").split("_wildcards_")[0]


def slurm_config(workdir: Path) -> Path:
    path = write_config(workdir)
    config = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**config, "targets": SLURM_TARGETS}, allow_unicode=True))
    return path


def run_through_slurm(workdir: Path, config: Path) -> subprocess.CompletedProcess:
    outputs = ["results/summary.tsv", "results/bench/openvino/benchmark_app.json"]  # the latter: report input
    command = [*SNAKEMAKE, *outputs, "--profile", "profiles/slurm", "--configfile", str(config)]
    # Check job states often: this cluster answers at once, and the chain of jobs is long.
    command += ["--slurm-init-seconds-before-status-checks", "3"]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True)


@pytest.fixture(scope="module")
def slurm_run(tmp_path_factory):
    """The workdir of a SLURM run of the small digits config, and Snakemake's output."""
    reason = slurm_skip_reason()
    if reason:
        pytest.skip(reason)
    was_running = subprocess.run(["pgrep", "-x", "slurmctld"], capture_output=True).returncode == 0
    started = subprocess.run(["bash", str(START_SCRIPT)], capture_output=True, text=True)
    assert started.returncode == 0, started.stdout + started.stderr
    workdir = tmp_path_factory.mktemp("slurm-workflow").resolve()
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(REPO / name, workdir / name)
    for name in ("workflow", "templates", "profiles"):
        shutil.copytree(REPO / name, workdir / name)
    result = run_through_slurm(workdir, slurm_config(workdir))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    yield workdir, output
    if not was_running:  # leave the machine as the tests found it (a cluster someone started stays up)
        subprocess.run(["bash", str(START_SCRIPT), "stop"], capture_output=True, text=True, check=True)


# A search on the same cluster: its workers share one Optuna storage on the (here local) shared file system.
SEARCH = {
    "trials": 2,
    "workers": 2,
    "constraint": {"max_drop_pp": 50.0},  # the plumbing, not the model, is under test
    "space": [
        {"target": "pytorch_cluster", "settings": {"clusters": {"low": 8, "high": 32}, "cluster_finetune_epochs": 0}}
    ],
}


@pytest.fixture(scope="module")
def slurm_search(slurm_run, tmp_path_factory):
    """The workdir of a search run through the same cluster (a workdir of its own: a validation split)."""
    workdir = tmp_path_factory.mktemp("slurm-search").resolve()
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(REPO / name, workdir / name)
    for name in ("workflow", "templates", "profiles"):
        shutil.copytree(REPO / name, workdir / name)
    config = write_config(workdir, dataset={"validation_size": 200})
    values = yaml.safe_load(config.read_text())
    config.write_text(yaml.safe_dump({**values, "targets": ["pytorch"], "search": SEARCH}, allow_unicode=True))
    command = [*SNAKEMAKE, "results/search/chosen.json", "--profile", "profiles/slurm", "--configfile", str(config)]
    result = subprocess.run(
        [*command, "--slurm-init-seconds-before-status-checks", "3"], cwd=workdir, capture_output=True, text=True
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    return workdir


def test_search_workers_ran_as_separate_sbatch_jobs(slurm_search):
    records = job_records(slurm_search)
    workers = [record for record in records if rule_of(record) == "search_worker"]
    assert len(workers) == SEARCH["workers"] and len({record["JobId"] for record in workers}) == SEARCH["workers"]
    finished = completion_records()
    assert all(finished[record["JobId"]]["JobState"] == "COMPLETED" for record in workers)
    trials = read_tsv(slurm_search / "results" / "search" / "trials.tsv")
    assert {row["state"] for row in trials} == {"complete"} and len(trials) == SEARCH["trials"]
    ran = [json.loads((slurm_search / "results" / "search" / "workers" / f"{w}.json").read_text()) for w in (0, 1)]
    assert sorted(ran[0]["trials_run"] + ran[1]["trials_run"]) == list(range(SEARCH["trials"]))


def test_every_job_went_through_sbatch_with_its_resources(slurm_run):
    workdir, output = slurm_run
    records = job_records(workdir)
    submitted_rules = Counter(rule_of(record) for record in records)
    assert submitted_rules == Counter(FINISHED.findall(output))
    assert {"prepare_data", "train", "aggregate"} <= set(submitted_rules)
    assert sorted(SUBMITTED.findall(output)) == sorted(record["JobId"] for record in records)
    finished = completion_records()
    assert all(finished[record["JobId"]]["JobState"] == "COMPLETED" for record in records)
    resources = default_config()["resources"]
    train = next(record for record in records if rule_of(record) == "train")
    minutes = {**resources["default"], **resources["train"]}["runtime"]
    assert train["TimeLimit"] == f"{minutes // 60:02d}:{minutes % 60:02d}:00"
    assert train["MinMemoryNode"] == f"{resources['train']['mem_mb']}M"


def test_timing_jobs_had_the_node_to_themselves(slurm_run):
    workdir, _ = slurm_run
    records = job_records(workdir)
    finished = completion_records()
    timing = [record for record in records if rule_of(record) in TIMING_RULES]
    assert {rule_of(record) for record in timing} == TIMING_RULES
    for record in timing:
        assert record["OverSubscribe"] == "NO", record  # sbatch --exclusive
        this = finished[record["JobId"]]
        start, end = (datetime.fromisoformat(this[key]) for key in ("StartTime", "EndTime"))
        beside = [
            other["JobId"]
            for other in finished.values()
            if other["JobId"] != this["JobId"]
            and other["NodeList"] == this["NodeList"]
            and datetime.fromisoformat(other["StartTime"]) < end
            and start < datetime.fromisoformat(other["EndTime"])
        ]
        assert not beside, f"{rule_of(record)} job {this['JobId']} shared its node with jobs {beside}"


def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_same_predictions_as_a_local_run(slurm_run, workflow_copy):
    workdir, _ = slurm_run
    for target in SLURM_TARGETS:
        predictions = Path("results") / "eval" / target / "predictions.tsv"
        assert read_tsv(workdir / predictions) == read_tsv(workflow_copy / predictions), target
    cluster = read_tsv(workdir / "results" / "summary.tsv")
    local = {row["target"]: row for row in read_tsv(workflow_copy / "results" / "summary.tsv")}
    assert [row["target"] for row in cluster] == SLURM_TARGETS
    for row in cluster:
        assert {key: row[key] for key in QUALITY_COLUMNS} == {key: local[row["target"]][key] for key in QUALITY_COLUMNS}


def test_each_benchmark_names_the_node_and_job_that_measured_it(slurm_run):
    workdir, _ = slurm_run
    records = {record["JobId"]: record for record in job_records(workdir)}
    for target in SLURM_TARGETS:
        combined = json.loads((workdir / "results" / "bench" / target / "summary.json").read_text())
        assert len(combined["slurm_job_ids"]) == combined["repeats"] >= 1
        for job_id, hostname in zip(combined["slurm_job_ids"], combined["hosts_by_repeat"], strict=True):
            record = records[job_id]  # each repeat: its own sbatch job
            assert rule_of(record) == "benchmark" and f"_wildcards_{target}" in record["Comment"]
            assert hostname == record["NodeList"] and combined["cpu_model"]


def test_host_fields_name_node_cpu_and_slurm_job(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Example CPU 3000\nflags\t\t: fpu avx2\n\nprocessor\t: 1\n")
    fields = host_fields(cpuinfo, environ={"SLURM_JOB_ID": "42"})
    assert fields["cpu_model"] == "Example CPU 3000" and fields["slurm_job_id"] == "42"
    assert fields["hostname"] and host_fields(cpuinfo, environ={})["slurm_job_id"] is None


def test_resources_name_every_rule_and_only_rules():
    """Every rule of a run has its resources (a study's own rules are local: study.smk)."""
    rules = set()
    for path in (REPO / "workflow" / "rules").glob("*.smk"):
        if path.name != "study.smk":
            lines = path.read_text().splitlines()
            rules |= {line.split()[1].rstrip(":") for line in lines if line.startswith("rule ")}
    config = default_config()
    assert set(config["resources"]) - {"default"} == rules
    config["resources"]["trian"] = {"mem_mb": 1000}
    with pytest.raises(Exception, match="trian"):
        validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))

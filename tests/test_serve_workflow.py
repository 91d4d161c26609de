"""The serve rules in the workflow: planned only when enabled, one timing job per served target and
repeat, and a short real run on the digits data (the shared run of conftest.workflow_copy)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml
from conftest import SNAKEMAKE, TEST_CONFIG, copy_workflow, planned_jobs

from compressbench import paths
from compressbench.analysis import Findings, serve
from compressbench.serve import analysis
from compressbench.serve.summary import COMBINED_COLUMNS
from compressbench.tables import read_json, read_tsv

QUICK_SERVE = {
    "enabled": True,
    "targets": ["onnxruntime"],
    "repeats": 1,
    "step_seconds": 0.3,
    "probe_seconds": 0.2,
    "auto_fractions": [0.2, 1.0, 2.0],
    "parity_images": 50,
}


def serve_config(workdir: Path, **serve) -> Path:
    """The tests' digits config with a serve section (its own file: other tests rewrite theirs)."""
    config = yaml.safe_load(TEST_CONFIG.read_text())
    config["serve"] = serve
    path = workdir / "serve-config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_serve_jobs_are_planned_only_when_enabled(tmp_path):
    workdir = copy_workflow(tmp_path)
    assert "serve" not in planned_jobs(workdir, serve_config(workdir), targets=[])
    enabled = serve_config(workdir, enabled=True, targets=["onnxruntime", "openvino"], repeats=2)
    jobs = planned_jobs(workdir, enabled, targets=[])
    assert jobs["serve"] == 4 and jobs["serve_summary"] == 2


def server_processes(folder: Path) -> list[str]:
    """Command lines of running `compressbench.serve` processes serving from `folder`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "compressbench.serve" in command and str(folder) in command:
            found.append(command)
    return found


def test_serve_end_to_end_on_digits(workflow_copy):
    config = serve_config(workflow_copy, **QUICK_SERVE)
    summary_path = workflow_copy / paths.for_target(paths.SERVE["summary"], "onnxruntime")
    result = subprocess.run(
        [*SNAKEMAKE, str(summary_path.relative_to(workflow_copy)), "--cores", "2", "--configfile", str(config)],
        cwd=workflow_copy,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert not server_processes(workflow_copy)  # the job stopped its servers

    rows = read_tsv(workflow_copy / paths.for_target(paths.SERVE["load"], "onnxruntime"))
    assert list(rows[0]) == COMBINED_COLUMNS
    phases = {(row["phase"], row["batching"]) for row in rows}
    assert phases == {("noop", "on"), ("binary", "on"), ("sweep", "on"), ("sweep", "off")}
    steps = analysis.read_steps(workflow_copy / paths.for_target(paths.SERVE["load"], "onnxruntime"))
    assert all(step.accounted and step.sent > 0 for step in steps)

    summary = read_json(summary_path)
    assert summary["parity"] == {"images": 50, "agree": 50, "failed": 0}
    assert summary["threads"] == 1 and summary["cpus"]["separate"] is True
    assert summary["accounting"]["all_accounted"] is True
    assert summary["service_overhead"]["inprocess_metric"] in ("latency_p50_ms", "latency_1thread_p50_ms")
    assert summary["time_split"]["client_p50_ms"] > 0 and summary["noop_ceiling_rps"]["median"] > 0
    assert {"on", "off"} == set(summary["capacity"])
    run = read_json(workflow_copy / "results/serve/onnxruntime/repeat0/run.json")
    assert [server["batching"] for server in run["servers"]] == ["on", "off"]
    assert all(server["recovery"]["ok"] == server["recovery"]["requests"] for server in run["servers"])
    assert all(step.p99_sent_ms <= step.p99_ms + 1e-9 for step in steps if step.ok)  # sends are never early

    # the report's findings read these very files (the analyze rule does the same when the run serves)
    found = Findings(serve.findings(serve.read(["onnxruntime"], workflow_copy)))
    assert (
        found.body("serve.setup").targets == ["onnxruntime"] and found.body("serve.overload.onnxruntime").all_accounted
    )
    assert {row.batching for row in found.body("serve.load.onnxruntime").rows} == {"on", "off"}

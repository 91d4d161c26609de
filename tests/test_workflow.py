"""End to end: `snakemake` on a small digits config produces every promised output."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import zipfile

import pytest
from conftest import E2E_REPEATS, E2E_TARGETS, SNAKEMAKE, write_config

from compressbench.report.latex import engine_available

SUMMARY_COLUMNS = [
    "target", "runtime", "accuracy", "precision_macro", "recall_macro", "f1_macro", "precision_weighted",
    "recall_weighted", "f1_weighted", "size_bytes", "params", "test_set_seconds", "latency_p50_ms",
    "latency_p99_ms", "throughput_ips", "batch_size_best", "accuracy_delta_pp", "compression_ratio", "method",
    "reference",
]  # fmt: skip


def read_tsv(path):
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_summary_has_a_row_per_target_with_public_columns(workflow_copy):
    rows = read_tsv(workflow_copy / "results" / "summary.tsv")
    assert [row["target"] for row in rows] == E2E_TARGETS
    assert set(SUMMARY_COLUMNS) <= set(rows[0])
    by_target = {row["target"]: row for row in rows}
    assert by_target["openvino"]["runtime"] == "openvino"
    assert by_target["openvino"]["precision"] == "f32"
    assert by_target["onnxruntime_int8"]["precision"] == "int8"  # what ran: the graph is quantized
    assert float(by_target["pytorch"]["accuracy_delta_pp"]) == 0.0
    assert int(by_target["pytorch"]["params"]) == 61_706  # LeNet-5 on 1x32x32, 10 classes
    assert float(by_target["onnxruntime_int8"]["compression_ratio"]) > 2.5
    for row in rows:
        assert 0.0 < float(row["accuracy"]) <= 1.0
        assert float(row["latency_p50_ms"]) > 0 and float(row["throughput_ips"]) > 0


def test_predictions_and_parity_per_target(workflow_copy):
    for target in E2E_TARGETS:
        predictions = read_tsv(workflow_copy / "results" / "eval" / target / "predictions.tsv")
        assert {"index", "label", "prediction"} <= set(predictions[0])
        parity = read_tsv(workflow_copy / "results" / "eval" / target / "parity.tsv")[0]
        assert float(parity["agreement"]) >= float(parity["threshold"])


def test_benchmark_keeps_raw_timings(workflow_copy):
    bench = workflow_copy / "results" / "bench" / "openvino"
    latencies = read_tsv(bench / "latency.tsv")
    summary = json.loads((bench / "summary.json").read_text())
    assert len(latencies) == summary["latency_calls"] >= 50
    assert summary["threads"] >= 1 and summary["precision"] == "f32"
    # OpenVINO's own timer of the same calls: the inference inside each call, so never above the wall clock
    assert 0 < summary["latency_runtime_timer_p50_ms"] <= summary["latency_p50_ms"]
    app = json.loads((bench / "benchmark_app.json").read_text())  # one benchmark_app job per repeat, combined
    assert app["repeats"] == E2E_REPEATS and app["comparison"][0]["benchmark_app_repeats"] == E2E_REPEATS
    assert json.loads((workflow_copy / "results" / "environment.json").read_text())


def timing_jobs_in_start_order(workdir) -> list[tuple[str, str, int]]:
    """(rule, target, repeat) of every benchmark and benchmark_app job of the first run that had any
    (the fixture's; later tests rerun parts of the workflow), in the order the run started them."""
    job = r"^(?:local)?rule (benchmark|benchmark_app):\n(?:    .*\n)*?    wildcards: target=(\w+), repeat=(\d+)"
    for log in sorted((workdir / ".snakemake" / "log").glob("*.snakemake.log")):
        jobs = re.findall(job, log.read_text(), flags=re.M)
        if jobs:
            return [(rule, target, int(repeat)) for rule, target, repeat in jobs]
    return []


def test_rounds_run_in_order_and_benchmark_app_right_after_its_repeat(workflow_copy):
    jobs = timing_jobs_in_start_order(workflow_copy)
    assert len([job for job in jobs if job[0] == "benchmark"]) == E2E_REPEATS * len(E2E_TARGETS)
    assert [repeat for _, _, repeat in jobs] == sorted(repeat for _, _, repeat in jobs)  # round by round
    apps = [i for i, job in enumerate(jobs) if job[0] == "benchmark_app"]
    assert apps and all(jobs[i - 1] == ("benchmark", *jobs[i][1:]) for i in apps)


def test_reports_are_written(workflow_copy):
    markdown = (workflow_copy / "reports" / "report.md").read_text(encoding="utf-8")
    assert "| " in markdown and "figures/" in markdown
    for line in markdown.splitlines():
        if line.startswith("![") and "](" in line:
            assert (workflow_copy / "reports" / line.split("](")[1].split(")")[0]).is_file()
    with zipfile.ZipFile(workflow_copy / "reports" / "report-latex.zip") as archive:
        names = archive.namelist()
    assert "report.tex" in names and any(name.endswith(".pdf") for name in names)


@pytest.mark.skipif(not engine_available(), reason="no TeX engine installed (setup.sh --with-tex)")
def test_pdf_is_built_without_missing_characters(workflow_copy):
    pdf = workflow_copy / "reports" / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    log = (workflow_copy / "logs" / "report" / "pdf.log").read_text(encoding="utf-8", errors="replace")
    assert "Missing character" not in log


def test_snakemake_html_report(workflow_copy):
    config = write_config(workflow_copy)
    html = workflow_copy / "reports" / "workflow-report.html"
    result = subprocess.run(
        [*SNAKEMAKE, "--report", str(html), "--cores", "1", "--configfile", str(config)],
        cwd=workflow_copy,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert html.stat().st_size > 10_000


def test_every_traced_sentence_rests_on_a_finding_in_findings_json(workflow_copy):
    """The Markdown report names, after each paragraph, the findings it states: each is in findings.json,
    and the findings the report needs (leaders, the averaging verdict) are there."""
    import re

    findings = {f["id"]: f for f in json.loads((workflow_copy / "results" / "findings.json").read_text())}
    markdown = (workflow_copy / "reports" / "report.md").read_text(encoding="utf-8")
    traced = {i for ids in re.findall(r"<!-- findings: ([^>]*) -->", markdown) for i in ids.split(", ")}
    assert traced and traced <= set(findings)
    assert {"speed.leader.latency", "quality.averaging"} <= traced
    assert all(
        f["outcome"] in ("resolved", "not_resolved", "not_measured", "not_applicable", "measured")
        for f in findings.values()
    )

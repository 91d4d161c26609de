"""Rerun behaviour: report settings rerun only the report rules; training settings rerun training
and everything after it, not data preparation; a compression setting rebuilds only the compressed
targets; the preparation's timing settings rerun only the export and the builds that read them (and what
follows them). Uses the shared digits run (conftest.py) and Snakemake dry runs."""

from __future__ import annotations

import pytest
from conftest import E2E_REPEATS, E2E_TARGETS, planned_jobs, write_config

from compressbench.targets import TARGETS

REPORT_RULES = {"report_plots", "render_report", "report_pdf", "report_zip"}


def test_nothing_to_do_after_a_run(workflow_copy):
    assert planned_jobs(workflow_copy, write_config(workflow_copy)) == {}


@pytest.mark.parametrize("change", [{"language": "en"}, {"title": "Новый # заголовок"}, {"author": "A & B"}])
def test_report_settings_rerun_only_report_rules(workflow_copy, change):
    rules = set(planned_jobs(workflow_copy, write_config(workflow_copy, report=change)))
    assert rules and rules <= REPORT_RULES, rules
    assert "render_report" in rules and "report_plots" in rules


def test_training_settings_rerun_training_and_after_but_not_data(workflow_copy):
    rules = set(planned_jobs(workflow_copy, write_config(workflow_copy, train={"epochs": 3})))
    assert {"train", "evaluate", "benchmark", "aggregate", "render_report"} <= rules, rules
    assert "prepare_data" not in rules


def test_compression_settings_rebuild_only_compressed_targets(workflow_copy):
    jobs = planned_jobs(workflow_copy, write_config(workflow_copy, compression={"calibration_size": 40}))
    assert jobs["build_target"] == 1 and jobs["evaluate"] == 1 and jobs["benchmark"] == E2E_REPEATS, jobs
    assert "train" not in jobs and "export_onnx" not in jobs


def test_the_build_timing_budget_rebuilds_the_targets_not_the_export(workflow_copy):
    jobs = planned_jobs(workflow_copy, write_config(workflow_copy, preparation={"build_budget_seconds": 0.5}))
    assert jobs["build_target"] == len(E2E_TARGETS), jobs
    assert not {"train", "export_onnx"} & set(jobs), jobs


def test_preparation_timings_rerun_the_export_and_the_builds_not_training(workflow_copy):
    jobs = planned_jobs(workflow_copy, write_config(workflow_copy, preparation={"timings": 3}))
    assert jobs["export_onnx"] == 1 and jobs["build_target"] == len(E2E_TARGETS), jobs
    assert not {"prepare_data", "train"} & set(jobs), jobs


def test_one_more_benchmark_repeat_runs_only_the_new_repeat(workflow_copy):
    jobs = planned_jobs(workflow_copy, write_config(workflow_copy, benchmark={"repeats": E2E_REPEATS + 1}))
    assert jobs["benchmark"] == len(E2E_TARGETS) and jobs["benchmark_summary"] == len(E2E_TARGETS), jobs
    app = [t for t in E2E_TARGETS if TARGETS[t].runtime == "openvino"]  # benchmark_app runs with each repeat
    assert "evaluate" not in jobs and jobs.get("benchmark_app", 0) == len(app), jobs
    assert jobs.get("benchmark_app_summary", 0) == len(app), jobs


def test_evaluation_settings_rerun_no_benchmark(workflow_copy):
    jobs = planned_jobs(workflow_copy, write_config(workflow_copy, evaluate={"bootstrap_seed": 1}))
    assert jobs["evaluate"] == len(E2E_TARGETS) and "benchmark" not in jobs, jobs


def test_runtime_threads_rerun_evaluation_and_benchmarks_not_training(workflow_copy):
    from compressbench.config import default_config, thread_count
    from compressbench.machine import usable_cpus

    other = 1 if thread_count(default_config()) != 1 else 2  # a count other than the default's
    if other > usable_cpus():
        pytest.skip("one CPU: no other thread count to ask for")
    jobs = planned_jobs(workflow_copy, write_config(workflow_copy, runtime={"threads": other}))
    assert "evaluate" in jobs and "benchmark" in jobs, jobs
    assert not {"prepare_data", "train", "build_target", "export_onnx"} & set(jobs), jobs
    assert "train" in planned_jobs(workflow_copy, write_config(workflow_copy, train={"threads": other}))

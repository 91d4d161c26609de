import os
import sys

sys.path.insert(0, workflow.basedir)

from compressbench import paths
from compressbench.config import (
    ConfigError,
    compute_claim,
    parity_threshold,
    thread_count,
    validate_config,
)
from compressbench.machine import usable_cpus
from compressbench.report import workflow as report_workflow
from compressbench.targets import TARGETS, runtime_options

from compressbench.runlock import other_run_note

if workflow.is_main_process and other_run_note():
    print(other_run_note(), file=sys.stderr)

# The schema fills every default; then the checks it cannot express. Errors name the key.
try:
    validate_config(config)
except ConfigError as error:
    raise WorkflowError(f"config: {error}") from None

TARGET_NAMES = config["targets"]
THREADS = thread_count(config)


wildcard_constraints:
    target="|".join(TARGETS),


def openvino_targets(config):
    return [name for name in config["targets"] if TARGETS[name].runtime == "openvino"]


def benchmark_app_targets(config):
    """Configured OpenVINO targets, when the benchmark_app cross-check is on."""
    return openvino_targets(config) if config["benchmark"]["benchmark_app"] else []


def profile_files(config):
    """Each target's per-layer profile (profile.smk), when profile.enabled."""
    if not config["profile"]["enabled"]:
        return []
    return expand(list(paths.PROFILE.values()), target=config["targets"])


def report_inputs(config):
    return report_workflow.result_inputs(
        config["targets"], benchmark_app_targets(config)
    )


def report_figures(config):
    return report_workflow.figure_names(bool(benchmark_app_targets(config)))


def result_files(config):
    """Every result file the report stands on, also those it reads only through summaries (raw
    timings, predictions). Snakemake does not rebuild a missing intermediate file while the files
    made from it are up to date, so one removed by an interrupted run (or deleted) would stay
    missing under an unchanged report: `all` asks for them all, so the next plain run rebuilds it
    and then the summary and report that quote it."""
    targets = config["targets"]
    repeats = range(config["benchmark"]["repeats"])
    per_target = [
        *paths.EVAL.values(),
        *(p for k, p in paths.BENCH.items() if k != "benchmark_app"),
    ]
    return [
        paths.DATASET,
        paths.DATASET_SUMMARY,
        paths.WEIGHTS,
        paths.SPEC,
        paths.TRAIN_LOG,
        paths.ONNX,
        paths.ENVIRONMENT,
        *paths.for_targets(paths.MODEL_DIR, targets),
        *(
            path
            for pattern in per_target
            for path in paths.for_targets(pattern, targets)
        ),
        *expand(list(paths.BENCH_REPEAT.values()), target=targets, repeat=repeats),
        *paths.for_targets(paths.BENCH["benchmark_app"], benchmark_app_targets(config)),
        *profile_files(config),
    ]


def get_final_output(config):
    return [
        *result_files(config),
        paths.SUMMARY,
        paths.REPORT_MD,
        paths.REPORT_PDF,
        paths.REPORT_ZIP,
    ]


def target_runtime_options(wildcards):
    return runtime_options(
        TARGETS[wildcards.target], config["runtime"]["openvino_precision"]
    )


def build_inputs(wildcards):
    target = TARGETS[wildcards.target]
    inputs = {"weights": paths.WEIGHTS, "spec": paths.SPEC}
    if target.needs_onnx:
        inputs["onnx"] = paths.ONNX
    if target.needs_data:
        inputs["data"] = paths.DATASET
    if target.base:  # a chain step builds on another target's folder
        inputs["base"] = paths.for_target(paths.MODEL_DIR, target.base)
    return inputs


def target_build_settings(wildcards):
    """Only the settings a target's build reads, so other changes don't rebuild it."""
    settings = dict(config["export"])
    if TARGETS[wildcards.target].needs_data:
        settings.update(config["compression"])
    return settings


def job_resources(rule_name):
    """What one job of `rule_name` asks a cluster for (resources.<rule_name> over resources.default).

    Unset (null) entries are left out: no GPU is requested unless e.g. resources.train.gres is set.
    """
    section = config["resources"]
    merged = {**section.get("default", {}), **section.get(rule_name, {})}
    return {key: value for key, value in merged.items() if value is not None}


# Timing jobs (benchmark, benchmark_app, profile) must not share the CPU. Run locally, they claim
# every core Snakemake may use (--cores), so nothing runs beside them. Submitted to a cluster without
# --cores (the SLURM profile) there is no such total: they ask for the threads their runtimes use and
# get their node to themselves through resources.<rule>.slurm_extra (--exclusive).
TIMING_THREADS = workflow.resource_settings.cores or THREADS
# Compute jobs (train, build, evaluate) run side by side only as far as the CPUs allow.
COMPUTE_THREADS = compute_claim(
    THREADS, workflow.resource_settings.cores, usable_cpus()
)


BENCH_REPEATS = list(range(config["benchmark"]["repeats"]))


def benchmark_priority(wildcards):
    """Round robin: every target's repeat r runs before any repeat r + 1, and benchmark jobs wait
    while any other job is ready (those have priority 0), so a machine that changes state mid-run
    affects every target alike. Priorities only order jobs: no target waits on another's files.
    """
    return -1 - int(wildcards.repeat)

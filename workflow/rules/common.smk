import os
import sys

sys.path.insert(0, workflow.basedir)

from compressbench import paths
from compressbench.config import (
    ConfigError,
    compute_claim,
    data_params,
    parity_threshold,
    served_targets,
    thread_count,
    validate_config,
)
from compressbench.architectures import model_source_digest
from compressbench.benchmark import full_rounds
from compressbench.machine import usable_cpus
from compressbench.report import workflow as report_workflow
from compressbench.run_files import (
    benchmark_app_targets,
    profiled_targets,
    result_files,
)
from compressbench.targets import TARGETS, TRAINED, runtime_options

from compressbench.runlock import other_run_note

if workflow.is_main_process and other_run_note():
    print(other_run_note(), file=sys.stderr)

# The schema fills every default; then the checks it cannot express. Errors name the key.
try:
    validate_config(config)
except ConfigError as error:
    raise WorkflowError(f"config: {error}") from None

TARGET_NAMES = config["targets"]
THREADS = thread_count(config)  # the runtimes' (evaluation, benchmarks)
TRAIN_THREADS = thread_count(config, "train")  # training and the targets' builds


wildcard_constraints:
    target="|".join(TARGETS),


def report_inputs(config):
    return report_workflow.result_inputs(
        config["targets"], benchmark_app_targets(config)
    )


def serving(config):
    """The served targets when the run serves (serve.enabled), else none."""
    return served_targets(config) if config["serve"]["enabled"] else []


def analysis_inputs(config):
    return report_workflow.analysis_inputs(
        config["targets"],
        benchmark_app_targets(config),
        profiled=profiled_targets(config),
        search="search" in config,
        served=serving(config),
    )


def report_figures(config):
    return report_workflow.figure_names(
        bool(benchmark_app_targets(config)),
        search="search" in config,
        serve=bool(serving(config)),
    )


def model_source_param(name):
    """A bring-your-own model's code as a param of training, so editing it retrains (a registry
    model has none: no param, so its runs' recorded params stay as they were)."""
    digest = model_source_digest(name)
    return {} if digest is None else {"model_source": digest}


def serve_files(config):
    """The serve outputs of every served target and repeat, when serve.enabled."""
    served = serving(config)
    if not served:
        return []
    return [
        *(
            path
            for pattern in paths.SERVE.values()
            for path in paths.for_targets(pattern, served)
        ),
        *expand(
            list(paths.SERVE_REPEAT.values()),
            target=served,
            repeat=range(config["serve"]["repeats"]),
        ),
    ]


def search_files(config):
    """A search's tables and choice (its variant's target is one of config["targets"])."""
    if "search" not in config:
        return []
    return [paths.SEARCH_TRIALS, paths.SEARCH_PARETO, paths.SEARCH_CHOSEN]


def get_final_output(config):
    return [
        *result_files(config),
        *serve_files(config),
        *search_files(config),
        paths.SUMMARY,
        paths.SUMMARY_JSON,
        paths.FINDINGS,
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
    if target.built_from:  # a chain step builds on another target's folder
        inputs["source"] = paths.for_target(paths.MODEL_DIR, target.built_from)
    if target.from_search:  # the variant a search chose
        inputs["chosen"] = paths.SEARCH_CHOSEN
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
# Compute jobs (data, train, build, evaluate) run side by side only as far as the CPUs allow.
COMPUTE_THREADS = compute_claim(
    TRAIN_THREADS, workflow.resource_settings.cores, usable_cpus()
)
EVALUATE_THREADS = compute_claim(
    THREADS, workflow.resource_settings.cores, usable_cpus()
)


BENCH_REPEATS = list(range(config["benchmark"]["repeats"]))
# the first rounds are full (compressbench.benchmark.full_rounds): benchmark_app runs in those
BENCH_APP_REPEATS = list(range(full_rounds(config["benchmark"])))


def benchmark_priority(wildcards):
    """Round robin: every target's repeat r runs before any repeat r + 1, and benchmark jobs wait
    while any other job is ready (those have priority 0), so a machine that changes state mid-run
    affects every target alike. Priorities only order jobs: no target waits on another's files.
    """
    return -2 - 2 * int(wildcards.repeat)


def benchmark_app_priority(wildcards):
    """One above its round's repeats: benchmark_app runs right after the repeat it is paired with
    (it needs that repeat's summary), before the round's other targets, so the two see the machine
    in the same state (compressbench.benchmark_app compares them round by round)."""
    return benchmark_priority(wildcards) + 1


# below every benchmark and benchmark_app job (profile, serve)
AFTER_BENCHMARKS = -2 - 2 * len(BENCH_REPEATS)


SERVE_REPEATS = list(range(config["serve"]["repeats"]))


def serve_priority(wildcards):
    """After every benchmark repeat and benchmark_app (see benchmark_priority); round robin over
    the served targets' repeats, as the benchmark jobs run."""
    return AFTER_BENCHMARKS - 1 - int(wildcards.repeat)

import os
import sys

sys.path.insert(0, workflow.basedir)

from compressbench.config import (
    ConfigError,
    check_config,
    parity_threshold,
    thread_count,
)
from compressbench.targets import TARGETS, runtime_options

try:
    check_config(config)
except ConfigError as error:
    raise WorkflowError(f"config: {error}") from None

TARGET_NAMES = config["targets"]
THREADS = thread_count(config)


wildcard_constraints:
    target="|".join(TARGETS),


def target_runtime_options(wildcards):
    return runtime_options(
        TARGETS[wildcards.target], config["runtime"]["openvino_precision"]
    )


def build_inputs(wildcards):
    target = TARGETS[wildcards.target]
    inputs = {"weights": "results/model/weights.pt", "spec": "results/model/spec.json"}
    if target.needs_onnx:
        inputs["onnx"] = "results/onnx/model.onnx"
    if target.needs_data:
        inputs["data"] = "results/data/dataset.npz"
    return inputs


def target_build_settings(wildcards):
    """Only the settings a target's build reads, so other changes don't rebuild it."""
    settings = dict(config["export"])
    if TARGETS[wildcards.target].needs_data:
        settings.update(config["compression"])
    return settings


def job_resources(rule_name):
    """What one job of the rule asks a cluster for: config resources.default, then resources.<rule>.

    Unset (null) entries are left out: no GPU is requested unless e.g. resources.train.gres is set.
    """
    section = config["resources"]
    merged = {**section.get("default", {}), **section.get(rule_name, {})}
    return {key: value for key, value in merged.items() if value is not None}


# Timing jobs (evaluate, benchmark, benchmark_app) must not share the CPU. Run locally, they claim
# every core Snakemake may use (--cores), so nothing runs beside them. Submitted to a cluster without
# --cores (the SLURM profile) there is no such total: they ask for the threads their runtimes use and
# get their node to themselves through resources.<rule>.slurm_extra (--exclusive).
TIMING_THREADS = workflow.resource_settings.cores or THREADS

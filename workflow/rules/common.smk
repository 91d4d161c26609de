import os
import sys

sys.path.insert(0, workflow.basedir)

from compressbench import paths
from compressbench.config import (
    ConfigError,
    parity_threshold,
    thread_count,
    validate_config,
)
from compressbench.report import workflow as report_workflow
from compressbench.targets import TARGETS, runtime_options

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


def report_inputs(config):
    return report_workflow.result_inputs(
        config["targets"], benchmark_app_targets(config)
    )


def report_figures(config):
    return report_workflow.figure_names(bool(benchmark_app_targets(config)))


def get_final_output(config):
    return [
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
    return inputs


def target_build_settings(wildcards):
    """Only the settings a target's build reads, so other changes don't rebuild it."""
    settings = dict(config["export"])
    if TARGETS[wildcards.target].needs_data:
        settings.update(config["compression"])
    return settings

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

from compressbench.runlock import other_run_note

if workflow.is_main_process and other_run_note():
    print(other_run_note(), file=sys.stderr)

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

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
    if target.base:  # a chain step builds on another target's folder
        inputs["base"] = f"results/models/{target.base}"
    return inputs


def target_build_settings(wildcards):
    """Only the settings a target's build reads, so other changes don't rebuild it."""
    settings = dict(config["export"])
    if TARGETS[wildcards.target].needs_data:
        settings.update(config["compression"])
    return settings

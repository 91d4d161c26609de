import sys

sys.path.insert(0, workflow.basedir)

from compressbench.config import ConfigError, check_config, parity_threshold, thread_count
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
    return runtime_options(TARGETS[wildcards.target], config["runtime"]["openvino_precision"])

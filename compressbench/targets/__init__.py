"""Target registry.

A target is a model artifact plus the runtime that executes it. Adding one is a small
module with a ``build(ctx, out_dir)`` function and one ``TargetSpec`` line below;
evaluation, parity check, benchmark and report pick it up from here.
Importing this module is cheap (no torch/openvino): the Snakefile reads it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from ..runtimes.options import options_from

BASE_PARITY = 0.999
LOSSY_PARITY = 0.97
# Pruning + fine-tuning makes a new model: on CIFAR-10 LeNet-5 (64% accurate, many borderline
# images) 50% pruned and fine-tuned it agrees with FP32 on ~90% of test predictions at -0.1 pp
# accuracy. Parity here only catches a broken build; accuracy_delta_pp judges the variant.
RETRAINED_PARITY = 0.85


@dataclass(frozen=True)
class TargetSpec:
    name: str
    runtime: str  # pytorch | onnxruntime | openvino
    builder: str  # "module:function" called as build(ctx, out_dir)
    label: str  # short human name for tables
    weights: str  # how weights are stored: fp32, fp16, int8, sparse fp32
    needs_onnx: bool = False  # built from the FP32 ONNX model
    needs_data: bool = False  # calibration or fine-tuning images
    parity_threshold: float = BASE_PARITY
    # Fixed options of the runtime (keys of its class in runtimes/options.py); OpenVINO targets
    # without an inference_precision follow config runtime.openvino_precision.
    runtime_options: dict = field(default_factory=dict)

    def __post_init__(self):
        options_from(self.runtime, runtime_options(self, "f32"))  # a typo fails at import, naming it


def runtime_options(spec: TargetSpec, openvino_precision: str) -> dict:
    """Options for the target's runtime as a plain dict (Snakemake params; runtimes.open_runtime
    types them): the target's fixed ones, and config's precision for the other OpenVINO targets."""
    options = dict(spec.runtime_options)
    if spec.runtime == "openvino":
        options.setdefault("inference_precision", openvino_precision)
    return options


TARGETS = {
    spec.name: spec
    for spec in [
        TargetSpec("pytorch", "pytorch", "compressbench.targets.pytorch_fp32:build", "PyTorch", "fp32"),
        TargetSpec(
            "onnxruntime",
            "onnxruntime",
            "compressbench.targets.onnx_fp32:build",
            "ONNX Runtime",
            "fp32",
            needs_onnx=True,
        ),
        TargetSpec(
            "openvino",
            "openvino",
            "compressbench.targets.openvino_ir:build_fp16_weights",
            "OpenVINO",
            "fp16",
            needs_onnx=True,
        ),
        TargetSpec(
            "openvino_fp32",
            "openvino",
            "compressbench.targets.openvino_ir:build_fp32_weights",
            "OpenVINO FP32",
            "fp32",
            needs_onnx=True,
        ),
        TargetSpec(
            "openvino_bf16",
            "openvino",
            "compressbench.targets.openvino_ir:build_fp16_weights",
            "OpenVINO BF16",
            "fp16",
            needs_onnx=True,
            parity_threshold=LOSSY_PARITY,
            runtime_options={"inference_precision": "bf16"},
        ),
        TargetSpec(
            "openvino_int8",
            "openvino",
            "compressbench.targets.openvino_int8:build",
            "OpenVINO INT8",
            "int8",
            needs_onnx=True,
            needs_data=True,
            parity_threshold=LOSSY_PARITY,
            runtime_options={"inference_precision": "f32"},  # int8 layers run int8; the rest stays f32
        ),
        TargetSpec(
            "onnxruntime_int8",
            "onnxruntime",
            "compressbench.targets.onnxruntime_int8:build",
            "ONNX Runtime INT8",
            "int8",
            needs_onnx=True,
            needs_data=True,
            parity_threshold=LOSSY_PARITY,
        ),
        TargetSpec(
            "pytorch_pruned",
            "pytorch",
            "compressbench.targets.pytorch_pruned:build",
            "PyTorch pruned",
            "sparse fp32",
            needs_data=True,
            parity_threshold=RETRAINED_PARITY,
        ),
        TargetSpec(
            "pytorch_int8",
            "pytorch",
            "compressbench.targets.pytorch_int8:build",
            "PyTorch INT8",
            "int8",
            needs_data=True,
            parity_threshold=LOSSY_PARITY,
            runtime_options={"quantized": True},
        ),
    ]
}


def get_target(name: str) -> TargetSpec:
    if name not in TARGETS:
        raise KeyError(f"target {name!r}: unknown (known: {', '.join(TARGETS)})")
    return TARGETS[name]


def builder(spec: TargetSpec):
    module_name, function_name = spec.builder.split(":")
    return getattr(importlib.import_module(module_name), function_name)

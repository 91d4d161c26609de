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
# A narrower network (channels pruned away, a width-multiplied student) is a different model of a
# quarter of the parameters: it can disagree with LeNet-5 on many borderline CIFAR-10 images while
# being nearly as accurate. Parity then only catches a broken build (chance level is 1/classes);
# accuracy_delta_pp and the students' comparison judge the method.
NARROWER_PARITY = 0.5


@dataclass(frozen=True)
class TargetSpec:
    name: str
    runtime: str  # pytorch | onnxruntime | openvino | torchscript
    builder: str  # "module:function" called as build(ctx, out_dir)
    label: str  # short human name for tables
    weights: str  # how weights are stored: fp32, fp16, int8, sparse fp32
    needs_onnx: bool = False  # built from the FP32 ONNX model
    needs_data: bool = False  # calibration or fine-tuning images
    parity_threshold: float = BASE_PARITY
    # Fixed options of the runtime (keys of its class in runtimes/options.py); OpenVINO targets
    # without an inference_precision follow config runtime.openvino_precision.
    runtime_options: dict = field(default_factory=dict)
    base: str | None = None  # built from this target's folder (a chain step), e.g. INT8 of a pruned model

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
        TargetSpec(
            "torchscript",
            "torchscript",
            "compressbench.targets.torchscript:build",
            "TorchScript",
            "fp32",
        ),
        # Structured pruning: a narrower dense network, the same one in every runtime.
        TargetSpec(
            "pytorch_struct",
            "pytorch",
            "compressbench.targets.pytorch_struct:build",
            "PyTorch struct-pruned",
            "fp32",
            needs_data=True,
            parity_threshold=NARROWER_PARITY,
        ),
        TargetSpec(
            "onnxruntime_struct",
            "onnxruntime",
            "compressbench.targets.derived:export_base_onnx",
            "ONNX Runtime struct-pruned",
            "fp32",
            parity_threshold=NARROWER_PARITY,
            base="pytorch_struct",
        ),
        TargetSpec(
            "openvino_struct",
            "openvino",
            "compressbench.targets.openvino_ir:build_fp16_weights",
            "OpenVINO struct-pruned",
            "fp16",
            parity_threshold=NARROWER_PARITY,
            base="onnxruntime_struct",
        ),
        TargetSpec(
            "torchscript_struct",
            "torchscript",
            "compressbench.targets.torchscript:build",
            "TorchScript struct-pruned",
            "fp32",
            parity_threshold=NARROWER_PARITY,
            base="pytorch_struct",
        ),
        TargetSpec(
            "openvino_struct_int8",
            "openvino",
            "compressbench.targets.openvino_int8:build",
            "OpenVINO struct-pruned INT8",
            "int8",
            needs_data=True,
            parity_threshold=NARROWER_PARITY,
            runtime_options={"inference_precision": "f32"},
            base="onnxruntime_struct",
        ),
        # Knowledge distillation: a width-multiplied student, and the same student on labels alone.
        TargetSpec(
            "pytorch_distill",
            "pytorch",
            "compressbench.targets.pytorch_distill:build_distilled",
            "PyTorch distilled student",
            "fp32",
            needs_data=True,
            parity_threshold=NARROWER_PARITY,
        ),
        TargetSpec(
            "pytorch_student_labels",
            "pytorch",
            "compressbench.targets.pytorch_distill:build_labels_only",
            "PyTorch student (labels only)",
            "fp32",
            needs_data=True,
            parity_threshold=NARROWER_PARITY,
        ),
        TargetSpec(
            "onnxruntime_distill",
            "onnxruntime",
            "compressbench.targets.derived:export_base_onnx",
            "ONNX Runtime distilled student",
            "fp32",
            parity_threshold=NARROWER_PARITY,
            base="pytorch_distill",
        ),
        TargetSpec(
            "openvino_distill_int8",
            "openvino",
            "compressbench.targets.openvino_int8:build",
            "OpenVINO distilled student INT8",
            "int8",
            needs_data=True,
            parity_threshold=NARROWER_PARITY,
            runtime_options={"inference_precision": "f32"},
            base="onnxruntime_distill",
        ),
        # Weight clustering: k-means shared weights; the dequantized model runs, the packed one is sized.
        TargetSpec(
            "pytorch_cluster",
            "pytorch",
            "compressbench.targets.pytorch_cluster:build",
            "PyTorch clustered",
            "clustered fp32",
            needs_data=True,
            parity_threshold=RETRAINED_PARITY,
        ),
        TargetSpec(
            "onnxruntime_cluster",
            "onnxruntime",
            "compressbench.targets.derived:export_base_onnx",
            "ONNX Runtime clustered",
            "clustered fp32",
            parity_threshold=RETRAINED_PARITY,
            base="pytorch_cluster",
        ),
        TargetSpec(
            "openvino_cluster",
            "openvino",
            "compressbench.targets.openvino_ir:build_fp32_weights",  # fp16 would round the shared values
            "OpenVINO clustered",
            "clustered fp32",
            parity_threshold=RETRAINED_PARITY,
            base="onnxruntime_cluster",
        ),
        TargetSpec(
            "openvino_cluster_int8",
            "openvino",
            "compressbench.targets.openvino_int8:build",
            "OpenVINO clustered INT8",
            "int8",
            needs_data=True,
            parity_threshold=RETRAINED_PARITY,
            runtime_options={"inference_precision": "f32"},
            base="onnxruntime_cluster",
        ),
        # Quantization-aware training, to compare with post-training openvino_int8.
        TargetSpec(
            "openvino_qat",
            "openvino",
            "compressbench.targets.openvino_qat:build",
            "OpenVINO QAT INT8",
            "int8",
            needs_data=True,
            parity_threshold=RETRAINED_PARITY,
            runtime_options={"inference_precision": "f32"},
        ),
    ]
}


def chain(name: str) -> list[str]:
    """The target and the targets it builds on, nearest first: openvino_struct_int8 ->
    [openvino_struct_int8, onnxruntime_struct, pytorch_struct]."""
    names = [name]
    while TARGETS[names[-1]].base is not None:
        names.append(TARGETS[names[-1]].base)
    return names


def get_target(name: str) -> TargetSpec:
    if name not in TARGETS:
        raise KeyError(f"target {name!r}: unknown (known: {', '.join(TARGETS)})")
    return TARGETS[name]


def builder(spec: TargetSpec):
    module_name, function_name = spec.builder.split(":")
    return getattr(importlib.import_module(module_name), function_name)

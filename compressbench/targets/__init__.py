"""Target registry.

A target is a model artifact plus the runtime that executes it. Each module listed in MODULES
declares its targets (`TARGETS`, TargetSpec in targets/target_spec.py) beside the `build(ctx, out_dir)`
functions that make them; adding a target is its module and one line here. Evaluation, parity
check, benchmark, analysis and report pick it up from the registry.
Importing this package is cheap (no torch/openvino: target modules import those inside their
build functions); the Snakefile reads it.
"""

from __future__ import annotations

import importlib

from .target_spec import METHODS, TargetSpec, runtime_options

# One line per target module, in the order its targets are listed (errors, tables).
MODULES = (
    "compressbench.targets.pytorch_fp32",
    "compressbench.targets.onnx_fp32",
    "compressbench.targets.openvino_ir",
    "compressbench.targets.openvino_int8",
    "compressbench.targets.openvino_int8_acc",
    "compressbench.targets.onnxruntime_int8",
    "compressbench.targets.pytorch_pruned",
    "compressbench.targets.pytorch_int8",
    "compressbench.targets.pytorch_bf16",
    "compressbench.targets.torchscript",
    "compressbench.targets.pytorch_struct",
    "compressbench.targets.pytorch_distill",
    "compressbench.targets.pytorch_cluster",
    "compressbench.targets.openvino_qat",
    "compressbench.targets.search_auto",
)

# The trained model as trained: every target's predictions are checked against it (parity) and
# its accuracy change is measured from it.
TRAINED = "pytorch"


def _collect(modules) -> dict[str, TargetSpec]:
    targets: dict[str, TargetSpec] = {}
    for module_name in modules:
        for spec in importlib.import_module(module_name).TARGETS:
            if spec.name in targets:
                raise ValueError(f"{module_name}: target {spec.name!r} is declared twice")
            targets[spec.name] = spec
    for spec in targets.values():
        for relation in ("reference", "built_from", "control"):
            other = getattr(spec, relation)
            if other is not None and other not in targets:
                raise ValueError(f"target {spec.name!r}: {relation} {other!r} is not a registered target")
    return targets


TARGETS = _collect(MODULES)


def chain(name: str) -> list[str]:
    """The target and the targets it is built from, nearest first: openvino_struct_int8 ->
    [openvino_struct_int8, onnxruntime_struct, pytorch_struct]."""
    names = [name]
    while TARGETS[names[-1]].built_from is not None:
        names.append(TARGETS[names[-1]].built_from)
    return names


def family(name: str) -> str:
    """The method a chain starts with: openvino_struct_int8 (ptq_int8 built from a pruned network)
    belongs to structured_pruning; a target not built from another belongs to its own method."""
    return TARGETS[chain(name)[-1]].method


def baseline_of(runtime: str) -> str | None:
    """The runtime's baseline target (the trained network as the runtime stores it by default)."""
    return next(
        (s.name for s in TARGETS.values() if s.runtime == runtime and s.method == "baseline" and s.reference is None),
        None,
    )


def get_target(name: str) -> TargetSpec:
    if name not in TARGETS:
        raise KeyError(f"target {name!r}: unknown (known: {', '.join(TARGETS)})")
    return TARGETS[name]


def builder(spec: TargetSpec):
    module_name, function_name = spec.builder.split(":")
    return getattr(importlib.import_module(module_name), function_name)


__all__ = [
    "METHODS",
    "MODULES",
    "TARGETS",
    "TRAINED",
    "TargetSpec",
    "baseline_of",
    "builder",
    "chain",
    "family",
    "get_target",
    "runtime_options",
]

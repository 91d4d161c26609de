"""Runtime registry: adding a runtime is one module here, one line below and its options class
in runtimes/options.py."""

from __future__ import annotations

import importlib
from pathlib import Path

from .base import Predict, Runtime, TargetRuntimeError
from .options import PRECISIONS, RUNTIME_OPTIONS, options_from

RUNTIMES = {
    "pytorch": "compressbench.runtimes.pytorch:PyTorchRuntime",
    "onnxruntime": "compressbench.runtimes.onnxruntime:OnnxRuntime",
    "openvino": "compressbench.runtimes.openvino:OpenVINORuntime",
    "torchscript": "compressbench.runtimes.torchscript:TorchScriptRuntime",
}

# The tool each runtime's profile job uses (Runtime.profile_calls), as a language-free id the report
# words (templates/wording: diagnosis.profiler_*); the class's `profiler` says it in full in summary.json.
PROFILER_TOOLS = {
    "pytorch": "torch_profiler_modules",
    "onnxruntime": "onnxruntime_profiler",
    "openvino": "openvino_performance_counters",
    "torchscript": "torch_profiler_graph",
}


def runtime_class(name: str) -> type[Runtime]:
    if name not in RUNTIMES:
        raise TargetRuntimeError(f"runtime {name!r}: unknown (known: {', '.join(RUNTIMES)})")
    module_name, class_name = RUNTIMES[name].split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise TargetRuntimeError(f"runtime {name!r} is not installed ({error})") from error
    return getattr(module, class_name)


def open_runtime(target, model_dir: str | Path, spec, threads: int, options: dict) -> Runtime:
    """The runtime of a target (a TargetSpec) on its built model folder; `options` as Snakemake
    passes them (targets.runtime_options), checked against the runtime's options class."""
    try:
        typed = options_from(target.runtime, options)
    except ValueError as error:
        raise TargetRuntimeError(f"target {target.name!r}: {error}") from None
    return runtime_class(target.runtime)(model_dir, spec, threads, typed)


__all__ = [
    "Predict",
    "Runtime",
    "TargetRuntimeError",
    "RUNTIMES",
    "RUNTIME_OPTIONS",
    "PRECISIONS",
    "runtime_class",
    "open_runtime",
    "options_from",
]

"""Runtime registry: adding a runtime is one module here and one line below."""

from __future__ import annotations

import importlib

from .base import Predict, Runtime, TargetRuntimeError

RUNTIMES = {
    "pytorch": "compressbench.runtimes.pytorch:PyTorchRuntime",
    "onnxruntime": "compressbench.runtimes.onnxruntime:OnnxRuntime",
    "openvino": "compressbench.runtimes.openvino:OpenVINORuntime",
    "torchscript": "compressbench.runtimes.torchscript:TorchScriptRuntime",
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


__all__ = ["Predict", "Runtime", "TargetRuntimeError", "RUNTIMES", "runtime_class"]

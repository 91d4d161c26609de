"""TorchScript runtime: a frozen TorchScript archive run by PyTorch's graph executor.

`torch.jit.load` reads the archive with TorchScript's own deserializer: tensors and TorchScript
classes only, never Python's pickle of arbitrary objects, so no Python code from the file runs.
What it does execute is the archive's TorchScript code (code/*.py in the zip): compiled by the
TorchScript compiler and run by its interpreter, able to call any operator registered with
TorchScript (aten and loaded extensions), but not import Python modules or call Python functions.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from .base import Predict, Runtime
from .pytorch import set_torch_threads

PROFILING_CALLS = 5  # the executor profiles, then optimizes; a few more calls settle it


def load_optimized(path: Path) -> torch.jit.ScriptModule:
    """Load on CPU and apply `optimize_for_inference` (fusions, oneDNN layouts) to the frozen graph."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit's deprecation notices
        return torch.jit.optimize_for_inference(torch.jit.load(str(path), map_location="cpu").eval())


class TorchScriptRuntime(Runtime):
    name = "torchscript"
    model_suffixes = (".torchscript",)
    profiler = "torch.profiler (CPU), matched to the executed TorchScript graph's nodes"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_torch_threads(self.threads)
        self.model = load_optimized(self.model_files()[0])

    def compile(self, batch_size: int) -> Predict:
        model = self.model
        # TorchScript's profiling executor records shapes on the first calls with a new input
        # shape and only then compiles the optimized graph (tens of ms); making those calls now
        # is this runtime's compile step, as OpenVINO's compile_model is its own.
        with torch.inference_mode():
            for _ in range(PROFILING_CALLS):
                model(torch.zeros(batch_size, *self.spec.input_shape))

        def predict(images):
            with torch.inference_mode():
                return model(torch.from_numpy(images)).numpy()

        return predict

    def profile_calls(self, batch_size: int, batches, limit) -> list:
        """torch.profiler around compile()'s predict; layers are the executed graph's nodes."""
        from ..torch_profile import graph_layers, method_event, profiled_torch_calls, working_kinds

        predict = self.compiled(batch_size)
        predict(batches[0])  # the graph this batch size runs: the executor's last one, read right after
        kinds = working_kinds(torch.jit.last_executed_optimized_graph())
        return profiled_torch_calls(predict, batches, limit, lambda event: graph_layers(method_event(event), kinds))

    def naive(self) -> Predict:
        """The beginner loads the archive and calls it as it is, without optimize_for_inference."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            model = torch.jit.load(str(self.model_files()[0]), map_location="cpu")

        def predict(images):
            with torch.no_grad():
                return model(torch.tensor(images)).numpy()

        return predict

    def info(self) -> dict:
        return {
            "runtime_version": torch.__version__,
            "threads": torch.get_num_threads(),
            "interop_threads": torch.get_num_interop_threads(),
            "precision": "f32",
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "graph": "traced, frozen, optimize_for_inference",
        }

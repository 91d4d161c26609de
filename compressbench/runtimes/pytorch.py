from __future__ import annotations

import numpy as np
import torch

from ..resize import load_model
from .base import Predict, Runtime


def set_torch_threads(threads: int) -> None:
    """Intra-op threads as configured, one inter-op thread (as the other runtimes are run)."""
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set once in this process
        pass


class PyTorchRuntime(Runtime):
    name = "pytorch"
    model_suffixes = (".pt",)
    profiler = "torch.profiler (CPU), each leaf module a record_function range"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_torch_threads(self.threads)
        if self.options.quantized:  # INT8 state dict (targets.pytorch_int8), loaded weights_only
            from ..fx_int8 import load_quantized

            self.model = load_quantized(self.spec, self.model_files()[0])
        else:
            self.model = load_model(
                self.spec, self.model_dir, self.model_files()[0].name
            )  # resized if it has architecture.json
        self.dtype = torch.bfloat16 if self.options.precision == "bf16" else torch.float32
        if self.dtype != torch.float32:
            self.model = self.model.to(self.dtype)

    def compile(self, batch_size: int) -> Predict:
        model, dtype = self.model, self.dtype

        def predict(images):
            with torch.inference_mode():
                return model(torch.from_numpy(images).to(dtype)).float().numpy()

        return predict

    def empty_batch_call(self) -> Predict | None:
        """Eager execution takes any batch size, none too, unless a kernel or the model's own code refuses an
        empty input."""
        predict = self.compiled(1)
        try:
            predict(np.zeros((0, *self.spec.input_shape), dtype=np.float32))
        except Exception as error:  # a user's forward may refuse it in any way; the figure is then absent
            print(f"empty batch: the model refuses it ({type(error).__name__}: {error}); no empty-batch call timed")
            return None
        return predict

    def profile_calls(self, batch_size: int, batches, limit) -> list:
        """torch.profiler around compile()'s predict, with the leaf modules marked as layers."""
        from ..model_summary import leaf_modules
        from ..torch_profile import MODEL, module_layers, module_ranges, profiled_torch_calls

        modules = dict(leaf_modules(self.model))
        types = {name: type(module).__name__ for name, module in modules.items()}
        with module_ranges({MODEL: self.model, **modules}):
            return profiled_torch_calls(
                self.compiled(batch_size), batches, limit, lambda event: module_layers(event, types)
            )

    def naive(self) -> Predict:
        model, dtype = self.model, self.dtype

        def predict(images):
            with torch.no_grad():
                return model(torch.tensor(images).to(dtype)).float().numpy()

        return predict

    def info(self) -> dict:
        return {
            "runtime_version": torch.__version__,
            "threads": torch.get_num_threads(),
            "interop_threads": torch.get_num_interop_threads(),
            "precision": "int8" if self.options.quantized else self.options.precision,
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            # whether oneDNN runs bf16 on this CPU's own instructions (else it emulates them)
            "bf16_native": bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()),
        }

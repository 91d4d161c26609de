"""FX graph-mode static INT8 quantization of a PyTorch model (x86 backend), and loading its state dict.

The target compressbench.targets.pytorch_int8 builds with it; the PyTorch runtime loads its file with
`load_quantized` (weights_only: no pickled code runs). torch.ao.quantization is deprecated upstream in
favour of torchao (not a dependency here); it still ships and runs in the pinned torch.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import nn

from .machine import has_vnni
from .model import build_model, model_label
from .spec import ModelSpec

ENGINE = "x86"


@contextmanager
def quiet():
    """torch.ao.quantization announces its deprecation and uncalibrated observers on every call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@contextmanager
def quantized_ops_allowed():
    """Quantized kernels resize their outputs, which torch's deterministic mode (switched on by
    compressbench.training in the same process) rejects; the int8 results do not vary."""
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(False)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)


class QuantizedModel(nn.Module):
    """The converted model; its forward runs the quantized kernels in any determinism mode."""

    def __init__(self, quantized: nn.Module):
        super().__init__()
        self.quantized = quantized

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        with quantized_ops_allowed():
            return self.quantized(images)


def quantizable(float_model: nn.Module, spec: ModelSpec) -> nn.Module:
    """The model traced by FX, BatchNorm folded, fused and with observers inserted."""
    import torch.ao.quantization as tq
    from torch.ao.quantization.quantize_fx import prepare_fx

    torch.backends.quantized.engine = ENGINE
    # Global min/max activation ranges and per-channel weights. The x86 default (histogram
    # ranges, 7-bit activations) agreed with FP32 on 96.2% of CIFAR-10 test predictions, this
    # on 97.9% (LeNet-5). 8-bit activations need VNNI, else u8 x s8 sums may saturate.
    qconfig = tq.QConfig(
        activation=tq.MinMaxObserver.with_args(reduce_range=not has_vnni()),
        weight=tq.default_per_channel_weight_observer,
    )
    mapping = tq.get_default_qconfig_mapping(ENGINE).set_global(qconfig)
    try:
        with quiet():
            return prepare_fx(float_model.eval(), mapping, (torch.zeros(1, *spec.input_shape),))
    except Exception as error:
        raise ValueError(
            f"target pytorch_int8: FX cannot trace model {model_label(spec.model)!r} "
            f"({type(error).__name__}: {error}); leave pytorch_int8 out of targets for this model"
        ) from error


def convert(model: nn.Module) -> nn.Module:
    from torch.ao.quantization.quantize_fx import convert_fx

    with quiet():
        return convert_fx(model.eval())


def load_quantized(spec: ModelSpec, path: str | Path) -> nn.Module:
    """Rebuild the quantized structure (observers fed one blank image), then load the saved int8
    state dict, scales and zero points included (weights_only)."""
    model = quantizable(build_model(spec), spec)
    with torch.inference_mode(), quantized_ops_allowed():
        model(torch.zeros(1, *spec.input_shape))
    model = convert(model)
    try:
        with quiet():
            state = torch.load(path, map_location="cpu", weights_only=True)
            model.load_state_dict(state)
    except Exception as error:
        raise ValueError(f"{path}: not an INT8 {model_label(spec.model)} state dict for this data ({error})") from error
    return QuantizedModel(model).eval()

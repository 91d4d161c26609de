"""PyTorch INT8: FX graph-mode static quantization with the x86 backend (FBGEMM + oneDNN kernels).

FX traces any registry or bring-your-own model (eager mode would need QuantStubs and a fusion
list written for each architecture): `prepare_fx` folds BatchNorm into convolutions, fuses
Conv/Linear with a following ReLU and inserts observers, which calibrate on the shared training
images (compressbench.calibration); `convert_fx` swaps in quantized modules with per-channel int8
weights. The model is saved as a state dict and reloaded with `torch.load(weights_only=True)`
into the same quantized structure, so loading never runs pickled code (see `load_quantized`).
A model FX cannot trace (data-dependent control flow) stops the build naming target and model.

torch.ao.quantization is deprecated upstream in favour of torchao (not a dependency here);
it still ships and runs in the pinned torch. Torch's PT2E X86InductorQuantizer moved to torchao.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import nn

from .. import calibration
from ..machine import has_vnni
from ..model import ModelSpec, build_model, load_weights, model_label
from .context import BuildContext

ENGINE = "x86"


@contextmanager
def _quiet():
    """torch.ao.quantization announces its deprecation and uncalibrated observers on every call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@contextmanager
def _quantized_ops_allowed():
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
        with _quantized_ops_allowed():
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
        with _quiet():
            return prepare_fx(float_model.eval(), mapping, (torch.zeros(1, *spec.input_shape),))
    except Exception as error:
        raise ValueError(
            f"target pytorch_int8: FX cannot trace model {model_label(spec.model)!r} "
            f"({type(error).__name__}: {error}); leave pytorch_int8 out of targets for this model"
        ) from error


def convert(model: nn.Module) -> nn.Module:
    from torch.ao.quantization.quantize_fx import convert_fx

    with _quiet():
        return convert_fx(model.eval())


def load_quantized(spec: ModelSpec, path: str | Path) -> nn.Module:
    """Rebuild the quantized structure (observers fed one blank image), then load the saved int8
    state dict, scales and zero points included (weights_only)."""
    model = quantizable(build_model(spec), spec)
    with torch.inference_mode(), _quantized_ops_allowed():
        model(torch.zeros(1, *spec.input_shape))
    model = convert(model)
    try:
        with _quiet():
            state = torch.load(path, map_location="cpu", weights_only=True)
            model.load_state_dict(state)
    except Exception as error:
        raise ValueError(f"{path}: not an INT8 {model_label(spec.model)} state dict for this data ({error})") from error
    return QuantizedModel(model).eval()


def build(ctx: BuildContext, out_dir: Path) -> None:
    model = quantizable(load_weights(ctx.spec, ctx.checkpoint), ctx.spec)
    images = torch.from_numpy(calibration.from_settings(ctx.dataset_path, ctx.spec, ctx.settings))
    with torch.inference_mode(), _quantized_ops_allowed():
        for batch in torch.split(images, 64):
            model(batch)
    quantized = convert(model)
    torch.save(quantized.state_dict(), out_dir / "model.pt")
    load_quantized(ctx.spec, out_dir / "model.pt")(images[:2])  # loads weights_only and runs

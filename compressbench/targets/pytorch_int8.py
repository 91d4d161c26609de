"""PyTorch INT8: eager-mode static quantization with the x86 backend (FBGEMM + oneDNN kernels).

Conv+ReLU and Linear+ReLU are fused, observers calibrate on the shared training images
(compressbench.calibration), `convert` swaps in quantized modules with per-channel int8
weights. The model is saved as a state dict and reloaded with `torch.load(weights_only=True)`
into the same quantized structure, so loading never runs pickled code (see `load_quantized`).

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
from ..model import ModelSpec, build_model, load_weights
from .context import BuildContext

ENGINE = "x86"
FUSE = [["1.0", "1.1"], ["1.3", "1.4"], ["2.1", "2.2"], ["2.3", "2.4"]]  # conv/linear + following ReLU


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


class QuantizedLeNet(nn.Module):
    """The converted model; its forward runs the quantized kernels in any determinism mode."""

    def __init__(self, quantized: nn.Module):
        super().__init__()
        self.quantized = quantized

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        with _quantized_ops_allowed():
            return self.quantized(images)


def quantizable(float_model: nn.Module) -> nn.Sequential:
    """LeNet-5 between quant/dequant stubs, fused and with observers inserted."""
    import torch.ao.quantization as tq

    torch.backends.quantized.engine = ENGINE
    model = nn.Sequential(tq.QuantStub(), float_model.features, float_model.classifier, tq.DeQuantStub()).eval()
    with _quiet():
        tq.fuse_modules(model, FUSE, inplace=True)
        # Global min/max activation ranges and per-channel weights. The x86 default (histogram
        # ranges, 7-bit activations) agreed with FP32 on 96.2% of CIFAR-10 test predictions, this
        # on 97.9%. 8-bit activations need VNNI, else u8 x s8 sums may saturate.
        model.qconfig = tq.QConfig(
            activation=tq.MinMaxObserver.with_args(reduce_range=not has_vnni()),
            weight=tq.default_per_channel_weight_observer,
        )
        tq.prepare(model, inplace=True)
    return model


def convert(model: nn.Sequential) -> nn.Sequential:
    import torch.ao.quantization as tq

    with _quiet():
        return tq.convert(model.eval())


def load_quantized(spec: ModelSpec, path: str | Path) -> nn.Module:
    """Rebuild the quantized structure, then load the saved int8 state dict (weights_only)."""
    model = convert(quantizable(build_model(spec)))
    try:
        with _quiet():
            state = torch.load(path, map_location="cpu", weights_only=True)
            model.load_state_dict(state)
    except Exception as error:
        raise ValueError(f"{path}: not an INT8 LeNet-5 state dict for this data ({error})") from error
    return QuantizedLeNet(model).eval()


def build(ctx: BuildContext, out_dir: Path) -> None:
    model = quantizable(load_weights(ctx.spec, ctx.checkpoint))
    images = torch.from_numpy(calibration.from_settings(ctx.dataset_path, ctx.spec, ctx.settings))
    with torch.inference_mode(), _quantized_ops_allowed():
        for batch in torch.split(images, 64):
            model(batch)
    quantized = convert(model)
    torch.save(quantized.state_dict(), out_dir / "model.pt")
    load_quantized(ctx.spec, out_dir / "model.pt")(images[:2])  # loads weights_only and runs

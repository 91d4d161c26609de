"""TorchScript: the PyTorch model traced and frozen into a self-contained graph archive.

`torch.jit.trace` records the forward pass on one image (LeNet-5 has no data-dependent control
flow, so the trace is the whole model), `torch.jit.freeze` inlines the weights as constants and
folds them. `torch.jit.optimize_for_inference` (conv/linear fusions, oneDNN layouts) produces
oneDNN constants that cannot be saved, so the runtime applies it after loading
(compressbench.runtimes.torchscript). PyTorch has deprecated torch.jit in favour of
torch.export/torch.compile; it still ships with and runs on the pinned torch.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from .context import BuildContext
from .target_spec import TargetSpec

TARGETS = (
    TargetSpec(
        "torchscript",
        "torchscript",
        "compressbench.targets.torchscript:build",
        "TorchScript",
        method="baseline",
        weights="fp32",
        precision="f32",
        reference="pytorch",  # the same network in eager PyTorch: what tracing and freezing change
        recipe="compression.recipe_torchscript",
    ),
)

FILE = "model.torchscript"


def build(ctx: BuildContext, out_dir: Path) -> None:
    import torch

    model = ctx.source_model().eval()  # the trained model, or the base target's (e.g. pruned)
    example = torch.zeros(1, *ctx.spec.input_shape)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit's deprecation notices
        frozen = torch.jit.freeze(torch.jit.trace(model, example))
        torch.jit.save(frozen, str(out_dir / FILE))
    _check(model, out_dir / FILE, ctx.spec.input_shape)


def _check(model, path: Path, input_shape: tuple[int, ...]) -> None:
    """The saved archive reloads, optimizes and matches eager PyTorch on a batch of another size."""
    import torch

    from ..runtimes.torchscript import load_optimized

    images = torch.randn(3, *input_shape, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        difference = (load_optimized(path)(images) - model(images)).abs().max().item()
    if difference > 1e-4:
        raise RuntimeError(f"{path}: TorchScript differs from eager PyTorch by {difference:.3g}")

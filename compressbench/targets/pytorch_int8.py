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

from pathlib import Path

from ..artifacts import write_build_info
from .context import BuildContext
from .target_spec import LOSSY_PARITY, TargetSpec

TARGETS = (
    TargetSpec(
        "pytorch_int8",
        "pytorch",
        "compressbench.targets.pytorch_int8:build",
        "PyTorch INT8",
        method="ptq_int8",
        weights="int8",
        precision="int8",
        reference="pytorch",
        needs_data=True,
        parity_threshold=LOSSY_PARITY,
        runtime_options={"quantized": True},
        recipe="compression.recipe_fx_int8",
    ),
)


def build(ctx: BuildContext, out_dir: Path) -> None:
    import torch

    from .. import calibration
    from ..fx_int8 import convert, load_quantized, quantizable, quantized_ops_allowed
    from ..model import load_weights

    model = quantizable(load_weights(ctx.spec, ctx.checkpoint), ctx.spec)
    images = torch.from_numpy(calibration.from_settings(ctx.dataset_path, ctx.spec, ctx.settings))
    with torch.inference_mode(), quantized_ops_allowed():
        for batch in torch.split(images, 64):
            model(batch)
    quantized = convert(model)
    torch.save(quantized.state_dict(), out_dir / "model.pt")
    load_quantized(ctx.spec, out_dir / "model.pt")(images[:2])  # loads weights_only and runs
    write_build_info({"quantizer": "torch.ao.quantization (FX)", "calibration_images": len(images)}, out_dir)

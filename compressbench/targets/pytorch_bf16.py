"""PyTorch in bf16: the trained FP32 state dict, every layer executed in bfloat16.

The PyTorch runtime casts the weights to bfloat16 when it loads them and casts inputs and logits at
the call (runtimes.options.PyTorchOptions.precision). oneDNN runs bf16 on the CPU's own instructions
where it has them (AVX512_BF16, AMX) and emulates them elsewhere; the build records which this CPU
has, and the runtime reports what it ran.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..artifacts import write_build_info
from .context import BuildContext
from .target_spec import LOSSY_PARITY, TargetSpec

TARGETS = (
    TargetSpec(
        "pytorch_bf16",
        "pytorch",
        "compressbench.targets.pytorch_bf16:build",
        "PyTorch BF16",
        method="reduced_precision",
        weights="fp32",
        precision="bf16",
        reference="pytorch",
        parity_threshold=LOSSY_PARITY,
        runtime_options={"precision": "bf16"},
        recipe="compression.recipe_pytorch_bf16",
    ),
)

BF16_FLAGS = {"avx512_bf16": "AVX512_BF16", "amx_bf16": "AMX_BF16"}


def build(ctx: BuildContext, out_dir: Path) -> None:
    from ..machine import cpu_flags, read_cpuinfo

    shutil.copyfile(ctx.checkpoint, out_dir / "model.pt")
    flags = cpu_flags(read_cpuinfo())
    native = ", ".join(name for flag, name in BF16_FLAGS.items() if flag in flags) or "—"
    write_build_info({"executes_in": "bfloat16", "bf16_instructions": native}, out_dir)

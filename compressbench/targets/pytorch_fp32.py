"""PyTorch eager on the trained FP32 state dict: the trained model as trained."""

from __future__ import annotations

import shutil
from pathlib import Path

from .context import BuildContext
from .target_spec import TargetSpec

TARGETS = (
    TargetSpec(
        "pytorch",
        "pytorch",
        "compressbench.targets.pytorch_fp32:build",
        "PyTorch",
        method="baseline",
        weights="fp32",
        precision="f32",
    ),
)


def build(ctx: BuildContext, out_dir: Path) -> None:
    shutil.copyfile(ctx.checkpoint, out_dir / "model.pt")

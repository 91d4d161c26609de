from __future__ import annotations

import shutil
from pathlib import Path

from .context import BuildContext


def build(ctx: BuildContext, out_dir: Path) -> None:
    shutil.copyfile(ctx.checkpoint, out_dir / "model.pt")

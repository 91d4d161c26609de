from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..model import ModelSpec


@dataclass
class BuildContext:
    """What a target builder may read. Paths the target does not need may be None."""

    spec: ModelSpec
    checkpoint: Path
    settings: dict  # config's export section, plus compression when the target needs_data
    threads: int
    onnx_path: Path | None = None
    dataset_path: Path | None = None


def build_target(target, ctx: BuildContext, out_dir: Path) -> None:
    """Build a target's model files into a fresh folder (no stale files from older builds)."""
    from . import builder

    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    builder(target)(ctx, out_dir)

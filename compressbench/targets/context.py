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


class TargetBuildError(RuntimeError):
    """A target could not be built; the message names the target and the files it read."""


def build_target(target, ctx: BuildContext, out_dir: Path) -> None:
    """Build a target's model files into a fresh folder (no stale files from older builds).
    A failed build leaves no folder behind, and its error names the target and its input files."""
    from . import builder

    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    try:
        builder(target)(ctx, out_dir)
    except Exception as error:  # runtimes raise their own types for a damaged model file
        shutil.rmtree(out_dir, ignore_errors=True)
        read = ", ".join(str(path) for path in build_inputs(target, ctx))
        raise TargetBuildError(
            f"build of target {target.name!r} failed (it reads {read}): {type(error).__name__}: {error}"
        ) from error


def build_inputs(target, ctx: BuildContext) -> list[Path]:
    """The files a target's build reads: the ONNX export or the PyTorch weights, and the data."""
    model = ctx.onnx_path if target.needs_onnx else ctx.checkpoint
    return [path for path in (model, ctx.dataset_path if target.needs_data else None) if path is not None]

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
    base_dir: Path | None = None  # the built folder of TargetSpec.base, for targets that build on another

    def onnx_source(self) -> Path:
        """The ONNX model to convert or quantize: the base target's, else the shared FP32 export."""
        if self.base_dir is not None:
            path = Path(self.base_dir) / "model.onnx"
            if not path.is_file():
                raise ValueError(f"{self.base_dir}: base target has no model.onnx to build on")
            return path
        if self.onnx_path is None:
            raise ValueError("this builder needs an ONNX model: set needs_onnx=True or a base with model.onnx")
        return self.onnx_path

    def source_model(self):
        """The PyTorch model to build from: the base target's (resized if it is), else the trained one."""
        from ..model import load_weights
        from ..resize import load_model

        if self.base_dir is not None:
            return load_model(self.spec, Path(self.base_dir))
        return load_weights(self.spec, self.checkpoint)

    def base_info(self) -> dict:
        """The base target's build_info.json facts (params, macs, method settings), or {}."""
        from ..evaluation import build_info

        return build_info(Path(self.base_dir)) if self.base_dir is not None else {}


# Facts about one folder's files rather than its network: a target built on another does not inherit them.
ARTIFACT_FACTS = ("size_packed_bytes",)


def inherit_base_info(ctx: BuildContext, out_dir: Path, base: str) -> None:
    """A target built on another keeps its base's build facts (params, macs, method settings),
    under its own; `built_from` names the target it was built from, so a chain's steps can be followed."""
    from ..evaluation import BUILD_INFO, build_info
    from ..tables import write_json

    inherited = {key: value for key, value in ctx.base_info().items() if key not in ARTIFACT_FACTS}
    write_json({**inherited, **build_info(out_dir), "built_from": base}, out_dir / BUILD_INFO)


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
        if ctx.base_dir is not None:
            inherit_base_info(ctx, out_dir, target.base)
    except Exception as error:  # runtimes raise their own types for a damaged model file
        shutil.rmtree(out_dir, ignore_errors=True)
        read = ", ".join(str(path) for path in build_inputs(target, ctx))
        raise TargetBuildError(
            f"build of target {target.name!r} failed (it reads {read}): {type(error).__name__}: {error}"
        ) from error


def build_inputs(target, ctx: BuildContext) -> list[Path]:
    """The files a target's build reads: the ONNX export or the PyTorch weights, and the data."""
    model = ctx.base_dir if ctx.base_dir is not None else ctx.onnx_path if target.needs_onnx else ctx.checkpoint
    return [path for path in (model, ctx.dataset_path if target.needs_data else None) if path is not None]

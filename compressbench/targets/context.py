from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..artifacts import GRAPH_PRECISION, read_build_info, write_build_info
from ..preparation import ONCE, PreparationTimings
from ..runtimes import runtime_class
from ..spec import ModelSpec


@dataclass
class BuildContext:
    """What a target builder may read. Paths the target does not need may be None."""

    spec: ModelSpec
    checkpoint: Path
    settings: dict  # config's export section, plus compression when the target needs_data
    threads: int
    onnx_path: Path | None = None
    dataset_path: Path | None = None
    source_dir: Path | None = None  # the built folder of TargetSpec.built_from, for targets made from another
    search_choice: Path | None = None  # results/search/chosen.json, for the targets a search decides (from_search)

    def onnx_source(self) -> Path:
        """The ONNX model to convert or quantize: the source target's, else the shared FP32 export."""
        if self.source_dir is not None:
            path = Path(self.source_dir) / "model.onnx"
            if not path.is_file():
                raise ValueError(f"{self.source_dir}: the source target has no model.onnx to build on")
            return path
        if self.onnx_path is None:
            raise ValueError("this builder needs an ONNX model: needs_onnx, or built_from a target with model.onnx")
        return self.onnx_path

    def source_model(self):
        """The PyTorch model to build from: the source target's (resized if it is), else the trained one."""
        from ..model import load_weights
        from ..resize import load_model

        if self.source_dir is not None:
            return load_model(self.spec, Path(self.source_dir))
        return load_weights(self.spec, self.checkpoint)

    def source_info(self) -> dict:
        """The source target's build_info.json facts (params, macs, method settings), or {}."""
        return read_build_info(self.source_dir) if self.source_dir is not None else {}


# Facts about one folder's files rather than its network: a target built on another does not inherit them.
ARTIFACT_FACTS = ("size_packed_bytes", "build_repeat_seconds", GRAPH_PRECISION)


def inherit_source_info(ctx: BuildContext, out_dir: Path, source: str) -> None:
    """A target built on another keeps its source's build facts (params, macs, method settings),
    under its own; `built_from` names the target it was built from, so a chain's steps can be followed."""
    inherited = {key: value for key, value in ctx.source_info().items() if key not in ARTIFACT_FACTS}
    write_build_info({**inherited, **read_build_info(out_dir), "built_from": source}, out_dir)


class TargetBuildError(RuntimeError):
    """A target could not be built; the message names the target and the files it read."""


def build_target(target, ctx: BuildContext, out_dir: Path, timings: PreparationTimings = ONCE, clock=time.perf_counter):
    """Build a target's model files into a fresh folder (no stale files from older builds), timed in repeats as
    `timings` allows (compressbench.preparation): the folder is built once, and any further timings build into
    throw-away folders. A failed build leaves no folder behind, and its error names the target and its input files.
    `clock`: the timer (a test's fake one)."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    try:
        load_libraries(target)
        seconds = [timed_build(target, ctx, out_dir, clock)]
        for _ in range(timings.build_timings(seconds[0]) - 1):
            with tempfile.TemporaryDirectory(prefix=f"build-{target.name}-") as scratch:
                seconds.append(timed_build(target, ctx, Path(scratch), clock))
        if ctx.source_dir is not None:
            inherit_source_info(ctx, out_dir, target.built_from)
        facts = runtime_class(target.runtime).build_facts(out_dir)
        write_build_info({**read_build_info(out_dir), **facts, "build_repeat_seconds": seconds}, out_dir)
    except Exception as error:  # runtimes raise their own types for a damaged model file
        shutil.rmtree(out_dir, ignore_errors=True)
        read = ", ".join(str(path) for path in build_inputs(target, ctx))
        raise TargetBuildError(
            f"build of target {target.name!r} failed (it reads {read}): {type(error).__name__}: {error}"
        ) from error


def load_libraries(target) -> None:
    """Imports are no part of the build's time: the runtime's library, and onnx for a target made from the
    ONNX export (importing it took 0.4 s, ten times the export, in a fresh build job)."""
    runtime_class(target.runtime)
    if target.needs_onnx:
        import onnx  # noqa: F401


def timed_build(target, ctx: BuildContext, out_dir: Path, clock) -> float:
    """Seconds of the builder's own work (conversion, calibration, fine-tune) into `out_dir`."""
    from . import builder

    start = clock()
    builder(target)(ctx, out_dir)
    return clock() - start


def build_inputs(target, ctx: BuildContext) -> list[Path]:
    """The files a target's build reads: the ONNX export or the PyTorch weights, and the data."""
    if target.from_search:
        return [ctx.search_choice] if ctx.search_choice is not None else []
    model = ctx.source_dir if ctx.source_dir is not None else ctx.onnx_path if target.needs_onnx else ctx.checkpoint
    return [path for path in (model, ctx.dataset_path if target.needs_data else None) if path is not None]

"""The variant a search chose (compressbench.search), as a target of the search's runtime.

One target per runtime, `<runtime>_auto`; config search.runtime decides which one a run has before
the search runs, so the workflow's jobs are known then. Its build copies the chosen trial's model
folder (named by results/search/chosen.json): the very variant the search measured on the
validation images, which the workflow then evaluates on the test images, benchmarks and
aggregates like any other target. Its build_info.json says which trial, candidate and settings
it is, and the stored weights and precision of the candidate it came from.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..artifacts import read_build_info, write_build_info
from .context import BuildContext
from .target_spec import NARROWER_PARITY, TargetSpec

SUFFIX = "_auto"
LABELS = {"pytorch": "PyTorch", "onnxruntime": "ONNX Runtime", "openvino": "OpenVINO", "torchscript": "TorchScript"}
# Fixed like the INT8 targets': a candidate must run with the same options (compressbench.search checks).
OPTIONS = {"openvino": {"inference_precision": "f32"}}


def auto_target(runtime: str) -> str:
    return f"{runtime}{SUFFIX}"


TARGETS = tuple(
    TargetSpec(
        auto_target(runtime),
        runtime,
        f"compressbench.targets.search_auto:build_{runtime}",
        f"{label} auto (search)",
        method="auto_search",
        recipe="compression.recipe_auto",
        weights="as chosen",  # build_info.json: the chosen candidate's
        precision=None,  # build_info.json: the chosen candidate's
        reference=runtime,  # the runtime's baseline target
        # The variant may be a narrower network: parity only catches a broken build (see NARROWER_PARITY).
        parity_threshold=NARROWER_PARITY,
        runtime_options=OPTIONS.get(runtime, {}),
        from_search=True,
    )
    for runtime, label in LABELS.items()
)


def copy_choice(ctx: BuildContext, out_dir: Path, runtime: str) -> None:
    from ..tables import read_json
    from . import get_target

    if ctx.search_choice is None:
        raise ValueError("this target is built from the search's choice (results/search/chosen.json): none given")
    choice = read_json(ctx.search_choice)
    if choice["runtime"] != runtime:
        raise ValueError(
            f"{ctx.search_choice}: the search chose a {choice['runtime']} variant, this target runs {runtime}"
        )
    source = Path(choice["model_dir"])
    if not source.is_dir():
        raise ValueError(f"{source}: the chosen trial's model folder is missing (a search folder moved or cleaned?)")
    shutil.copytree(source, out_dir, dirs_exist_ok=True)
    candidate = get_target(choice["target"])
    info = {key: value for key, value in read_build_info(out_dir).items() if key != "built_from"}
    write_build_info(
        {
            **info,
            "search_trial": choice["trial"],
            "search_target": choice["target"],
            "search_chain": choice["chain"],
            "search_settings": choice["settings"],
            "weights": candidate.weights,
            "precision": candidate.precision,
        },
        out_dir,
    )


def build_pytorch(ctx: BuildContext, out_dir: Path) -> None:
    copy_choice(ctx, out_dir, "pytorch")


def build_onnxruntime(ctx: BuildContext, out_dir: Path) -> None:
    copy_choice(ctx, out_dir, "onnxruntime")


def build_openvino(ctx: BuildContext, out_dir: Path) -> None:
    copy_choice(ctx, out_dir, "openvino")


def build_torchscript(ctx: BuildContext, out_dir: Path) -> None:
    copy_choice(ctx, out_dir, "torchscript")

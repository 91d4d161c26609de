"""ONNX Runtime's own profiler, per node and per call.

A session with profiling on (the runtime's tuned session options plus `enable_profiling`) writes
a Chrome trace: one "model_run" event per call and, inside it, one "Node" event per executed
kernel, named ``<node name>_kernel_time`` with the operator type, the execution provider and
the inputs' element types in its args. The node names are those of ONNX Runtime's optimized graph:
fused nodes (a QDQ pair and a Conv become one QLinearConv) and the layout transposes its NHWC
transformer inserts appear as they ran.
"""

from __future__ import annotations

import bisect
import json
import tempfile
from pathlib import Path

import numpy as np

from .opprofile import CallLimit, LayerTime, ProfiledCall

KERNEL_SUFFIX = "_kernel_time"
# ONNX element types -> runtimes.options.PRECISIONS
ELEMENT_PRECISIONS = {
    "float": "f32",
    "double": "f32",
    "float16": "f16",
    "bfloat16": "bf16",
    "uint8": "int8",
    "int8": "int8",
}


def node_precision(args: dict) -> str:
    """The element type of a node's first (data) input: QLinearConv reads uint8, Conv float."""
    inputs = args.get("input_type_shape") or []
    if not inputs or not isinstance(inputs[0], dict) or not inputs[0]:
        return ""
    return ELEMENT_PRECISIONS.get(next(iter(inputs[0])), "")


def calls_from_events(events: list[dict]) -> list[ProfiledCall]:
    """One ProfiledCall per model_run event, with the kernels that ran inside it, in order."""
    runs = [e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"]
    runs.sort(key=lambda e: e["ts"])
    if not runs:
        raise ValueError("ONNX Runtime profile: no model_run events")
    starts = [run["ts"] for run in runs]
    layers: list[list[LayerTime]] = [[] for _ in runs]
    for event in sorted((e for e in events if e.get("cat") == "Node"), key=lambda e: e.get("ts", -1)):
        name = str(event.get("name", ""))
        if not name.endswith(KERNEL_SUFFIX):
            continue
        index = bisect.bisect_right(starts, event.get("ts", -1)) - 1  # the run this kernel ran in
        if index < 0 or event["ts"] > starts[index] + runs[index]["dur"]:
            continue
        args = event.get("args", {})
        layers[index].append(
            LayerTime(
                name.removesuffix(KERNEL_SUFFIX),
                str(args.get("op_name", "?")),
                node_precision(args),
                str(args.get("provider", "")),
                float(event.get("dur", 0)),
            )
        )
    return [ProfiledCall(float(run["dur"]), tuple(found)) for run, found in zip(runs, layers, strict=True)]


def profile_session_calls(model_path: Path, options, batches: list[np.ndarray], limit: CallLimit) -> list[ProfiledCall]:
    """Profiled calls of a fresh session with `options` (the runtime's, profiling added here);
    the warm-up calls are left out."""
    import onnxruntime as ort

    with tempfile.TemporaryDirectory(prefix="ort-profile.") as folder:
        options.enable_profiling = True
        options.profile_file_prefix = str(Path(folder) / "profile")
        session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        timed = limit.run(lambda batch: session.run(None, {name: batch}), batches)
        events = json.loads(Path(session.end_profiling()).read_text())
    return calls_from_events(events)[-len(timed) :]

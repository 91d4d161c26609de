"""Where ONNX Runtime spends a batch-1 call, per operator type, from its own profiler.

A separate session with the tuned settings (runtimes.onnxruntime.session_options) and
profiling on runs PROFILE_CALLS single-image calls after a warm-up; the profiler's
per-node kernel times ("Node" events ending in ``_kernel_time``) are summed per operator
type within each call, and the median over calls is kept. The sum is less than the call's latency: the rest is
ONNX Runtime's own work around the kernels (input binding, allocation, output copy), given
as ``outside_kernels_us`` from the profiler's ``model_run`` events. The profiler adds
overhead of its own, so these are shares of a call, not latencies to compare with the
benchmark's.
"""

from __future__ import annotations

import bisect
import json
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

PROFILE_CALLS = 300
WARMUP_CALLS = 50


def summarize_profile(events: list[dict], calls: int) -> dict:
    """Median over the last `calls` runs of each operator type's kernel microseconds per run, the
    median run, and what lies outside the kernels. Medians, as for latency: a run the OS
    interrupts would otherwise dominate a mean."""
    runs = sorted(
        (e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"), key=lambda e: e["ts"]
    )[-calls:]
    if not runs:
        raise ValueError("ONNX Runtime profile: no model_run events")
    starts = [run["ts"] for run in runs]
    per_run: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(runs)))
    for event in events:
        if event.get("cat") != "Node" or not str(event.get("name", "")).endswith("_kernel_time"):
            continue
        index = bisect.bisect_right(starts, event.get("ts", -1)) - 1  # the run this kernel ran in
        if index >= 0 and event["ts"] <= starts[index] + runs[index]["dur"]:
            per_run[event.get("args", {}).get("op_name", "?")][index] += float(event.get("dur", 0))
    kernels = {op: float(np.median(times)) for op, times in per_run.items()}
    kernels = dict(sorted(kernels.items(), key=lambda item: -item[1]))
    run_us = float(np.median([float(run["dur"]) for run in runs]))
    return {
        "op_us_per_call": kernels,
        "run_us_per_call": run_us,
        "outside_kernels_us": run_us - sum(kernels.values()),
        "calls": len(runs),
    }


def op_profile(model_path: Path, threads: int, images: np.ndarray) -> dict:
    import onnxruntime as ort

    from .runtimes.onnxruntime import session_options

    with tempfile.TemporaryDirectory(prefix="ort-profile.") as folder:
        options = session_options(threads)
        options.enable_profiling = True
        options.profile_file_prefix = str(Path(folder) / "profile")
        session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        singles = [np.ascontiguousarray(images[i % len(images)][None]) for i in range(PROFILE_CALLS)]
        for image in singles[:WARMUP_CALLS]:
            session.run(None, {name: image})
        for image in singles:
            session.run(None, {name: image})
        events = json.loads(Path(session.end_profiling()).read_text())
    return summarize_profile(events, PROFILE_CALLS)

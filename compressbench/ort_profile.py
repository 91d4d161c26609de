"""Where ONNX Runtime spends a batch-1 call, per operator type, from its own profiler.

A separate session with the tuned settings (runtimes.onnxruntime.session_options) and
profiling on runs PROFILE_CALLS single-image calls after a warm-up; the profiler's
per-node kernel times ("Node" events ending in ``_kernel_time``) are summed per operator
type and divided by the calls. The sum is less than the call's latency: the rest is
ONNX Runtime's own work around the kernels (input binding, allocation, output copy), given
as ``outside_kernels_us`` from the profiler's ``model_run`` events. The profiler adds
overhead of its own, so these are shares of a call, not latencies to compare with the
benchmark's.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

PROFILE_CALLS = 300
WARMUP_CALLS = 50


def summarize_profile(events: list[dict], calls: int) -> dict:
    """Mean microseconds per call by operator type, the mean whole run, and what lies outside kernels."""
    per_op: dict[str, float] = defaultdict(float)
    runs = []
    for event in events:
        if event.get("cat") == "Node" and str(event.get("name", "")).endswith("_kernel_time"):
            per_op[event.get("args", {}).get("op_name", "?")] += float(event.get("dur", 0))
        elif event.get("cat") == "Session" and event.get("name") == "model_run":
            runs.append(float(event.get("dur", 0)))
    runs = runs[-calls:]  # the timed calls, not the warm-up
    kernels = {op: total / calls for op, total in sorted(per_op.items(), key=lambda item: -item[1])}
    run_us = float(np.mean(runs)) if runs else None
    return {
        "op_us_per_call": kernels,
        "run_us_per_call": run_us,
        "outside_kernels_us": run_us - sum(kernels.values()) if run_us is not None else None,
        "calls": calls,
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
    # Warm-up kernels are in the file too: count only the last PROFILE_CALLS calls' kernels.
    return summarize_profile(_last_runs(events, PROFILE_CALLS), PROFILE_CALLS)


def _last_runs(events: list[dict], calls: int) -> list[dict]:
    """The events of the last `calls` model runs (by their start time)."""
    runs = sorted(
        (e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"), key=lambda e: e["ts"]
    )
    if len(runs) < calls:
        return events
    start = runs[-calls]["ts"]
    return [e for e in events if e.get("ts", 0) >= start]

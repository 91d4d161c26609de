"""Start-up cost and memory of one target, measured at the start of a fresh benchmark process.

Order, each step's figure taken right after it:

1. baseline: the process after its imports (the interpreter, Snakemake's script wrapper, numpy,
   the runtime's library) holding a few hundred input images, before any model is loaded;
   the peak-RSS mark is reset here where the kernel allows it (memory.reset_peak);
2. load: open the target's runtime and prepare its batch-1 predict function (read the model
   file, build the session or compile the model) - ``load_seconds`` and the RSS after it;
3. first call: one image through the fresh predict function (``first_call_ms``: the cold call,
   with whatever the runtime defers to its first inference);
4. steady state at batch 1 (STEADY_CALLS calls), then at each benchmarked batch size in
   ascending order (STEADY_BATCHES calls each): the peak RSS after each. A peak includes what
   the smaller batch sizes left behind (OpenVINO keeps one compiled model per shape).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import numpy as np

from . import memory

STEADY_CALLS = 200  # batch-1 calls before the batch-1 peak is read: allocators settle within a few
STEADY_BATCHES = 5  # calls at each larger batch size
MEMORY_NOTE = (
    "resident set size (RSS, /proc/self/status VmRSS; peaks: VmHWM, reset after the baseline) of a fresh "
    "benchmark process; baseline = interpreter + Snakemake script wrapper + numpy + the runtime library + "
    "the input sample, before the model is loaded; peaks include model load/compile transients and the "
    "models compiled for smaller batch sizes"
)
STARTUP_NOTE = (
    "load_seconds: open the runtime on the model files and prepare the batch-1 predict function "
    "(read + build session / compile); first_call_ms: the first batch-1 call after that, cold"
)


def input_sample(images: np.ndarray, count: int) -> np.ndarray:
    """The first `count` images as a new contiguous array, repeated where the test set is smaller."""
    if len(images) == 0:
        raise ValueError("input_sample: no images")
    indices = np.arange(count) % len(images)
    return np.ascontiguousarray(images[indices], dtype=np.float32)


def _steady(predict: Callable, batch: np.ndarray, calls: int) -> None:
    for _ in range(calls):
        predict(batch)


def measure_startup(open_runtime: Callable[[], object], sample: np.ndarray, batch_sizes: list[int]):
    """Open the runtime through `open_runtime` and measure; returns (runtime, figures)."""
    gc.collect()
    baseline = memory.rss_mb()
    peak_was_reset = memory.reset_peak()
    started = time.perf_counter()
    runtime = open_runtime()
    predict = runtime.compiled(1)
    load_seconds = time.perf_counter() - started
    load_rss = memory.rss_mb()
    started_ns = time.perf_counter_ns()
    predict(sample[:1])
    first_call_ms = (time.perf_counter_ns() - started_ns) / 1e6
    _steady(predict, sample[:1], STEADY_CALLS)
    peak_by_batch = {"1": memory.peak_rss_mb()}
    for batch_size in sorted(set(batch_sizes) - {1}):
        _steady(runtime.compiled(batch_size), sample[:batch_size], STEADY_BATCHES)
        peak_by_batch[str(batch_size)] = memory.peak_rss_mb()
    return runtime, {
        "baseline_rss_mb": baseline,
        "load_rss_mb": load_rss,
        "peak_rss_batch1_mb": peak_by_batch["1"],
        "peak_rss_by_batch_mb": peak_by_batch,
        "peak_reset": peak_was_reset,
        "load_seconds": load_seconds,
        "first_call_ms": first_call_ms,
        "memory_note": MEMORY_NOTE,
        "startup_note": STARTUP_NOTE,
    }

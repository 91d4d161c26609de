"""Inference speed a performance engineer would trust: timing harness and statistics.

A benchmark job measures one target once, in a fresh process with every core to itself (where a
call spends its time, per layer, is the profile job's, compressbench.opprofile);
the workflow runs `benchmark.repeats` such jobs per target, one per round (compressbench.repeats
combines them). One job, in this order (the starred steps in full rounds only, `full_rounds`):

* start-up and memory (compressbench.startup), before the test set is loaded;
* (*) the coursework's figure: the whole test set one image per call with the beginner's
  function (``Runtime.naive()``);
* latency at batch 1: warm-up, then timed calls of the tuned predict function
  (``Runtime.compiled(1)``) until both a minimum count and a minimum time are reached, in
  ``latency_parts`` parts with the next steps between them (run_benchmark);
  one row per call is kept, p50/p90/p99/mean and a distribution-free 95 % confidence
  interval of the median come from those rows;
* the same call on an empty batch, where the runtime takes one (PyTorch);
* throughput over whole test-set passes for each configured batch size; (*) batch 1 always:
  the tuned one-image-per-call figure;
* (*) batch-1 latency again with a runtime opened on one thread, when the configured thread
  count is larger (``single_thread_latency``).

Around the batch-1 latency window and the throughput passes a probe reads whether the CPUs ran in
parallel at full speed (compressbench.cpu_probe): the state of each window is kept with its figures.

The statistics are pure functions of arrays of timings, testable without a runtime.
"""

from __future__ import annotations

import contextlib
import gc
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from .config import FromConfig, settings_from
from .cpu_probe import PROBE_DESCRIPTION, ParallelProbe, window_states
from .machine import host_fields
from .preprocess import split_batches
from .repeats import read_latency_calls
from .tables import read_tsv, write_json, write_tsv

LATENCY_TIMER = (
    "one predict call at batch 1 (time.perf_counter_ns around the call): input binding + inference "
    "+ returning a view of the output; excludes preprocessing (images are normalized float32 beforehand, and "
    "each is copied into one staging array before its call, so that the call finds it in cache as it would an "
    "image fresh from preprocessing); Python's garbage collector is off while timing"
)
THROUGHPUT_TIMER = (
    "one whole test-set pass at a given batch size: for each batch a tuned predict call "
    "(static shape; the last partial batch has its own compiled shape) + copying its logits into one "
    "preallocated array; excludes preprocessing"
)
NAIVE_TIMER = (
    "the whole test set one image per call with the beginner's function (dynamic shape, copies, defaults); "
    "each call timed, the pass is the sum of its calls; the naive function gets no warm-up, as in the coursework "
    "(the model itself already ran in the start-up measurement)"
)
RUNTIME_TIMER = (
    "the runtime's own timer of the same batch-1 calls, where it keeps one (OpenVINO: InferRequest.latency, "
    "what benchmark_app reports): the inference inside the call, without the Python call and the input copy"
)
LATENCY_COLUMNS = ["call", "microseconds", "runtime_timer_us"]
LATENCY_1THREAD_PREFIX = "latency_1thread_"
THROUGHPUT_COLUMNS = ["batch_size", "pass", "seconds", "images", "images_per_s"]
NAIVE_COLUMNS = ["pass", "call", "microseconds"]


# load_images(count): the first `count` normalized test images, all of them when count is None (a job
# normalizes only the sample it needs before the memory figures)
ImageLoader = Callable[[int | None], np.ndarray]


class BenchmarkError(RuntimeError):
    """A benchmark cannot run; the message names the target and the reason."""


@dataclass
class BenchSettings(FromConfig):
    """What one benchmark job (one repeat) does: config.yaml's `benchmark` keys a job reads
    (defaults: the schema) plus the thread count."""

    section: ClassVar[str] = "benchmark"

    batch_sizes: list[int]
    warmup_seconds: float
    latency_min_calls: int
    latency_min_seconds: float
    latency_parts: int
    throughput_passes: int
    throughput_min_seconds: float
    naive_passes: int
    single_thread_latency: bool
    threads: int
    # a full round also times the slow figures: the beginner's loop, the tuned batch-1 test-set pass
    # and one-thread latency (full_rounds); every round times batch-1 latency, throughput at the
    # other batch sizes, start-up and memory
    full: bool = True

    @classmethod
    def job_params(cls, section: dict, repeat: int = 0) -> dict:
        """The config keys a benchmark job (repeat `repeat`) reads, and whether its round is full:
        changing any other key (benchmark_app...) does not rerun the measurements, and changing
        repeats or full_repeats reruns only the repeats whose round changes kind."""
        params = {key: value for key, value in section.items() if key in cls.__dataclass_fields__}
        if "full" not in params:  # else: a job's params already
            params["full"] = repeat < full_rounds(section)
        return params

    @classmethod
    def from_config(cls, section: dict, threads: int, repeat: int = 0) -> BenchSettings:
        """From config's benchmark section (as repeat `repeat`) or from a job's params."""
        return settings_from(cls, cls.section, cls.job_params(section, repeat), threads=threads)


def full_rounds(section: dict) -> int:
    """How many rounds (the first ones) are full: config benchmark.full_repeats, at most benchmark.repeats."""
    return min(section["full_repeats"], section["repeats"])


# ---------------------------------------------------------------- statistics (pure)


def median_ci_ranks(n: int, confidence: float = 0.95) -> tuple[int, int, float]:
    """1-based ranks (l, u) with P(x_(l) <= median < x_(u)) >= confidence, and that exact coverage.

    Distribution-free: the number of samples below the population median is Binomial(n, 1/2),
    so the symmetric interval [x_(l), x_(n+1-l)] covers it with probability 1 - 2 F(l-1), F
    the Binomial(n, 1/2) CDF; l is the largest rank that keeps the coverage >= confidence.
    Returns (0, 0, nan) when n is too small for any interval to reach the confidence.
    """
    if n < 1:
        return 0, 0, math.nan
    alpha_half = (1.0 - confidence) / 2.0
    k = np.arange(n + 1)
    log_pmf = (
        math.lgamma(n + 1)
        - np.array([math.lgamma(i + 1) for i in k])
        - np.array([math.lgamma(n - i + 1) for i in k])
        - n * math.log(2.0)
    )
    cdf = np.cumsum(np.exp(log_pmf))
    # ranks l = 1 .. (n+1)//2; coverage(l) = 1 - 2 * cdf[l-1]
    eligible = np.nonzero(cdf[: (n + 1) // 2] <= alpha_half * (1 + 1e-12))[0]
    if len(eligible) == 0:
        return 0, 0, math.nan
    low_rank = int(eligible[-1]) + 1
    return low_rank, n + 1 - low_rank, float(1.0 - 2.0 * cdf[low_rank - 1])


def median_ci(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free confidence interval of the median (order statistics); nan if n is too small."""
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    low_rank, high_rank, _ = median_ci_ranks(len(ordered), confidence)
    if low_rank == 0:
        return math.nan, math.nan
    return float(ordered[low_rank - 1]), float(ordered[high_rank - 1])


def latency_stats(microseconds: Sequence[float] | np.ndarray, confidence: float = 0.95) -> dict:
    """p50/p90/p99 (linear interpolation between order statistics), mean, extremes, CI of p50; in ms."""
    values = np.asarray(microseconds, dtype=np.float64)
    if len(values) == 0:
        raise ValueError("latency_stats: no timings")
    p50, p90, p99 = (float(v) for v in np.percentile(values, [50, 90, 99]))
    low, high = median_ci(values, confidence)
    # A CI of the median assumes one steady state; the medians of the run's four quarters show
    # whether the machine changed state while it was measured (a shared VM does).
    quarters = [float(np.median(part)) / 1000.0 for part in np.array_split(values, 4) if len(part)]
    return {
        "latency_p50_ms": p50 / 1000.0,
        "latency_p90_ms": p90 / 1000.0,
        "latency_p99_ms": p99 / 1000.0,
        "latency_mean_ms": float(values.mean()) / 1000.0,
        "latency_min_ms": float(values.min()) / 1000.0,
        "latency_max_ms": float(values.max()) / 1000.0,
        "latency_p50_ci_low_ms": low / 1000.0,
        "latency_p50_ci_high_ms": high / 1000.0,
        "latency_ci_confidence": confidence,
        "latency_calls": len(values),
        "latency_quarter_p50_ms": quarters,
        "latency_drift": max(quarters) / min(quarters) - 1.0,
    }


def throughput_stats(rows: Iterable[dict]) -> dict:
    """Median images/s over the passes of each batch size; the best batch size by that median."""
    by_batch: dict[int, list[dict]] = {}
    for row in rows:
        by_batch.setdefault(int(row["batch_size"]), []).append(row)
    if not by_batch:
        raise ValueError("throughput_stats: no passes")
    medians = {size: float(np.median([float(r["images_per_s"]) for r in passes])) for size, passes in by_batch.items()}
    seconds = {size: float(np.median([float(r["seconds"]) for r in passes])) for size, passes in by_batch.items()}
    best = max(medians, key=lambda size: (medians[size], -size))
    return {
        "throughput_ips": medians[best],
        "batch_size_best": best,
        "throughput_by_batch": {str(size): medians[size] for size in sorted(medians)},
        "test_set_seconds_by_batch": {str(size): seconds[size] for size in sorted(seconds)},
        "best_batch_test_set_seconds": seconds[best],
        "tuned_test_set_seconds": seconds.get(1),
    }


NO_THROUGHPUT = {
    "throughput_ips": None,
    "batch_size_best": None,
    "throughput_by_batch": {},
    "test_set_seconds_by_batch": {},
    "best_batch_test_set_seconds": None,
    "tuned_test_set_seconds": None,
}
NAIVE_KEYS = ("naive_test_set_seconds", "naive_first_pass_seconds", "naive_passes_seconds", "naive_call_p50_ms")


def naive_stats(rows: Iterable[dict]) -> dict:
    """Per-pass sums of the beginner's per-call times: the coursework's whole-test-set figure."""
    passes: dict[int, list[float]] = {}
    for row in rows:
        passes.setdefault(int(row["pass"]), []).append(float(row["microseconds"]))
    if not passes:
        raise ValueError("naive_stats: no calls")
    totals = [sum(calls) / 1e6 for _, calls in sorted(passes.items())]
    all_calls = np.concatenate([np.asarray(calls) for calls in passes.values()])
    return {
        "naive_test_set_seconds": float(np.median(totals)),
        "naive_first_pass_seconds": totals[0],
        "naive_passes_seconds": totals,
        "naive_call_p50_ms": float(np.median(all_calls)) / 1000.0,
    }


def single_thread_stats(latency_1thread_us, main: dict, info_1thread: dict | None) -> dict:
    """latency_1thread_* figures: the separate one-thread run, or the main run when that used one thread."""
    separate = latency_1thread_us is not None and len(latency_1thread_us) > 0
    source = latency_stats(latency_1thread_us) if separate else main
    threads = (info_1thread or {}).get("threads") if separate else main.get("threads")
    keys = ("latency_p50_ms", "latency_p90_ms", "latency_p50_ci_low_ms", "latency_p50_ci_high_ms", "latency_calls")
    figures = {LATENCY_1THREAD_PREFIX + key.removeprefix("latency_"): source[key] for key in keys}
    applies = separate or main.get("threads") == 1
    if not applies:  # more than one thread and no separate run: there is no one-thread figure
        figures = dict.fromkeys(figures)
    return {**figures, "latency_1thread_threads": threads if applies else None, "latency_1thread_separate": separate}


def runtime_timer_stats(runtime_timer_us) -> dict:
    """The median of the runtime's own timer over the batch-1 calls (None where it keeps none)."""
    if runtime_timer_us is None or len(runtime_timer_us) == 0:
        return {"latency_runtime_timer_p50_ms": None, "timer_runtime": None}
    return {"latency_runtime_timer_p50_ms": float(np.median(runtime_timer_us)) / 1000.0, "timer_runtime": RUNTIME_TIMER}


def summarize(
    latency_us,
    throughput_rows: list[dict],
    naive_rows: list[dict],
    info: dict,
    settings: BenchSettings,
    extra: dict | None = None,
    latency_1thread_us=None,
    info_1thread: dict | None = None,
    runtime_timer_us=None,
) -> dict:
    """summary.json of one benchmark job: every figure computed from the raw timing tables."""
    # a round that is not full has no naive loop and may have no pass (batch 1 alone configured)
    throughput = throughput_stats(throughput_rows) if settings.full or throughput_rows else dict(NO_THROUGHPUT)
    summary = {
        **(extra or {}),
        **latency_stats(latency_us),
        **throughput,
        **(naive_stats(naive_rows) if settings.full else dict.fromkeys(NAIVE_KEYS)),
        "full_round": settings.full,
        "threads": info.get("threads"),
        "threads_requested": settings.threads,
        "precision": info.get("precision"),
        "runtime_info": info,
        "runtime_info_1thread": info_1thread,
        "timer": LATENCY_TIMER,
        "timer_throughput": THROUGHPUT_TIMER,
        "timer_naive": NAIVE_TIMER,
        "settings": asdict(settings),
        **runtime_timer_stats(runtime_timer_us),
    }
    summary.update(single_thread_stats(latency_1thread_us, summary, info_1thread))
    naive, tuned = summary["naive_test_set_seconds"], summary["tuned_test_set_seconds"]
    summary["naive_over_tuned"] = naive / tuned if naive and tuned else None
    return summary


# ---------------------------------------------------------------- timing (needs a predict function)


@contextlib.contextmanager
def quiet_gc():
    """No garbage-collector pauses inside timed loops (collected once before)."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def frozen_heap():
    """Collect once, then leave every object alive now out of later collections (gc.freeze) until the block ends.

    The runtime, its library and the test set live for the whole measurement, and quiet_gc collects before every
    timed window: with torch loaded a full collection walks all of its objects (0.15 s each on a 2-vCPU VM, about
    1 s of a PyTorch job's eight windows). Frozen, a collection walks only what was made since."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def warm_up(calls: list[tuple[Callable, np.ndarray]], seconds: float) -> int:
    """Run every distinct function once (a whole test-set plan at batch 1 is 10,000 calls of one
    function: one of them warms it), then keep cycling through the calls until `seconds` have passed."""
    first_call: dict[int, tuple[Callable, np.ndarray]] = {}
    for predict, batch in calls:
        first_call.setdefault(id(predict), (predict, batch))
    for predict, batch in first_call.values():
        predict(batch)
    count = len(first_call)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for predict, batch in calls:
            predict(batch)
            count += 1
            if time.perf_counter() >= deadline:
                break
    return count


def time_latency(
    predict: Callable,
    images: np.ndarray,
    min_calls: int,
    min_seconds: float,
    warmup_seconds: float,
    runtime_timer: Callable[[], float] | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Microseconds per call of predict on one image, cycling through the images; and, when the runtime
    keeps a timer of its own (`runtime_timer`: the last call's ms, read after the timed call), its
    microseconds for the same calls (None otherwise)."""
    return _timed_calls(predict, split_batches(images, 1), min_calls, min_seconds, warmup_seconds, runtime_timer)


def _timed_calls(
    predict: Callable,
    singles: list[np.ndarray],
    min_calls: int,
    min_seconds: float,
    warmup_seconds: float,
    runtime_timer: Callable[[], float] | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """time_latency's window over these inputs (all of one shape), cycled: warm-up, then at least min_calls calls
    and min_seconds.

    Each input is first copied, untimed, into one staging array that the call then gets: the call finds the image
    in cache, as it would an image fresh from preprocessing. Read from the test set's array (120 MB for CIFAR-10)
    inside the call, the image added a cache miss the benchmark makes, not the runtime (measured on a 2-vCPU VM:
    about 0.8 us of OpenVINO's 40 us batch-1 call)."""
    warm_up([(predict, batch) for batch in singles[:64]], warmup_seconds)
    timings: list[int] = []
    own: list[float] = []
    clock = time.perf_counter_ns
    n = len(singles)
    staging = np.empty_like(singles[0])
    with quiet_gc():
        deadline = clock() + int(min_seconds * 1e9)
        i = 0
        while i < min_calls or clock() < deadline:
            staging[...] = singles[i % n]
            started = clock()
            predict(staging)
            timings.append(clock() - started)
            if runtime_timer is not None:
                own.append(runtime_timer())
            i += 1
    wall = np.asarray(timings, dtype=np.float64) / 1000.0
    return wall, (np.asarray(own, dtype=np.float64) * 1000.0 if runtime_timer is not None else None)


def time_empty_calls(
    predict: Callable, input_shape: Sequence[int], min_calls: int, min_seconds: float, warmup_seconds: float
) -> np.ndarray:
    """Microseconds per call of predict on a batch of no images, timed as batch-1 latency is."""
    empty = np.zeros((0, *input_shape), dtype=np.float32)
    return _timed_calls(predict, [empty], min_calls, min_seconds, warmup_seconds)[0]


def empty_call_stats(microseconds) -> dict:
    """summary.json's figures of the empty-batch call (None where the runtime takes no empty batch)."""
    if microseconds is None or len(microseconds) == 0:
        return {"empty_call_p50_ms": None, "empty_calls": None}
    return {"empty_call_p50_ms": float(np.median(microseconds)) / 1000.0, "empty_calls": len(microseconds)}


def time_passes(
    compiled: Callable[[int], Callable],
    images: np.ndarray,
    batch_size: int,
    passes: int,
    warmup_seconds: float,
    num_classes: int,
    min_seconds: float = 0.0,
) -> list[dict]:
    """Whole test-set passes with the tuned path at one batch size, at least `passes` of them and
    at least `min_seconds` in all (a small test set passes in milliseconds): one row per pass."""
    batches = split_batches(images, batch_size)
    plan = [
        (compiled(len(batch)), batch, start)
        for batch, start in zip(batches, range(0, len(images), batch_size), strict=True)
    ]
    warm_up([(predict, batch) for predict, batch, _ in plan], warmup_seconds)
    logits = np.empty((len(images), num_classes), dtype=np.float32)
    rows = []
    clock = time.perf_counter
    total = 0.0
    with quiet_gc():
        while len(rows) < passes or total < min_seconds:
            started = clock()
            for predict, batch, start in plan:
                logits[start : start + len(batch)] = predict(batch)
            seconds = clock() - started
            total += seconds
            rows.append(
                {
                    "batch_size": batch_size,
                    "pass": len(rows),
                    "seconds": seconds,
                    "images": len(images),
                    "images_per_s": len(images) / seconds,
                }
            )
    return rows


def time_naive(predict: Callable, images: np.ndarray, passes: int, min_seconds: float = 0.0) -> list[dict]:
    """The beginner's loop, one image per call, no warm-up before the first pass; at least `passes`
    passes and at least `min_seconds` in all. One row per call."""
    rows = []
    clock = time.perf_counter_ns
    total_ns = 0
    index = 0
    while index < passes or total_ns < min_seconds * 1e9:
        timings = np.empty(len(images), dtype=np.int64)
        with quiet_gc():
            for i in range(len(images)):
                image = images[i : i + 1]
                started = clock()
                predict(image)
                timings[i] = clock() - started
        total_ns += int(timings.sum())
        rows.extend({"pass": index, "call": i, "microseconds": t / 1000.0} for i, t in enumerate(timings.tolist()))
        index += 1
    return rows


def latency_part_minimums(min_calls: int, min_seconds: float, parts: int) -> tuple[int, float]:
    """The least calls and seconds of each part of a batch-1 window whose minimums are over all its parts."""
    return math.ceil(min_calls / parts), min_seconds / parts


def latency_part_steps(parts: int, steps: list) -> list[list]:
    """The steps that follow each of the `parts` parts of the batch-1 latency window. With two parts or more every
    step lies between two parts: `steps` in order, cut into parts - 1 runs as even as possible (the later runs take
    the extra), so the parts spread over the job; a window in one part is followed by all the steps."""
    if parts == 1:
        return [list(steps)]
    gaps = parts - 1
    return [steps[i * len(steps) // gaps : (i + 1) * len(steps) // gaps] for i in range(gaps)] + [[]]


def run_benchmark(runtime, images: np.ndarray, settings: BenchSettings, log: Callable[[str], None] = print) -> dict:
    """All timed measurements of an open runtime; returns the raw tables, the runtime's info() and the
    parallel-efficiency probes taken before the batch-1 latency window, after its last part when steps follow it,
    and at the end.

    The latency window is timed in settings.latency_parts parts with the empty-batch call (where the runtime takes
    one) and the throughput passes between them: a slow spell of the machine a fraction of a second long then falls
    in one part, and the round's p50, over all the parts' calls, stays the machine's usual one (measured on a 2-vCPU
    VM: spells of 0.05-0.3 s at 1.5-2x the latency, several a minute, made whole one-part windows of a round slow)."""
    images = np.ascontiguousarray(images, dtype=np.float32)
    if len(images) == 0:
        raise BenchmarkError("no test images")

    naive = []
    if settings.full:
        naive = time_naive(runtime.naive(), images, settings.naive_passes)
        log(f"naive: {len(images)} images x {naive[-1]['pass'] + 1} passes, one image per call")

    steps = {}
    empty_call = runtime.empty_batch_call()
    if empty_call is not None:
        steps["empty"] = lambda: _time_empty_calls(empty_call, runtime.spec.input_shape, settings, log)
    for size in throughput_batch_sizes(settings):
        steps[size] = lambda size=size: _time_throughput(runtime, images, size, settings, log)
    with ParallelProbe() as probe:
        efficiency = [probe.efficiency()]
        latency, runtime_timer, measured = _time_latency_parts(runtime, images, settings, steps, probe, efficiency)
        efficiency.append(probe.efficiency())
        failure = f" ({probe.failure})" if probe.failure else ""
    own = f", the runtime's own timer {np.median(runtime_timer):.1f} us" if runtime_timer is not None else ""
    log(f"latency: {len(latency)} calls in {settings.latency_parts} parts, p50 {np.median(latency):.1f} us{own}")
    log(f"parallel efficiency at the probes: {efficiency}{failure}")
    return {
        "latency": latency,
        "runtime_timer": runtime_timer,
        "empty_call": measured.pop("empty", None),
        "throughput": [row for rows in measured.values() for row in rows],
        "naive": naive,
        "info": runtime.info(),
        "parallel_efficiency": efficiency,
    }


def _time_latency_parts(runtime, images: np.ndarray, settings: BenchSettings, steps: dict, probe, efficiency: list):
    """The batch-1 window's parts with the steps between them (latency_part_steps): the calls' microseconds, the
    runtime's own timer of them (None where it keeps none) and each step's result by name. A probe reading is
    appended to `efficiency` after the last part when steps follow it."""
    predict, timer, singles = runtime.compiled(1), runtime.runtime_timer(1), split_batches(images, 1)
    parts = latency_part_steps(settings.latency_parts, list(steps))
    measured, latency, runtime_timer = {}, [], []
    part_calls, part_seconds = latency_part_minimums(
        settings.latency_min_calls, settings.latency_min_seconds, len(parts)
    )
    for number, following in enumerate(parts):
        wall, own = _timed_calls(predict, singles, part_calls, part_seconds, settings.warmup_seconds, timer)
        latency.append(wall)
        runtime_timer.append(own)
        if number == len(parts) - 1 and following:  # a window in one part, the passes after it
            efficiency.append(probe.efficiency())
        measured.update((name, steps[name]()) for name in following)
    return np.concatenate(latency), np.concatenate(runtime_timer) if timer is not None else None, measured


def _time_empty_calls(
    predict: Callable, input_shape, settings: BenchSettings, log: Callable[[str], None]
) -> np.ndarray:
    empty = time_empty_calls(
        predict, input_shape, settings.latency_min_calls, settings.latency_min_seconds, settings.warmup_seconds
    )
    log(f"empty batch: {len(empty)} calls, p50 {np.median(empty):.1f} us")
    return empty


def _time_throughput(
    runtime, images: np.ndarray, batch_size: int, settings: BenchSettings, log: Callable[[str], None]
) -> list[dict]:
    rows = time_passes(
        runtime.compiled,
        images,
        batch_size,
        settings.throughput_passes,
        settings.warmup_seconds,
        runtime.spec.num_classes,
        settings.throughput_min_seconds,
    )
    median = np.median([r["images_per_s"] for r in rows])
    log(f"throughput at batch {batch_size}: {median:.0f} images/s over {len(rows)} passes")
    return rows


def probe_fields(efficiency: list[float | None], throughput_timed: bool) -> dict:
    """summary.json's probe figures: the efficiencies (run_benchmark) and the states of the latency window and of
    the throughput passes, the first and the last window between probes (one window where the passes lie between
    the latency parts; throughput's None where no pass was timed)."""
    states = window_states(efficiency)
    latency_state, throughput_state = states[0], states[-1]
    return {
        "parallel_efficiency": efficiency,
        "latency_cpu_state": latency_state,
        "throughput_cpu_state": throughput_state if throughput_timed else None,
        "cpu_probe": PROBE_DESCRIPTION,
    }


def throughput_batch_sizes(settings: BenchSettings) -> list[int]:
    """The batch sizes whose test-set passes a job times: a full round adds batch 1 (the tuned
    one-image-per-call pass, tuned_test_set_seconds) where it is not configured; the other rounds
    leave it out (at batch 1 a pass is 10,000 calls, and batch-1 latency is timed in every round)."""
    configured = list(dict.fromkeys(settings.batch_sizes))
    if settings.full:
        return configured if 1 in configured else [1, *configured]
    return [size for size in configured if size != 1]


def run_single_thread_latency(open_runtime: Callable[[int], object], images: np.ndarray, settings: BenchSettings):
    """Batch-1 latency with a runtime opened on one thread, in a full round; (None, None) when the
    main run used one thread or the round is not full."""
    if not settings.full or not settings.single_thread_latency or settings.threads == 1:
        return None, None
    runtime = open_runtime(1)
    latency, _ = time_latency(
        runtime.compiled(1), images, settings.latency_min_calls, settings.latency_min_seconds, settings.warmup_seconds
    )
    return latency, runtime.info()


def _latency_rows(microseconds, runtime_timer=None) -> list[dict]:
    own = [""] * len(microseconds) if runtime_timer is None else [round(float(us), 3) for us in runtime_timer]
    return [
        {"call": i, "microseconds": round(float(us), 3), "runtime_timer_us": mine}
        for i, (us, mine) in enumerate(zip(microseconds, own, strict=True))
    ]


def write_benchmark(result: dict, settings: BenchSettings, outputs, extra: dict | None = None) -> dict:
    """Write the raw tables, then compute summary.json from the files just written."""
    write_tsv(_latency_rows(result["latency"], result.get("runtime_timer")), outputs["latency"], LATENCY_COLUMNS)
    single = result.get("latency_1thread")  # None: no separate one-thread run (header-only file)
    write_tsv(_latency_rows([] if single is None else single), outputs["latency_1thread"], LATENCY_COLUMNS)
    write_tsv(result["throughput"], outputs["throughput"], THROUGHPUT_COLUMNS)
    write_tsv(result["naive"], outputs["naive"], NAIVE_COLUMNS)
    summary = summary_from_files(outputs, result["info"], settings, extra, result.get("info_1thread"))
    write_json(summary, outputs["summary"])
    return summary


def _read_latency(path) -> np.ndarray:
    return np.array([float(row["microseconds"]) for row in read_latency_calls(path)])


def _read_runtime_timer(path) -> np.ndarray | None:
    """The runtime's own timer column of a latency table; None where the runtime keeps none."""
    values = [row.get("runtime_timer_us") for row in read_tsv(path)]
    if not values or any(v in (None, "") for v in values):
        return None
    return np.array([float(v) for v in values])


def summary_from_files(
    paths, info: dict, settings: BenchSettings, extra: dict | None = None, info_1thread: dict | None = None
) -> dict:
    """summary.json from one job's tables (paths: latency, latency_1thread, throughput, naive)."""
    return summarize(
        _read_latency(paths["latency"]),
        read_tsv(paths["throughput"]),
        read_tsv(paths["naive"]),
        info,
        settings,
        extra,
        _read_latency(paths["latency_1thread"]),
        info_1thread,
        _read_runtime_timer(paths["latency"]),
    )


def _measure(target, model_dir: Path, spec, load_images: ImageLoader, settings: BenchSettings, options):
    from .runtimes import open_runtime, runtime_class
    from .startup import input_sample, measure_startup

    runtime_class(target.runtime)  # imports the runtime's library before the baseline

    def open_with(threads: int):
        return open_runtime(target, model_dir, spec, threads, options)

    # Only a sample is held while memory is measured; the test set is loaded after.
    sample_size = max([1, *settings.batch_sizes])
    sample = input_sample(load_images(sample_size), sample_size)
    runtime, startup = measure_startup(lambda: open_with(settings.threads), sample, settings.batch_sizes)
    del sample
    print(f"start-up: load {startup['load_seconds']:.3f} s, first call {startup['first_call_ms']:.3f} ms")
    images = np.ascontiguousarray(load_images(), dtype=np.float32)
    with frozen_heap():
        result = run_benchmark(runtime, images, settings)
        result["latency_1thread"], result["info_1thread"] = run_single_thread_latency(open_with, images, settings)
    return result, startup, len(images)


def benchmark_target(
    target,
    model_dir: Path,
    spec,
    load_images: ImageLoader,
    settings: BenchSettings,
    options: dict,
    outputs,
    repeat: int = 0,
) -> dict:
    """One benchmark job: open the target's runtime in this (fresh) process, measure start-up and
    memory, then speed; write the tables and summary.json. `load_images` is called twice: for the first
    images, so the memory figures are taken without the test set, then for all of them."""
    from .runtimes import TargetRuntimeError
    from .runtimes.base import model_files_text

    try:
        result, startup, test_images = _measure(target, Path(model_dir), spec, load_images, settings, options)
    except (TargetRuntimeError, BenchmarkError, ImportError) as error:
        raise BenchmarkError(f"benchmark of target {target.name!r} ({target.runtime}): {error}") from error
    except Exception as error:  # a shape the runtime rejects, a broken model file, ...
        raise BenchmarkError(
            f"benchmark of target {target.name!r} ({target.runtime}) failed on its model files "
            f"({model_files_text(model_dir)}): {type(error).__name__}: {error}"
        ) from error
    extra = {
        "target": target.name,
        "runtime": target.runtime,
        "label": target.label,
        "test_images": test_images,
        "repeat": repeat,
        **startup,
        **probe_fields(result["parallel_efficiency"], bool(result["throughput"])),
        **empty_call_stats(result["empty_call"]),
    }
    extra.update(host_fields())  # cluster runs may measure targets on different nodes
    return write_benchmark(result, settings, outputs, extra)

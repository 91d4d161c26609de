"""Where a call spends its time, per operator or layer, for every runtime: the profile job.

Each runtime profiles with its own tool (Runtime.profile_calls: ONNX Runtime's profiler,
OpenVINO's per-layer performance counters, torch.profiler for PyTorch and TorchScript) and returns
one ProfiledCall per profiled model call: the layers that ran, each with its type, the precision
it executed in, the kernel the runtime picked and its microseconds. This module turns those calls
into a per-layer table at one batch size and writes `results/profile/<target>/ops.tsv` and
`summary.json` (paths.PROFILE).

A profile is a separate measurement from the benchmark's: it runs in its own job after the
target's benchmark repeats, and profilers add cost of their own (ONNX Runtime's adds a few
microseconds to every node). Its times are for shares and per-layer comparisons, not latencies
to quote. Shares are of the profiled call itself, so the layers and the time outside any
operator (binding inputs, dispatch, the runtime's own work between kernels, Python, and the
profiler's own bookkeeping there) add up to it; the same call without the profiler, timed in the
same process just before, is recorded beside it (`call_us`) to show how much the profiler added.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np

from .config import FromConfig
from .tables import read_json, read_tsv, write_json, write_tsv

OUTSIDE = "(outside operators)"  # the ops.tsv row of the time no operator accounts for
OUTSIDE_TYPE = "outside"
OPS_COLUMNS = ["batch", "layer", "type", "precision", "kernel", "fused", "calls", "us_per_call", "share"]
FUSED_SEPARATOR = ";"
KEPT_QUANTILE = 0.9  # calls slower than this quantile (interrupted by the OS) are left out of the means
MIN_CALLS = 5
DISTINCT_BATCHES = 8  # inputs cycled through, so no runtime sees one array over and over


@dataclass
class ProfileSettings(FromConfig):
    """What one profile job does: config.yaml's `profile` keys a job reads (defaults: the schema)."""

    section: ClassVar[str] = "profile"

    calls: int
    seconds: float
    warmup_calls: int

    @classmethod
    def job_params(cls, section: dict) -> dict:
        """The keys a job reads (`enabled` decides whether there are jobs, not what they do)."""
        return {key: value for key, value in section.items() if key in cls.__dataclass_fields__}


@dataclass(frozen=True)
class LayerTime:
    """One layer (operator) in one profiled call."""

    layer: str
    type: str
    precision: str  # runtimes.options.PRECISIONS spelling, "" where the profiler does not say
    kernel: str  # the implementation the runtime ran (OpenVINO's exec type, the torch op, the EP)
    us: float
    fused: tuple[str, ...] = ()  # the model's operations this layer ran (OpenVINO says; others: none)


@dataclass(frozen=True)
class ProfiledCall:
    us: float  # the whole call, under the profiler
    layers: tuple[LayerTime, ...]


@dataclass(frozen=True)
class CallLimit:
    """How many calls a profile makes at one batch size: `warmup_calls` untimed, then up to
    `calls` (at least MIN_CALLS) within `seconds`."""

    warmup_calls: int
    calls: int
    seconds: float

    def run(self, call: Callable[[np.ndarray], object], batches: list[np.ndarray]) -> list[float]:
        """Warm up, then call in turn on the batches; the wall microseconds of each timed call."""
        for i in range(self.warmup_calls):
            call(batches[i % len(batches)])
        timings: list[float] = []
        deadline = time.perf_counter() + self.seconds
        while len(timings) < MIN_CALLS or (len(timings) < self.calls and time.perf_counter() < deadline):
            batch = batches[len(timings) % len(batches)]
            started = time.perf_counter_ns()
            call(batch)
            timings.append((time.perf_counter_ns() - started) / 1000.0)
        return timings


@dataclass(frozen=True)
class OpRow:
    """One row of ops.tsv: a layer's mean time per model call at one batch size."""

    batch: int
    layer: str
    type: str
    precision: str
    kernel: str
    calls: int  # profiled model calls the mean is over
    us_per_call: float
    share: float  # of the profiled call
    fused: tuple[str, ...] = ()  # the model's operations it ran, where the runtime says (OpenVINO)


@dataclass(frozen=True)
class BatchProfile:
    batch: int
    call_us: float  # the tuned predict call without the profiler, as the benchmark calls it
    profiled_call_us: float  # the same call under the profiler: what the shares are of
    calls: int  # profiled calls kept
    rows: tuple[OpRow, ...]  # layers in execution order, then the OUTSIDE row

    @property
    def layers(self) -> tuple[OpRow, ...]:
        return tuple(row for row in self.rows if row.type != OUTSIDE_TYPE)

    @property
    def outside_us(self) -> float:
        return sum(row.us_per_call for row in self.rows if row.type == OUTSIDE_TYPE)


def kept_calls(calls: list[ProfiledCall]) -> list[ProfiledCall]:
    """The calls at or below the KEPT_QUANTILE of their durations (at least one)."""
    if not calls:
        raise ValueError("profile: no profiled calls")
    limit = float(np.quantile([call.us for call in calls], KEPT_QUANTILE))
    return [call for call in calls if call.us <= limit] or calls[:1]


def trimmed_mean(values: list[float]) -> float:
    """Mean of the values at or below their KEPT_QUANTILE: the profile's one estimator."""
    limit = float(np.quantile(values, KEPT_QUANTILE))
    return float(np.mean([value for value in values if value <= limit]))


def summarize_calls(batch: int, calls: list[ProfiledCall], call_us: float) -> BatchProfile:
    """Per-layer means over the kept calls, as shares of the same calls' mean duration: layers plus
    the outside row make up the profiled call. A layer that ran in only some calls counts zero in
    the others. `call_us` (the call without the profiler) is kept beside, to show what the
    profiler added."""
    kept = kept_calls(calls)
    first: dict[str, LayerTime] = {}
    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    for call in kept:
        for layer in unique_names(call.layers):
            first.setdefault(layer.layer, layer)
            totals[layer.layer] = totals.get(layer.layer, 0.0) + layer.us
            counts[layer.layer] = counts.get(layer.layer, 0) + 1
    means = {name: total / len(kept) for name, total in totals.items()}
    # each call's layers lie within it, so their means sum to at most the mean call; a profiler
    # that rounds (OpenVINO: whole microseconds) may overshoot a little, then the outside is zero
    whole = max(float(np.mean([call.us for call in kept])), sum(means.values()))
    rows = [
        OpRow(
            batch,
            name,
            layer.type,
            layer.precision,
            layer.kernel,
            counts[name],
            means[name],
            means[name] / whole,
            layer.fused,
        )
        for name, layer in first.items()
    ]
    outside = whole - sum(means.values())
    rows.append(OpRow(batch, OUTSIDE, OUTSIDE_TYPE, "", "", len(kept), outside, outside / whole))
    return BatchProfile(batch, call_us, whole, len(kept), tuple(rows))


def unique_names(layers: tuple[LayerTime, ...]) -> list[LayerTime]:
    """A layer that runs twice in one call (a module used twice) gets #2, #3... on its later runs."""
    seen: dict[str, int] = {}
    named = []
    for layer in layers:
        seen[layer.layer] = seen.get(layer.layer, 0) + 1
        count = seen[layer.layer]
        named.append(layer if count == 1 else replace(layer, layer=f"{layer.layer}#{count}"))
    return named


def images_needed(batch_best: int) -> int:
    """How many test images a profile reads: DISTINCT_BATCHES of the largest batch."""
    return DISTINCT_BATCHES * max(1, int(batch_best))


def input_batches(images: np.ndarray, batch: int) -> list[np.ndarray]:
    """Up to DISTINCT_BATCHES contiguous batches of `batch` images, cycling through the images."""
    if len(images) == 0:
        raise ValueError("profile: no test images")
    count = max(1, min(DISTINCT_BATCHES, len(images) // batch))
    indices = [np.arange(i * batch, (i + 1) * batch) % len(images) for i in range(count)]
    return [np.ascontiguousarray(images[index], dtype=np.float32) for index in indices]


def profile_batch(runtime, images: np.ndarray, batch: int, limit: CallLimit) -> BatchProfile:
    """The unprofiled call time, then the runtime's profiled calls, at one batch size."""
    batches = input_batches(images, batch)
    call_us = trimmed_mean(limit.run(runtime.compiled(batch), batches))
    return summarize_calls(batch, runtime.profile_calls(batch, batches, limit), call_us)


def profile_batches(batch_size_best: int) -> list[int]:
    """Batch 1 and the benchmark's best batch size."""
    return sorted({1, int(batch_size_best)})


# ---------------------------------------------------------------- files (paths.PROFILE)


def op_rows(profiles: list[BatchProfile]) -> list[dict]:
    return [
        {
            **asdict(row),
            "fused": FUSED_SEPARATOR.join(row.fused),
            "us_per_call": round(row.us_per_call, 4),
            "share": round(row.share, 6),
        }
        for profile in profiles
        for row in profile.rows
    ]


def batch_facts(profile: BatchProfile) -> dict:
    return {
        "batch": profile.batch,
        "call_us": profile.call_us,
        "profiled_call_us": profile.profiled_call_us,
        "calls": profile.calls,
    }


def write_profile(profiles: list[BatchProfile], extra: dict, outputs) -> None:
    """ops.tsv (every batch's rows) and summary.json (the calls' figures and what ran)."""
    write_tsv(op_rows(profiles), outputs["ops"], OPS_COLUMNS)
    write_json({**extra, "batches": {str(p.batch): batch_facts(p) for p in profiles}}, outputs["summary"])


def read_profile(ops_path: str | Path, summary_path: str | Path) -> dict[int, BatchProfile]:
    """batch -> BatchProfile from the two files of one target."""
    summary = read_json(summary_path)
    rows: dict[int, list[OpRow]] = {}
    for row in read_tsv(ops_path):
        try:
            parsed = OpRow(
                int(row["batch"]),
                row["layer"],
                row["type"],
                row["precision"],
                row["kernel"],
                int(row["calls"]),
                float(row["us_per_call"]),
                float(row["share"]),
                tuple(name for name in row["fused"].split(FUSED_SEPARATOR) if name),
            )
        except (KeyError, ValueError) as error:
            raise ValueError(f"{ops_path}: not an ops table ({type(error).__name__}: {error})") from None
        rows.setdefault(parsed.batch, []).append(parsed)
    profiles = {}
    for key, facts in summary["batches"].items():
        batch = int(key)
        if batch not in rows:
            raise ValueError(f"{ops_path}: no rows for batch {batch}, which {summary_path} lists")
        profiles[batch] = BatchProfile(
            batch, float(facts["call_us"]), float(facts["profiled_call_us"]), int(facts["calls"]), tuple(rows[batch])
        )
    return profiles


# ---------------------------------------------------------------- the job


def profile_target(
    target,
    model_dir: Path,
    spec,
    images: np.ndarray,
    threads: int,
    options: dict,
    batch_best: int,
    settings: ProfileSettings,
    outputs,
) -> list[BatchProfile]:
    """Open the target's runtime as the benchmark does, profile batch 1 and the best batch, write the files."""
    from .machine import host_fields
    from .runtimes import open_runtime

    started = time.perf_counter()
    runtime = open_runtime(target, model_dir, spec, threads, options)
    limit = CallLimit(settings.warmup_calls, settings.calls, settings.seconds)
    profiles = [profile_batch(runtime, images, batch, limit) for batch in profile_batches(batch_best)]
    extra = {
        "target": target.name,
        "runtime": target.runtime,
        "profiler": runtime.profiler,
        "threads": threads,
        "runtime_info": runtime.info(),
        "batch_size_best": int(batch_best),
        "settings": asdict(settings),
        "seconds": time.perf_counter() - started,
        **host_fields(),
    }
    write_profile(profiles, extra, outputs)
    return profiles

"""A target's figures from its benchmark repeats: R jobs, each a fresh process (benchmark.py).

Each figure is the median over repeats of that repeat's own figure; its interval is the range
(min-max) over repeats. With R independent repeats the range contains the median of the
repeat-to-repeat distribution with probability 1 - 2^(1-R) (75 % for R = 3, 97 % for R = 6):
the distribution-free interval a few repeats can give. It shows how far one run of the same
model on the same machine moves, which the within-run interval of one job does not.

Repeat r runs in round r. The first rounds are extended (benchmark.full_rounds): only they time the
slow figures (the beginner's loop, the tuned batch-1 pass, one-thread latency), so those figures
are the median and range over the extended rounds; every other figure is over all rounds.

Each repeat's parallel-speed probes (compressbench.cpu_probe) and the states of its latency and
throughput windows are kept in repeat order beside the figures, which are over every round: leaving
the rounds the probe read below full speed out made reruns less reproducible, not more (the probe tells
the two states of a shared VM apart only in part, and fewer rounds give narrower ranges).

Whole-test-set times are derived from throughput (test images / images per second), so
every time in the report comes from the same measurement.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .tables import read_json, read_tsv, write_json, write_tsv

INTERVAL = "min-max over repeats"
REPEAT_COLUMNS = [
    "repeat",
    "latency_p50_ms",
    "latency_p50_within_ci_low_ms",
    "latency_p50_within_ci_high_ms",
    "latency_drift",
    "latency_1thread_p50_ms",
    "full_round",
    "throughput_ips",
    "tuned_test_set_seconds",
    "naive_test_set_seconds",
    "baseline_rss_mb",
    "load_rss_mb",
    "peak_rss_batch1_mb",
    "peak_rss_mb",
    "load_seconds",
    "first_call_ms",
    "threads",
    "latency_cpu_state",
    "throughput_cpu_state",
    "parallel_efficiency",
]
COMBINED_LATENCY_COLUMNS = ["repeat", "call", "microseconds"]


def spread(values) -> tuple[float | None, float | None, float | None]:
    """(median, min, max) of the values that are present; Nones when none is."""
    present = np.array([float(v) for v in values if v is not None], dtype=np.float64)
    if len(present) == 0:
        return None, None, None
    return float(np.median(present)), float(present.min()), float(present.max())


def range_coverage(repeats: int) -> float:
    """P(min <= population median <= max) for `repeats` independent draws of a continuous variable."""
    return 1.0 - 2.0 ** (1 - repeats) if repeats >= 1 else float("nan")


@lru_cache
def rerun_coverage(repeats: int, draws: int = 100_000) -> float:
    """P(the median of another run's `repeats` rounds lies inside this run's min-max over as many),
    both runs drawn from one steady state (normal noise, simulated with a fixed seed): about 60 % for 3
    rounds, 90 % for 6 and 96 % for 8. Run-level changes of the machine lower it. Cached: a simulation of
    0.2 s that every report render would otherwise repeat."""
    if repeats < 1:
        return float("nan")
    this, other = np.random.default_rng(0).normal(size=(2, draws, repeats))
    median = np.median(other, axis=1)
    return float(np.mean((this.min(axis=1) <= median) & (median <= this.max(axis=1))))


def _with_spread(name: str, values, suffixes=("_low", "_high")) -> dict:
    median, low, high = spread(values)
    return {name: median, name + suffixes[0]: low, name + suffixes[1]: high}


def bound_name(name: str, bound: str) -> str:
    """The name of a figure's range end: x_ms -> x_low_ms, x -> x_low."""
    return f"{name.removesuffix('_ms')}_{bound}_ms" if name.endswith("_ms") else f"{name}_{bound}"


def _ms_name(name: str, bound: str) -> str:
    """latency_p50_ms -> latency_p50_ci_low_ms: the existing summary.tsv spelling of an interval in ms."""
    return name.removesuffix("_ms") + f"_ci_{bound}_ms"


def combine_latency(summaries: list[dict]) -> dict:
    """Batch-1 latency: medians over repeats, the range of the repeats' p50s, their agreement."""
    combined = {}
    for prefix in ("latency_", "latency_1thread_"):
        p50s = [s.get(prefix + "p50_ms") for s in summaries]
        median, low, high = spread(p50s)
        combined.update({prefix + "p50_ms": median, _ms_name(prefix + "p50_ms", "low"): low})
        combined[_ms_name(prefix + "p50_ms", "high")] = high
        combined[prefix + "repeat_p50_ms"] = p50s
        combined[prefix + "p90_ms"] = spread(s.get(prefix + "p90_ms") for s in summaries)[0]
    combined["latency_mean_ms"] = spread(s["latency_mean_ms"] for s in summaries)[0]
    # the tail is the noisiest figure of a repeat: its median goes out with the repeats' range
    p99 = spread(s["latency_p99_ms"] for s in summaries)
    names = ("latency_p99_ms", bound_name("latency_p99_ms", "low"), bound_name("latency_p99_ms", "high"))
    combined.update(zip(names, p99, strict=True))
    own = spread(s.get("latency_runtime_timer_p50_ms") for s in summaries)  # OpenVINO's own timer
    key = "latency_runtime_timer_p50_ms"
    combined.update(zip((key, _ms_name(key, "low"), _ms_name(key, "high")), own, strict=True))
    # a call on an empty batch (PyTorch): a lower bound on what a call costs besides its images
    empty = [s.get("empty_call_p50_ms") for s in summaries]
    names = ("empty_call_p50_ms", bound_name("empty_call_p50_ms", "low"), bound_name("empty_call_p50_ms", "high"))
    combined.update(zip(names, spread(empty), strict=True))
    combined["empty_call_repeat_ms"] = empty if any(value is not None for value in empty) else None
    within = [(s["latency_p50_ci_low_ms"], s["latency_p50_ci_high_ms"]) for s in summaries]
    # The repeats agree when one value lies inside every repeat's own 95 % interval of its median.
    complete = all(low == low and high == high for low, high in within)
    agree = max(low for low, _ in within) <= min(high for _, high in within) if complete else None
    median = combined["latency_p50_ms"]
    drifting = max(summaries, key=lambda s: s["latency_drift"])
    return {
        **combined,
        "latency_min_ms": min(s["latency_min_ms"] for s in summaries),
        "latency_max_ms": max(s["latency_max_ms"] for s in summaries),
        "latency_calls": sum(int(s["latency_calls"]) for s in summaries),
        # the repeat that drifted most while it was measured, with the medians of its four quarters
        "latency_drift": drifting["latency_drift"],
        "latency_drift_repeat": drifting["repeat"],
        "latency_quarter_p50_ms": drifting["latency_quarter_p50_ms"],
        "latency_p50_spread": (combined["latency_p50_ci_high_ms"] - combined["latency_p50_ci_low_ms"]) / median,
        "latency_within_repeat_ci_ms": [list(pair) for pair in within],
        "latency_repeats_agree": agree,
        "latency_1thread_threads": summaries[0].get("latency_1thread_threads"),
        "latency_1thread_separate": summaries[0].get("latency_1thread_separate"),
        "latency_cpu_states": [s.get("latency_cpu_state") for s in summaries],
        "throughput_cpu_states": [s.get("throughput_cpu_state") for s in summaries],
        "parallel_efficiency_by_repeat": [s.get("parallel_efficiency") for s in summaries],
    }


def best_batch_size(per_batch_medians: dict[str, float]) -> int:
    """The batch size with the highest median throughput; ties go to the smaller batch."""
    return max((int(size) for size in per_batch_medians), key=lambda size: (per_batch_medians[str(size)], -size))


def combine_throughput(summaries: list[dict], test_images: int) -> dict:
    """Images/s per batch size over repeats; whole-test-set seconds = test images / images per s."""
    sizes = sorted({int(size) for s in summaries for size in s["throughput_by_batch"]})
    per_batch = {str(size): spread(s["throughput_by_batch"].get(str(size)) for s in summaries) for size in sizes}
    medians = {size: values[0] for size, values in per_batch.items()}
    best = best_batch_size(medians)
    seconds = {size: test_images / ips for size, ips in medians.items()}
    combined = {
        "throughput_by_batch": medians,
        "throughput_by_batch_low": {size: values[1] for size, values in per_batch.items()},
        "throughput_by_batch_high": {size: values[2] for size, values in per_batch.items()},
        "batch_size_best": best,
        "test_set_batch_size": best,
        "test_set_seconds_by_batch": seconds,
    }
    # each repeat's images/s at the best batch size, in repeat order: a comparison pairs them by round
    combined["throughput_repeat_ips"] = [s["throughput_by_batch"].get(str(best)) for s in summaries]
    for name, size in (("throughput_ips", best), ("tuned_throughput_ips", 1)):
        median, low, high = per_batch[str(size)]
        combined.update({name: median, f"{name}_low": low, f"{name}_high": high})
    for name, size in (("test_set_seconds", best), ("tuned_test_set_seconds", 1)):
        _, low, high = per_batch[str(size)]  # the slowest repeat gives the longest time
        combined.update({name: seconds[str(size)], f"{name}_low": test_images / high})
        combined[f"{name}_high"] = test_images / low
    combined["best_batch_test_set_seconds"] = combined["test_set_seconds"]
    # each repeat's tuned batch-1 pass, in repeat order: the naive loop of the same process is paired with it
    combined["tuned_repeat_seconds"] = [
        test_images / ips if (ips := s["throughput_by_batch"].get("1")) else None for s in summaries
    ]
    return combined


def combine_naive(summaries: list[dict]) -> dict:
    """The beginner's loop over the full rounds (None in the others' places of naive_repeat_seconds)."""
    per_repeat = [s.get("naive_test_set_seconds") for s in summaries]
    combined = _with_spread("naive_test_set_seconds", per_repeat)
    combined["naive_first_pass_seconds"] = spread(s.get("naive_first_pass_seconds") for s in summaries)[0]
    combined["naive_call_p50_ms"] = spread(s.get("naive_call_p50_ms") for s in summaries)[0]
    combined["naive_repeat_seconds"] = per_repeat
    return combined


def combine_startup(summaries: list[dict], best_batch: int) -> dict:
    """Memory and start-up figures; peak_rss_mb is the peak after steady inference at the best batch, and
    peak_rss_largest_mb the peak at the largest batch size every repeat timed, one size for every target (the
    best batch differs between targets)."""
    peaks = [s["peak_rss_by_batch_mb"].get(str(best_batch)) for s in summaries]
    largest = max(set.intersection(*(set(map(int, s["peak_rss_by_batch_mb"])) for s in summaries)))
    combined = {}
    for name, values in (
        ("baseline_rss_mb", [s["baseline_rss_mb"] for s in summaries]),
        ("load_rss_mb", [s["load_rss_mb"] for s in summaries]),
        ("peak_rss_batch1_mb", [s["peak_rss_batch1_mb"] for s in summaries]),
        ("peak_rss_mb", peaks),
        ("peak_rss_largest_mb", [s["peak_rss_by_batch_mb"][str(largest)] for s in summaries]),
        ("load_seconds", [s["load_seconds"] for s in summaries]),
        ("first_call_ms", [s["first_call_ms"] for s in summaries]),
    ):
        combined.update(_with_spread(name, values))
    # each round's start-up figures, so that two targets' are compared round by round as their speeds are
    combined["load_repeat_seconds"] = [s["load_seconds"] for s in summaries]
    combined["first_call_repeat_ms"] = [s["first_call_ms"] for s in summaries]
    combined["peak_rss_batch_size"] = best_batch
    combined["peak_rss_largest_batch"] = largest
    combined["peak_reset"] = all(s["peak_reset"] for s in summaries)
    return combined


def combine_hosts(summaries: list[dict]) -> dict:
    """Where the repeats ran: one name when all ran on one node and CPU, else every one, so that
    a report never ranks numbers from different machines without saying so."""
    return {
        "hostname": ", ".join(sorted({str(s["hostname"]) for s in summaries})),
        "cpu_model": ", ".join(sorted({str(s["cpu_model"]) for s in summaries})),
        "hosts_by_repeat": [s["hostname"] for s in summaries],
        "slurm_job_ids": [s["slurm_job_id"] for s in summaries],
    }


def _ratio(a, b):
    return a / b if a and b else None


def combine(summaries: list[dict]) -> dict:
    """The target's summary.json from its repeats' summaries (in repeat order)."""
    if not summaries:
        raise ValueError("combine: no repeats")
    targets = {s["target"] for s in summaries}
    if len(targets) != 1:
        raise ValueError(f"combine: repeats of different targets: {sorted(targets)}")
    first = summaries[0]
    test_images = int(first["test_images"])
    throughput = combine_throughput(summaries, test_images)
    naive = combine_naive(summaries)
    return {
        **{key: first[key] for key in ("target", "runtime", "label", "threads", "threads_requested", "precision")},
        "test_images": test_images,
        "repeats": len(summaries),
        "full_repeats": sum(1 for s in summaries if s.get("full_round", True)),
        "repeat_indices": [int(s["repeat"]) for s in summaries],  # the rounds the repeats ran in
        "interval": INTERVAL,
        "interval_coverage": range_coverage(len(summaries)),
        **combine_latency(summaries),
        **throughput,
        **naive,
        "naive_over_tuned": _ratio(naive["naive_test_set_seconds"], throughput["tuned_test_set_seconds"]),
        **combine_startup(summaries, throughput["batch_size_best"]),
        **combine_hosts(summaries),
        "threads_by_repeat": [s["threads"] for s in summaries],
        **{key: first[key] for key in ("runtime_info", "runtime_info_1thread", "settings", "memory_note")},
        **{key: first[key] for key in ("startup_note", "timer", "timer_throughput", "timer_naive")},
        "timer_runtime": first.get("timer_runtime"),
    }


def repeat_rows(summaries: list[dict], best_batch: int) -> list[dict]:
    """repeats.tsv: each repeat's own figures, for a reader who wants to see the spread."""
    return [
        {
            **{key: s.get(key) for key in REPEAT_COLUMNS},
            "full_round": s.get("full_round", True),
            "latency_p50_within_ci_low_ms": s["latency_p50_ci_low_ms"],
            "latency_p50_within_ci_high_ms": s["latency_p50_ci_high_ms"],
            "throughput_ips": s["throughput_by_batch"].get(str(best_batch)),
            "peak_rss_mb": s["peak_rss_by_batch_mb"].get(str(best_batch)),
        }
        for s in summaries
    ]


def read_latency_calls(path) -> list[dict]:
    """A latency table's rows (call, microseconds), every time checked to be a positive number, so
    a damaged raw file stops here naming it rather than in the plots."""
    rows = read_tsv(path)
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        value = row.get("microseconds")
        try:
            valid = math.isfinite(float(value)) and float(value) > 0
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise ValueError(
                f"{path}, line {line}: microseconds={value!r} is not a positive number; the file is damaged: "
                "delete it and rerun to measure again"
            )
    return rows


def write_combined(summary_paths: list, latency_paths: list, outputs) -> dict:
    """summary.json, repeats.tsv and latency.tsv (every repeat's batch-1 calls) of one target."""
    latency = [read_latency_calls(path) for path in latency_paths]  # first: a damaged file stops here
    summaries = [read_json(path) for path in summary_paths]
    combined = combine(summaries)
    write_tsv(repeat_rows(summaries, combined["batch_size_best"]), outputs["repeats"], REPEAT_COLUMNS)
    calls = [
        {"repeat": summary["repeat"], **row} for summary, rows in zip(summaries, latency, strict=True) for row in rows
    ]
    write_tsv(calls, outputs["latency"], COMBINED_LATENCY_COLUMNS)
    write_json(combined, outputs["summary"])
    return combined

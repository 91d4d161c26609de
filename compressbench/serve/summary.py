"""A served target's repeats combined: results/serve/<target>/load.tsv and summary.json.

load.tsv holds every repeat's steps (a `repeat` column first) with the distribution-free 95 %
interval of each step's p50, computed from the repeat's requests.tsv; summary.json holds what
compressbench.serve.analysis computes from that table, the benchmark's summary and the jobs'
run.json facts, with NaN written as null.
"""

from __future__ import annotations

import math
from dataclasses import asdict, is_dataclass

from ..benchmark import median_ci
from ..repeats import INTERVAL
from ..tables import read_json, read_tsv, write_json, write_tsv
from . import analysis
from .load import STEP_COLUMNS

COMBINED_COLUMNS = ["repeat", *STEP_COLUMNS, "p50_ci_low_ms", "p50_ci_high_ms"]


def step_key(row: dict) -> tuple[str, str, str]:
    return row["phase"], row["batching"], str(row["step"])


def step_medians_ci(requests: list[dict]) -> dict[tuple[str, str, str], tuple[float, float]]:
    """95 % interval of each step's median latency over its answered requests."""
    latencies: dict[tuple[str, str, str], list[float]] = {}
    for row in requests:
        if row["outcome"] == "ok":
            latencies.setdefault(step_key(row), []).append(float(row["latency_ms"]))
    return {key: median_ci(values) for key, values in latencies.items()}


def combine_loads(load_paths: list, requests_paths: list) -> list[dict]:
    """Every repeat's step rows (in the order of the paths: repeat 0, 1, ...) with their p50 intervals."""
    rows = []
    for repeat, (load_path, requests_path) in enumerate(zip(load_paths, requests_paths, strict=True)):
        intervals = step_medians_ci(read_tsv(requests_path))
        for row in read_tsv(load_path):
            low, high = intervals.get(step_key(row), (math.nan, math.nan))
            rows.append({"repeat": repeat, **row, "p50_ci_low_ms": low, "p50_ci_high_ms": high})
    return rows


def plain(value):
    """Dataclasses as dicts, tuples as lists, NaN as None: what JSON holds."""
    if is_dataclass(value):
        return plain(asdict(value))
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _server_facts(runs: list[dict], key: str) -> list[dict]:
    return [
        {"repeat": run["repeat"], "batching": server["batching"], **server[key]}
        for run in runs
        for server in run["servers"]
        if key in server
    ]


def summarize(steps: list[analysis.LoadStep], runs: list[dict], bench_summary: dict, slo_p99_ms: float) -> dict:
    """summary.json of one served target."""
    threads = runs[0]["threads"]
    on = analysis.capacity(steps, slo_p99_ms, analysis.configured_batching(steps))
    recovery = _server_facts(runs, "recovery")
    ceilings = [
        server["noop_ceiling"]["ok_rps"] for run in runs for server in run["servers"] if "noop_ceiling" in server
    ]
    parity = _server_facts(runs, "parity")
    return plain(
        {
            "target": runs[0]["target"],
            "runtime": runs[0]["runtime"],
            "slo_p99_ms": slo_p99_ms,
            "repeats": len(runs),
            "interval": INTERVAL,
            "threads": threads,
            "precision": runs[0]["precision"],
            "cpus": runs[0]["cpus"],
            "hosts": sorted({run["hostname"] for run in runs}),
            "settings": runs[0]["settings"],  # the serve keys the jobs read (ServeSettings)
            "capacity_rps": on.rps.median if on and on.rps else None,
            "capacity_rps_low": on.rps.low if on and on.rps else None,
            "capacity_rps_high": on.rps.high if on and on.rps else None,
            "capacity": {mode: analysis.capacity(steps, slo_p99_ms, mode) for mode in ("on", "off")},
            "batching_on_vs_off": analysis.batching_comparison(steps, slo_p99_ms),
            "noop_round_trip_ms": analysis.latency_interval(
                analysis.select(steps, analysis.NOOP_PHASE, analysis.configured_batching(steps))
            ),
            "noop_ceiling_rps": analysis.interval(ceilings),
            "time_split": analysis.time_split(steps),
            "binary_vs_json": analysis.binary_comparison(steps),
            "service_overhead": analysis.service_overhead(steps, bench_summary, threads),
            "accounting": analysis.accounting(steps, slo_p99_ms),
            "parity": {
                "images": sum(p["images"] for p in parity),
                "agree": sum(p["agree"] for p in parity),
                "failed": sum(p["failed"] for p in parity),
            },
            "recovery": recovery,
            "recovered_within_slo": all(r["ok"] == r["requests"] and r["p50_ms"] <= slo_p99_ms for r in recovery),
            "probes": _server_facts(runs, "probe"),
        }
    )


def write_summary(load_paths, requests_paths, run_paths, bench_summary_path, slo_p99_ms: float, outputs) -> dict:
    rows = combine_loads(load_paths, requests_paths)
    write_tsv(rows, outputs["load"], COMBINED_COLUMNS)
    steps = analysis.read_steps(outputs["load"])  # from the file just written, as a reader gets it
    summary = summarize(steps, [read_json(path) for path in run_paths], read_json(bench_summary_path), slo_p99_ms)
    write_json(summary, outputs["summary"])
    return summary

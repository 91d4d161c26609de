"""What a report section on the service under load states, computed from results/serve/ files.

Pure functions of the combined step table (results/serve/<target>/load.tsv, one row per repeat,
phase, batching mode and step) and the in-process benchmark summary; no words, only plain
dataclasses, so the report (any language) quotes them.

Definitions:
* a step meets the SLO when every request it sent was answered (no 503, error or timeout) and the
  p99 of their latencies, from the scheduled send times, is at most `slo_p99_ms`;
* a repeat's capacity at the SLO is the achieved rate of the heaviest sweep step below the first
  step that misses it (the next step's offered rate bounds it above; a sweep that never missed it
  gives only a lower bound, `reached` False);
* a step's verdict is the generator's (`generator_late`) when the step misses the SLO on its p99
  alone (nothing refused, failed or timed out) while the same requests timed from when the
  generator actually sent them meet it: without the generator's own lateness the step would pass;
* intervals over repeats are min-max ranges (they hold the median of the repeat-to-repeat
  distribution with probability 1 - 2^(1-R), compressbench.repeats), so one repeat gives none; a
  latency's interval is the union of every repeat's distribution-free 95 % interval of its
  median, so one repeat also has one;
* two figures differ ("resolved") only when their intervals do not overlap; otherwise the answer
  is "not resolved", a normal outcome.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..repeats import range_coverage
from ..tables import read_tsv

SPLIT_TOLERANCE = 0.15  # the parts must add up to the client's p50 within this share (issue 19)
NOOP_PHASE, BINARY_PHASE, SWEEP_PHASE = "noop", "binary", "sweep"
INT_COLUMNS = ("repeat", "step", "sent", "ok", "rejected", "errors", "timeouts")
TEXT_COLUMNS = ("phase", "batching")


@dataclass(frozen=True)
class LoadStep:
    """One row of load.tsv (times in ms, rates per second, CPU in CPUs busy)."""

    repeat: int
    phase: str
    batching: str
    step: int
    offered_rps: float
    seconds: float
    achieved_rps: float
    sent: int
    ok: int
    rejected: int
    errors: int
    timeouts: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    decode_ms: float
    queue_ms: float
    inference_ms: float
    encode_ms: float
    server_ms: float
    server_p99_ms: float
    batch_mean: float
    send_lag_p99_ms: float
    p99_sent_ms: float
    inbound_p99_ms: float
    client_cpu: float
    server_cpu: float
    p50_ci_low_ms: float
    p50_ci_high_ms: float

    @classmethod
    def from_row(cls, row: dict) -> LoadStep:
        def typed(name: str, value: str):
            if name in TEXT_COLUMNS:
                return value
            return int(value) if name in INT_COLUMNS else float(value) if value not in ("", "None") else math.nan

        missing = [name for name in (*TEXT_COLUMNS, *INT_COLUMNS) if name not in row]
        if missing:
            raise ValueError(f"load step without {', '.join(missing)}: a load.tsv of another version (rerun serve)")
        # a measured column a first-round table lacks (server_p99_ms, p99_sent_ms, ...) reads as not measured
        return cls(**{name: typed(name, row.get(name, "")) for name in cls.__dataclass_fields__})

    @property
    def accounted(self) -> bool:
        return self.sent == self.ok + self.rejected + self.errors + self.timeouts

    @property
    def failed(self) -> int:
        return self.rejected + self.errors + self.timeouts


@dataclass(frozen=True)
class Interval:
    """A figure over repeats: its median, the interval (see the module) and the repeats' values."""

    median: float
    low: float
    high: float
    values: tuple[float, ...]

    @property
    def coverage(self) -> float:
        return range_coverage(len(self.values))


@dataclass(frozen=True)
class RepeatCapacity:
    repeat: int
    capacity_rps: float | None  # None: even the lightest step missed the SLO
    offered_rps: float | None
    next_offered_rps: float | None  # the first step that missed it; None: none did
    reached: bool  # some step missed the SLO, so the capacity is bracketed, not only bounded below
    generator_late: bool  # the generator, not the server, made that step miss (see the module)


@dataclass(frozen=True)
class Capacity:
    batching: str
    slo_p99_ms: float
    rps: Interval | None  # None when a repeat met the SLO at no step
    repeats: tuple[RepeatCapacity, ...]


@dataclass(frozen=True)
class Comparison:
    """`first` against `second`: their ratio of medians and whether the intervals separate them."""

    first: Interval | None
    second: Interval | None
    ratio: float | None
    verdict: str  # "higher", "lower" (first against second) or "not resolved"


@dataclass(frozen=True)
class TimeSplit:
    """Where a light-load request's time goes (medians over repeats, ms)."""

    offered_rps: float
    client_p50_ms: float
    decode_ms: float
    queue_ms: float
    inference_ms: float
    encode_ms: float
    noop_round_trip_ms: float
    parts_sum_ms: float
    parts_over_client: float
    within_tolerance: bool


@dataclass(frozen=True)
class ServiceOverhead:
    service_p50_ms: Interval
    inprocess_p50_ms: float | None
    inprocess_metric: str | None  # the benchmark figure at the serving thread count, None if it has none
    overhead_ms: float | None


@dataclass(frozen=True)
class Accounting:
    steps: int
    all_accounted: bool
    clean_before_shedding: bool  # no error or timeout in a sweep step lighter than the first that shed (503)
    heaviest_offered_rps: float
    heaviest_rejected: int
    heaviest_errors_timeouts: int
    heaviest_p99_ms: float  # the answered requests' p99 from their scheduled times (the worst repeat)
    heaviest_p99_sent_ms: float  # the same requests from their actual sends
    heaviest_server_ms: float  # the server's own time (its split's sum, median) in that step
    heaviest_server_p99_ms: float  # its p99 (the worst repeat): what the queue limit bounds
    heaviest_send_lag_p99_ms: float  # the generator's lateness there
    heaviest_inbound_p99_ms: float  # from the sends to the server's handler: in front of its bounded queue
    heaviest_generator_late: bool  # in some repeat the generator decided that step's verdict


@dataclass(frozen=True)
class CompressionBehindHttp:
    target: str
    base: str
    inprocess_p50: Comparison
    service_p50: Comparison
    capacity: Comparison


# ---------------------------------------------------------------- reading


def read_steps(path) -> list[LoadStep]:
    return [LoadStep.from_row(row) for row in read_tsv(path)]


def select(steps: list[LoadStep], phase: str, batching: str = "on", repeat: int | None = None) -> list[LoadStep]:
    chosen = [s for s in steps if s.phase == phase and s.batching == batching and repeat in (None, s.repeat)]
    return sorted(chosen, key=lambda s: (s.repeat, s.offered_rps))


def configured_batching(steps: list[LoadStep]) -> str:
    """The batching mode of the configured server (the one the no-op and binary steps ran against):
    "on", or "off" when serve.max_batch_size is 1."""
    labels = {s.batching for s in steps if s.phase in (NOOP_PHASE, BINARY_PHASE)}
    return labels.pop() if len(labels) == 1 else "on"


def repeats_of(steps: list[LoadStep]) -> list[int]:
    return sorted({s.repeat for s in steps})


def interval(values) -> Interval:
    present = tuple(float(v) for v in values if v is not None and not math.isnan(v))
    if not present:
        raise ValueError("interval: no values")
    return Interval(float(np.median(present)), min(present), max(present), present)


def repeat_range(values) -> Interval:
    """A figure measured once per repeat: its median and the range over repeats; one repeat has no
    range (low and high NaN), so nothing is resolved on it."""
    base = interval(values)
    return base if len(base.values) > 1 else Interval(base.median, math.nan, math.nan, base.values)


def latency_interval(steps: list[LoadStep]) -> Interval:
    """The p50s of these steps (one per repeat): median, and the union of their 95 % intervals."""
    base = interval(s.p50_ms for s in steps)
    lows = [s.p50_ci_low_ms for s in steps if not math.isnan(s.p50_ci_low_ms)]
    highs = [s.p50_ci_high_ms for s in steps if not math.isnan(s.p50_ci_high_ms)]
    if len(lows) < len(steps) or len(highs) < len(steps):  # too few requests for a 95 % interval
        return Interval(base.median, math.nan, math.nan, base.values)
    return Interval(base.median, min(lows), max(highs), base.values)


# ---------------------------------------------------------------- capacity


def meets_slo(step: LoadStep, slo_p99_ms: float) -> bool:
    return step.failed == 0 and step.ok > 0 and step.p99_ms <= slo_p99_ms


def generator_late(step: LoadStep, slo_p99_ms: float) -> bool:
    """The step misses the SLO only by its p99, and timed from the actual sends it would meet it."""
    return (
        step.failed == 0 and step.ok > 0 and step.p99_ms > slo_p99_ms and step.p99_sent_ms <= slo_p99_ms
    )  # a NaN p99_sent_ms (not measured) compares False: the verdict stays the server's


def repeat_capacity(sweep: list[LoadStep], slo_p99_ms: float) -> RepeatCapacity:
    """One repeat's sweep (one batching mode): the heaviest step below the first that misses the SLO."""
    ordered = sorted(sweep, key=lambda s: s.offered_rps)
    passing = None
    for step in ordered:
        if not meets_slo(step, slo_p99_ms):
            return RepeatCapacity(
                step.repeat,
                passing.achieved_rps if passing else None,
                passing.offered_rps if passing else None,
                step.offered_rps,
                reached=True,
                generator_late=generator_late(step, slo_p99_ms),
            )
        passing = step
    return RepeatCapacity(ordered[0].repeat, passing.achieved_rps, passing.offered_rps, None, False, False)


def capacity(steps: list[LoadStep], slo_p99_ms: float, batching: str = "on") -> Capacity | None:
    """Capacity at the SLO over repeats; None when this batching mode was not measured."""
    sweep = select(steps, SWEEP_PHASE, batching)
    if not sweep:
        return None
    per_repeat = tuple(repeat_capacity(select(sweep, SWEEP_PHASE, batching, r), slo_p99_ms) for r in repeats_of(sweep))
    values = [r.capacity_rps for r in per_repeat]
    rps = repeat_range(values) if all(v is not None for v in values) else None
    return Capacity(batching, slo_p99_ms, rps, per_repeat)


def compare(first: Interval | None, second: Interval | None) -> Comparison:
    """Resolved only when both intervals exist and do not overlap."""
    if first is None or second is None:
        return Comparison(first, second, None, "not resolved")
    ratio = first.median / second.median if second.median else None
    separated = not (math.isnan(first.low) or math.isnan(second.low))
    if separated and first.low > second.high:
        return Comparison(first, second, ratio, "higher")
    if separated and first.high < second.low:
        return Comparison(first, second, ratio, "lower")
    return Comparison(first, second, ratio, "not resolved")


def batching_comparison(steps: list[LoadStep], slo_p99_ms: float) -> Comparison | None:
    """Capacity at the SLO with batching on against off; None when off was not measured."""
    on, off = capacity(steps, slo_p99_ms, "on"), capacity(steps, slo_p99_ms, "off")
    if on is None or off is None:
        return None
    return compare(on.rps, off.rps)


# ---------------------------------------------------------------- where the time goes


def _median_over(steps: list[LoadStep], name: str) -> float:
    values = [getattr(s, name) for s in steps if not math.isnan(getattr(s, name))]
    return float(np.median(values)) if values else math.nan


def light_steps(steps: list[LoadStep]) -> list[LoadStep]:
    """Each repeat's lightest sweep step of the configured server."""
    batching = configured_batching(steps)
    sweep = select(steps, SWEEP_PHASE, batching)
    return [select(sweep, SWEEP_PHASE, batching, r)[0] for r in repeats_of(sweep)]


def time_split(steps: list[LoadStep], tolerance: float = SPLIT_TOLERANCE) -> TimeSplit:
    """At light load: the server's parts plus the no-op round trip against the client's p50."""
    light = light_steps(steps)
    noop = select(steps, NOOP_PHASE, configured_batching(steps))
    if not light or not noop:
        raise ValueError("time_split: no light-load sweep step or no no-op step")
    parts = {name: _median_over(light, f"{name}_ms") for name in ("decode", "queue", "inference", "encode")}
    noop_ms = _median_over(noop, "p50_ms")
    client = _median_over(light, "p50_ms")
    total = sum(parts.values()) + noop_ms
    share = total / client
    return TimeSplit(
        offered_rps=_median_over(light, "offered_rps"),
        client_p50_ms=client,
        decode_ms=parts["decode"],
        queue_ms=parts["queue"],
        inference_ms=parts["inference"],
        encode_ms=parts["encode"],
        noop_round_trip_ms=noop_ms,
        parts_sum_ms=total,
        parts_over_client=share,
        within_tolerance=abs(share - 1.0) <= tolerance,
    )


def binary_comparison(steps: list[LoadStep]) -> Comparison | None:
    """Light-load p50 with the binary tensor extension against JSON tensors (same rate)."""
    binary = select(steps, BINARY_PHASE, configured_batching(steps))
    if not binary:
        return None
    return compare(latency_interval(binary), latency_interval(light_steps(steps)))


def inprocess_p50(bench_summary: dict, threads: int) -> tuple[float | None, str | None]:
    """The in-process batch-1 p50 measured at the serving thread count, and which figure it is."""
    if bench_summary.get("threads") == threads and bench_summary.get("latency_p50_ms") is not None:
        return float(bench_summary["latency_p50_ms"]), "latency_p50_ms"
    if (
        bench_summary.get("latency_1thread_threads") == threads
        and bench_summary.get("latency_1thread_p50_ms") is not None
    ):
        return float(bench_summary["latency_1thread_p50_ms"]), "latency_1thread_p50_ms"
    return None, None


def service_overhead(steps: list[LoadStep], bench_summary: dict, threads: int) -> ServiceOverhead:
    """Service p50 at light load minus the in-process batch-1 p50 (same thread count)."""
    service = latency_interval(light_steps(steps))
    inprocess, metric = inprocess_p50(bench_summary, threads)
    overhead = service.median - inprocess if inprocess is not None else None
    return ServiceOverhead(service, inprocess, metric, overhead)


# ---------------------------------------------------------------- accounting and overload


def below_shedding(steps: list[LoadStep]) -> list[LoadStep]:
    """Sweep steps lighter than the lightest one with a 503 in their repeat and batching mode: the
    loads the server took whole (capacity defined without the SLO, so errors there count)."""
    sweep = [s for s in steps if s.phase == SWEEP_PHASE]
    below = []
    for repeat, batching in sorted({(s.repeat, s.batching) for s in sweep}):
        group = select(sweep, SWEEP_PHASE, batching, repeat)
        shed = min((s.offered_rps for s in group if s.rejected), default=math.inf)
        below += [s for s in group if s.offered_rps < shed]
    return below


def accounting(steps: list[LoadStep], slo_p99_ms: float) -> Accounting:
    """Every request accounted for; no error or timeout before shedding starts; the heaviest
    sweep step of each repeat (batching as configured): what it shed, its p99 at the client and
    the server's own, and whether the generator decided its verdict."""
    batching = configured_batching(steps)
    sweep = select(steps, SWEEP_PHASE, batching)
    heaviest = [select(sweep, SWEEP_PHASE, batching, r)[-1] for r in repeats_of(sweep)]
    return Accounting(
        steps=len(steps),
        all_accounted=all(s.accounted for s in steps),
        clean_before_shedding=all(s.errors == 0 and s.timeouts == 0 for s in below_shedding(steps)),
        heaviest_offered_rps=_median_over(heaviest, "offered_rps"),
        heaviest_rejected=sum(s.rejected for s in heaviest),
        heaviest_errors_timeouts=sum(s.errors + s.timeouts for s in heaviest),
        heaviest_p99_ms=_worst(heaviest, "p99_ms"),
        heaviest_p99_sent_ms=_worst(heaviest, "p99_sent_ms"),
        heaviest_server_ms=_median_over(heaviest, "server_ms"),
        heaviest_server_p99_ms=_worst(heaviest, "server_p99_ms"),
        heaviest_send_lag_p99_ms=_worst(heaviest, "send_lag_p99_ms"),
        heaviest_inbound_p99_ms=_worst(heaviest, "inbound_p99_ms"),
        heaviest_generator_late=any(generator_late(s, slo_p99_ms) for s in heaviest),
    )


def _worst(steps: list[LoadStep], name: str) -> float:
    values = [getattr(s, name) for s in steps if not math.isnan(getattr(s, name))]
    return max(values, default=math.nan)


# ---------------------------------------------------------------- compression behind HTTP


def _bench_interval(bench_summary: dict, metric: str | None) -> Interval | None:
    if metric is None:
        return None
    low, high = (bench_summary.get(metric.removesuffix("_ms") + f"_ci_{bound}_ms") for bound in ("low", "high"))
    median = float(bench_summary[metric])
    return Interval(
        median, float(low if low is not None else median), float(high if high is not None else median), (median,)
    )


def compression_behind_http(
    base: str, base_steps: list[LoadStep], base_bench: dict,
    target: str, target_steps: list[LoadStep], target_bench: dict,
    threads: int, slo_p99_ms: float,
) -> CompressionBehindHttp:  # fmt: skip
    """A compressed target against its base (the same runtime's FP32 target): in process, behind
    HTTP at light load, and in capacity at the SLO; each resolved only by separated intervals."""
    inprocess = compare(
        _bench_interval(target_bench, inprocess_p50(target_bench, threads)[1]),
        _bench_interval(base_bench, inprocess_p50(base_bench, threads)[1]),
    )
    service = compare(latency_interval(light_steps(target_steps)), latency_interval(light_steps(base_steps)))
    target_cap = capacity(target_steps, slo_p99_ms, configured_batching(target_steps))
    base_cap = capacity(base_steps, slo_p99_ms, configured_batching(base_steps))
    cap = compare(target_cap.rps if target_cap else None, base_cap.rps if base_cap else None)
    return CompressionBehindHttp(target, base, inprocess, service, cap)


@dataclass(frozen=True)
class ServedTarget:
    """One served target's files: its steps (load.tsv), summary.json and its benchmark summary."""

    name: str
    steps: list[LoadStep]
    summary: dict
    bench: dict


def read_served(target: str, root=".") -> ServedTarget:
    """results/serve/<target>/load.tsv and summary.json, results/bench/<target>/summary.json under `root`."""
    from pathlib import Path

    from .. import paths
    from ..tables import read_json

    def path(pattern: str) -> Path:
        return Path(root) / paths.for_target(pattern, target)

    return ServedTarget(
        target,
        read_steps(path(paths.SERVE["load"])),
        read_json(path(paths.SERVE["summary"])),
        read_json(path(paths.BENCH["summary"])),
    )


def compression_verdicts(served: list[ServedTarget], slo_p99_ms: float) -> list[CompressionBehindHttp]:
    """Every served variant against its served reference (TargetSpec.reference: usually the same runtime's
    FP32 target), in the order given."""
    from ..targets import TARGETS

    by_name = {target.name: target for target in served}
    verdicts = []
    for target in served:
        base = TARGETS[target.name].reference if target.name in TARGETS else None
        if base not in by_name:
            continue
        reference = by_name[base]
        verdicts.append(
            compression_behind_http(
                base,
                reference.steps,
                reference.bench,
                target.name,
                target.steps,
                target.bench,
                target.summary["threads"],
                slo_p99_ms,
            )  # fmt: skip
        )
    return verdicts

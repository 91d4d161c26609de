"""Findings of the speed section: who leads at batch 1 and at the best batch, and what the timings say
about the machine (drift, thread counts, throughput dips, measurements from different machines)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..cpu_probe import FULL, FULL_EFFICIENCY, MEASURED
from .explain import eager_gap, throughput_outliers
from .findings import Finding, body, make
from .rule import Comparison, judge, leader, same_machine
from .view import Run

SECTION = "speed"


@body
@dataclass(frozen=True)
class Machines:
    """Hosts (and CPUs) the benchmark repeats ran on, when they differ between targets."""

    hosts: list[str]

    def statement(self) -> str:
        return f"benchmarks ran on different machines: {'; '.join(self.hosts)}"


@body
@dataclass(frozen=True)
class Extremes:
    """The smallest and the largest value of one quantity over the targets."""

    key: str
    low: str
    high: str

    def statement(self) -> str:
        return f"{self.key}: lowest {self.low}, highest {self.high}"


def extremes(run: Run, key: str, targets: list[str]) -> Extremes | None:
    values = {t: run.value(t, key) for t in targets if run.value(t, key) is not None}
    if not values:
        return None
    return Extremes(key, min(values, key=values.get), max(values, key=values.get))


@body
@dataclass(frozen=True)
class Outliers:
    items: list  # explain.Outlier

    def statement(self) -> str:
        return "throughput dips: " + "; ".join(f"{o.target} at batch {o.batch}: -{o.dip:.0%}" for o in self.items)


@body
@dataclass(frozen=True)
class Disagreeing:
    """Targets whose repeats disagree on the batch-1 median: no value lies inside every repeat's own 95 %
    interval of its median, so the machine changed between repeats (or within one: the medians of the
    worst repeat's quarters show it)."""

    targets: list[str]

    def statement(self) -> str:
        return f"repeats disagree on the batch-1 median beyond their own intervals: {', '.join(self.targets)}"


@body
@dataclass(frozen=True)
class StateGap:
    """One target's batch-1 medians over its rounds whose latency window the probe read at full parallel
    speed and over its other rounds (reduced, or changed during the window)."""

    target: str
    full_ms: float
    other_ms: float
    full_rounds: int
    other_rounds: int

    @property
    def ratio(self) -> float:
        return self.other_ms / self.full_ms


@body
@dataclass(frozen=True)
class CpuStates:
    """What the parallel-speed probe (compressbench.cpu_probe) found around the batch-1 latency windows: how
    many were at full speed throughout, the probe's readings on either side of its threshold, and for each
    target with rounds of both kinds its medians over each kind. The figures keep every round."""

    windows: int
    full_windows: int
    efficiency_full: tuple[float, float] | None
    efficiency_below: tuple[float, float] | None
    gaps: list[StateGap]
    none_full: list[str]  # targets probed whose every window was below full parallel speed

    def statement(self) -> str:
        gaps = ", ".join(f"{x.target} {x.ratio:.2f}x" for x in self.gaps) or "none"
        return f"{self.full_windows}/{self.windows} latency windows at full parallel speed; other rounds: {gaps}"


def rounds_by_state(run: Run, target: str) -> tuple[list[float], list[float]]:
    """The target's batch-1 round medians whose window the probe read at full parallel speed, and its other
    probed ones (rounds the probe did not measure are in neither)."""
    record = run.record(target)
    states = record.get("latency_cpu_states") or []
    p50s = record.get("latency_repeat_p50_ms") or []
    full = [v for state, v in zip(states, p50s, strict=False) if state == FULL and v]
    other = [v for state, v in zip(states, p50s, strict=False) if state in MEASURED and state != FULL and v]
    return full, other


def state_gap(run: Run, target: str) -> StateGap | None:
    """The target's batch-1 medians over its full-speed rounds and over its others; None without both kinds."""
    full, other = rounds_by_state(run, target)
    if not full or not other:
        return None
    return StateGap(target, float(np.median(full)), float(np.median(other)), len(full), len(other))


@body
@dataclass(frozen=True)
class FullSpeedMedian:
    """One target's batch-1 median over its rounds at full parallel speed (None where it had none), beside the
    median over every round that the speed table gives: the figure the machine's slower state did not touch."""

    target: str
    median_ms: float | None
    rounds: int  # its rounds at full parallel speed
    probed: int  # its rounds the probe measured


@body
@dataclass(frozen=True)
class FullSpeed:
    items: list[FullSpeedMedian]

    def statement(self) -> str:
        parts = [f"{x.target} {x.median_ms} ms over {x.rounds}/{x.probed} full-speed rounds" for x in self.items]
        return "; ".join(parts)


def full_speed(run: Run) -> FullSpeed | None:
    """Each probed target's batch-1 median over its full-speed rounds; None where no round was probed."""
    items = []
    for t in run.measured("latency"):
        full, other = rounds_by_state(run, t)
        if full or other:
            median = float(np.median(full)) if full else None
            items.append(FullSpeedMedian(t, median, len(full), len(full) + len(other)))
    return FullSpeed(items) if items else None


def cpu_states(run: Run) -> CpuStates | None:
    """The probe's findings over the run's latency windows; None where no round was probed."""
    states, readings, none_full = [], [], []
    for t in run.targets:
        record = run.record(t)
        mine = [state for state in record.get("latency_cpu_states") or [] if state in MEASURED]
        states += mine
        if mine and FULL not in mine:
            none_full.append(t)
        readings += [v for probes in record.get("parallel_efficiency_by_repeat") or [] for v in (probes or [])[:2]]
    if not states:
        return None
    full = [r for r in readings if r is not None and r >= FULL_EFFICIENCY]
    below = [r for r in readings if r is not None and r < FULL_EFFICIENCY]
    return CpuStates(
        len(states),
        sum(state == FULL for state in states),
        (min(full), max(full)) if full else None,
        (min(below), max(below)) if below else None,
        [gap for t in run.targets if (gap := state_gap(run, t))],
        none_full,
    )


@body
@dataclass(frozen=True)
class ThreadSpread:
    """Batch-1 latency of one target at one thread and at the run's threads: medians, ranges and the
    range relative to the median, over the rounds that measured both; and which is faster by the
    one rule (`one_thread`: one thread against the run's threads, measured in the same processes)."""

    target: str
    threads: int
    p50_ms: float
    low_ms: float
    high_ms: float
    p50_1thread_ms: float
    low_1thread_ms: float
    high_1thread_ms: float
    rounds: int  # the rounds both were measured in
    one_thread: Comparison  # a: one thread, b: the run's threads

    @property
    def spread(self) -> float:
        return (self.high_ms - self.low_ms) / self.p50_ms

    @property
    def spread_1thread(self) -> float:
        return (self.high_1thread_ms - self.low_1thread_ms) / self.p50_1thread_ms

    @property
    def one_thread_outcome(self) -> str:
        """ "faster" or "slower" at one thread than at the run's threads (resolved), or "unresolved"."""
        if not self.one_thread.resolved:
            return "unresolved"
        return "faster" if self.one_thread.better == ONE_THREAD else "slower"


@body
@dataclass(frozen=True)
class ThreadSpreads:
    spreads: list[ThreadSpread]

    def by_one_thread(self, outcome: str) -> list[str]:
        """Targets whose ThreadSpread.one_thread_outcome is `outcome`."""
        return [x.target for x in self.spreads if x.one_thread_outcome == outcome]

    @property
    def steadier_at_one_thread(self) -> list[str]:
        """Targets whose one-thread range is the narrower of the two."""
        return [x.target for x in self.spreads if x.spread_1thread < x.spread]

    def statement(self) -> str:
        return f"one-thread batch-1 range narrower for: {', '.join(self.steadier_at_one_thread) or 'none'}"


ONE_THREAD = "one_thread"  # the one-thread side of ThreadSpread.one_thread


def thread_spreads(run: Run) -> list[ThreadSpread]:
    """Targets measured both at one thread and at more (benchmark.single_thread_latency), each side's
    median and range over the same rounds: the one-thread run is in the full rounds only."""
    spreads = []
    for t in run.targets:
        threads = run.value(t, "threads")
        one, more = run.rounds(t, "latency_1thread"), run.rounds(t, "latency")
        shared = sorted(set(one) & set(more))
        if threads is None or threads <= 1 or len(shared) < 2:
            continue
        sides = [[side[r] for r in shared] for side in (more, one)]
        p50, p50_1 = (float(np.median(values)) for values in sides)
        (low, high), (low_1, high_1) = ((min(values), max(values)) for values in sides)
        one_thread = judge(
            "latency", ONE_THREAD, t, (p50_1, p50), ((low_1, high_1), (low, high)), False,
            rounds=[one[r] / more[r] for r in shared],
        )  # fmt: skip
        spreads.append(ThreadSpread(t, int(threads), p50, low, high, p50_1, low_1, high_1, len(shared), one_thread))
    return spreads


def parallel_latency(run: Run) -> bool:
    """Whether some target timed batch-1 latency on more than one thread. The parallel-speed probe and the
    one-thread comparison concern only such runs: a one-thread process runs on one CPU whatever the probe
    reads, and its one-thread figures are its main ones."""
    return any((run.value(t, "threads") or 0) > 1 for t in run.measured("latency"))


def findings(run: Run) -> list[Finding]:
    out = []
    latency_targets = run.measured("latency")
    if same_machine(run, latency_targets) is False:
        hosts = sorted({f"{run.text(t, 'hostname')} ({run.text(t, 'cpu_model')})" for t in run.targets})
        out.append(make("speed.machines", SECTION, Machines(hosts)))
    for metric in ("latency", "throughput"):
        if run.measured(metric):
            out.append(make(f"speed.leader.{metric}", SECTION, leader(run, metric)))
    parallel = parallel_latency(run)
    if parallel and len(run.measured("latency_1thread")) >= 2:  # the conclusions' one-thread choice
        out.append(make("speed.leader.latency_1thread", SECTION, leader(run, "latency_1thread")))
    test_set = extremes(run, "test_set_seconds", [t for t in run.targets if run.value(t, "throughput_ips")])
    if test_set:
        out.append(make("speed.test_set_extremes", SECTION, test_set))
    gap = eager_gap(run)
    if gap is not None and gap.ratio_batch1.value > 1 and gap.ratio_best is not None:
        out.append(make("speed.eager_gap", SECTION, gap, sources=(gap.target, gap.other)))
    dips = throughput_outliers(run)
    if dips:
        out.append(make("speed.throughput_outliers", SECTION, Outliers(dips)))
    disagreeing = [t for t in run.targets if run.record(t).latency_repeats_agree is False]
    if disagreeing:
        out.append(make("speed.repeats_disagree", SECTION, Disagreeing(disagreeing)))
    # one thread per process: the probe still says when the host gave the machine less than its CPUs
    states = cpu_states(run)
    if states is not None:
        out.append(make("speed.cpu_states", SECTION, states))
    full = full_speed(run) if parallel else None
    if full is not None:
        out.append(make("speed.full_speed", SECTION, full))
    spreads = thread_spreads(run)
    if spreads:
        out.append(make("speed.threads", SECTION, ThreadSpreads(spreads)))
    return out

"""Findings of the section on the model as a service under load (results/serve/, made only when the
run serves): how it was measured, each served target's load steps, its capacity at the SLO with its
range over repeats, batching on against off, where a light-load request's time goes, binary against
JSON tensors, whether compression still changes anything behind HTTP, and what the heaviest step
did (accounting, shedding, and whether the generator or the server decided its verdict).

The figures come from compressbench.serve.analysis (one definition of capacity, of the intervals and
of a resolved difference); here they become registered bodies, so results/findings.json reads back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..serve import analysis as served
from ..serve.analysis import ServedTarget
from .findings import NOT_MEASURED, Finding, body, make

SECTION = "serve"
NOT_RESOLVED = "not resolved"


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


@body
@dataclass(frozen=True)
class Span:
    """A figure over repeats: its median and its interval (None: there is none), from `count` values."""

    median: float
    low: float | None
    high: float | None
    count: int

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None


def span(interval: served.Interval | None) -> Span | None:
    if interval is None:
        return None
    return Span(interval.median, _number(interval.low), _number(interval.high), len(interval.values))


@body
@dataclass(frozen=True)
class ServedComparison:
    """`first` against `second` on one quantity (capacity, service_p50, inprocess_p50, binary_p50):
    "higher" or "lower" (first against second) only when the intervals separate them."""

    quantity: str
    first: str
    second: str
    first_value: Span | None
    second_value: Span | None
    ratio: float | None  # first's median over second's
    verdict: str

    @property
    def resolved(self) -> bool:
        return self.verdict != NOT_RESOLVED

    @property
    def measured(self) -> bool:
        return self.first_value is not None and self.second_value is not None

    def statement(self) -> str:
        ratio = f" ({self.ratio:.3g}x)" if self.ratio else ""
        return f"{self.quantity}: {self.first} against {self.second}: {self.verdict}{ratio}"


def comparison(quantity: str, first: str, second: str, result: served.Comparison) -> ServedComparison:
    return ServedComparison(
        quantity, first, second, span(result.first), span(result.second), result.ratio, result.verdict
    )


def finding_of(finding_id: str, content: ServedComparison, sources=()) -> Finding:
    """A comparison with both sides measured is resolved or not; otherwise it was not measured."""
    outcome = None if content.measured else NOT_MEASURED
    return make(finding_id, SECTION, content, outcome, sources)


@body
@dataclass(frozen=True)
class ServeSetup:
    """How the service was measured (the served targets' summary.json)."""

    targets: list[str]
    slo_p99_ms: float
    repeats: int
    threads: int | None
    server_cpus: list[int]
    client_cpus: list[int]
    separate_cpus: bool
    max_batch_size: int | None
    max_queue_delay_us: int | None
    max_queue_size: int | None
    step_seconds: float | None
    steps: int  # sweep steps per batching mode and repeat
    batching_off: bool  # the sweep was repeated with batching off
    hosts: list[str]

    def statement(self) -> str:
        return (
            f"served {', '.join(self.targets)}: SLO p99 {self.slo_p99_ms:g} ms, {self.repeats} repeats, "
            f"server CPUs {self.server_cpus}, generator CPUs {self.client_cpus}"
        )


@body
@dataclass(frozen=True)
class LoadRow:
    """One sweep step over the repeats: medians, the p99's range, shares and counts summed."""

    batching: str
    step: int
    offered_rps: float
    achieved_rps: float
    sent: int  # summed over repeats, as are the counts below
    rejected: int
    failed: int  # errors and timeouts
    p50_ms: float | None
    p99_ms: float | None
    p99_low_ms: float | None
    p99_high_ms: float | None
    send_lag_p99_ms: float | None  # the worst repeat's
    meets_slo: bool  # in every repeat
    generator_late: bool  # in some repeat the generator, not the server, made this step miss the SLO


@body
@dataclass(frozen=True)
class LoadTable:
    """A served target's sweep steps, lightest first, per batching mode; the no-op ceiling (the most
    requests/s the generator and HTTP reached with nothing to compute) beside them."""

    target: str
    slo_p99_ms: float
    noop_ceiling_rps: Span | None
    rows: list[LoadRow]

    def statement(self) -> str:
        late = sum(row.generator_late for row in self.rows)
        return f"{self.target}: {len(self.rows)} sweep steps, {late} decided by the generator"


@body
@dataclass(frozen=True)
class CapacityRepeat:
    repeat: int
    capacity_rps: float | None  # None: even the lightest step missed the SLO
    next_offered_rps: float | None  # the first step that missed it (None: none did)
    reached: bool
    generator_late: bool


@body
@dataclass(frozen=True)
class ServedCapacity:
    """Capacity at the SLO in one batching mode: the median over repeats with their range."""

    batching: str
    rps: Span | None  # None when some repeat met the SLO at no step
    repeats: list[CapacityRepeat]

    @property
    def lower_bound(self) -> bool:
        """Some repeat never missed the SLO: its capacity is only bounded below by the heaviest step."""
        return any(not r.reached for r in self.repeats)

    @property
    def generator_late(self) -> bool:
        return any(r.generator_late for r in self.repeats)


@body
@dataclass(frozen=True)
class Capacities:
    target: str
    slo_p99_ms: float
    on: ServedCapacity | None  # the configured batching (max_batch_size > 1), when measured
    off: ServedCapacity | None  # batching off

    def statement(self) -> str:
        parts = [
            f"{c.batching} {c.rps.median:.4g} rps" if c.rps else f"{c.batching} none"
            for c in (self.on, self.off)
            if c is not None
        ]
        return f"{self.target}: capacity at p99 <= {self.slo_p99_ms:g} ms: {', '.join(parts)}"


def capacity_of(steps, slo_p99_ms: float, batching: str) -> ServedCapacity | None:
    result = served.capacity(steps, slo_p99_ms, batching)
    if result is None:
        return None
    repeats = [
        CapacityRepeat(r.repeat, r.capacity_rps, r.next_offered_rps, r.reached, r.generator_late)
        for r in result.repeats
    ]
    return ServedCapacity(batching, span(result.rps), repeats)


# the light-load split as compressbench.serve.analysis computes it, read back from findings.json as such
body(served.TimeSplit)


@body
@dataclass(frozen=True)
class RequestTime:
    """Where a light-load request's time goes (`split`: the server's parts, medians, plus the no-op round
    trip against the client's p50, within `tolerance` or not), and the service's p50 (with its 95 %
    interval) against the in-process batch-1 call."""

    target: str
    split: served.TimeSplit
    client_p50: Span
    tolerance: float
    inprocess_p50_ms: float | None
    inprocess_one_thread: bool  # the in-process figure is the benchmark's one-thread latency
    overhead_ms: float | None

    def statement(self) -> str:
        check = "within" if self.split.within_tolerance else "outside"
        return (
            f"{self.target}: parts {self.split.parts_sum_ms:.3g} ms = {self.split.parts_over_client:.0%} of the "
            f"client p50 {self.split.client_p50_ms:.3g} ms ({check} {self.tolerance:.0%})"
        )


def request_time(target: ServedTarget) -> RequestTime:
    overhead = served.service_overhead(target.steps, target.bench, target.summary["threads"])
    return RequestTime(
        target.name,
        served.time_split(target.steps),
        span(overhead.service_p50_ms),
        served.SPLIT_TOLERANCE,
        _number(overhead.inprocess_p50_ms),
        overhead.inprocess_metric == "latency_1thread_p50_ms",
        _number(overhead.overhead_ms),
    )


@body
@dataclass(frozen=True)
class Overload:
    """Accounting over every step, and the heaviest sweep step (batching as configured): what it shed,
    the answered requests' p99 at the client, from the actual sends and in the server, the
    generator's lateness; parity of the served classes and recovery after the overload."""

    target: str
    steps: int
    all_accounted: bool
    clean_before_shedding: bool
    offered_rps: float
    sent: int
    rejected: int
    errors_timeouts: int
    p99_ms: float | None
    p99_sent_ms: float | None
    server_p99_ms: float | None
    inbound_p99_ms: float | None  # from the actual sends to the server's handler (kernel, its event loop)
    send_lag_p99_ms: float | None
    generator_late: bool
    max_queue_size: int | None
    parity_images: int
    parity_agree: int
    parity_failed: int
    recovered: bool

    def statement(self) -> str:
        return (
            f"{self.target}: {self.steps} steps accounted: {self.all_accounted}; heaviest {self.offered_rps:.4g} rps "
            f"shed {self.rejected}/{self.sent}, p99 {self.p99_ms} ms, server p99 {self.server_p99_ms} ms"
        )


def overload(target: ServedTarget, slo_p99_ms: float) -> Overload:
    steps = target.steps
    result = served.accounting(steps, slo_p99_ms)
    batching = served.configured_batching(steps)
    sweep = served.select(steps, served.SWEEP_PHASE, batching)
    heaviest = [served.select(sweep, served.SWEEP_PHASE, batching, r)[-1] for r in served.repeats_of(sweep)]
    parity = target.summary.get("parity") or {}
    return Overload(
        target.name,
        result.steps,
        result.all_accounted,
        result.clean_before_shedding,
        result.heaviest_offered_rps,
        sum(s.sent for s in heaviest),
        result.heaviest_rejected,
        result.heaviest_errors_timeouts,
        _number(result.heaviest_p99_ms),
        _number(result.heaviest_p99_sent_ms),
        _number(result.heaviest_server_p99_ms),
        _number(result.heaviest_inbound_p99_ms),
        _number(result.heaviest_send_lag_p99_ms),
        result.heaviest_generator_late,
        (target.summary.get("settings") or {}).get("max_queue_size"),
        int(parity.get("images", 0)),
        int(parity.get("agree", 0)),
        int(parity.get("failed", 0)),
        bool(target.summary.get("recovered_within_slo")),
    )


@body
@dataclass(frozen=True)
class CompressionServed:
    """A served variant against its served reference: in process, behind HTTP at light load (p50)
    and in capacity at the SLO. Resolved when a difference behind HTTP is."""

    target: str
    base: str
    inprocess: ServedComparison
    service: ServedComparison
    capacity: ServedComparison

    @property
    def resolved(self) -> bool:
        return self.service.resolved or self.capacity.resolved

    def statement(self) -> str:
        return (
            f"{self.target} against {self.base}: in process {self.inprocess.verdict}, behind HTTP p50 "
            f"{self.service.verdict}, capacity {self.capacity.verdict}"
        )


def compression(verdict: served.CompressionBehindHttp) -> CompressionServed:
    t, b = verdict.target, verdict.base
    return CompressionServed(
        t,
        b,
        comparison("inprocess_p50", t, b, verdict.inprocess_p50),
        comparison("service_p50", t, b, verdict.service_p50),
        comparison("capacity", t, b, verdict.capacity),
    )


# ---------------------------------------------------------------- the load table


def _median(values) -> float | None:
    present = [v for v in values if not math.isnan(v)]
    return float(np.median(present)) if present else None


def load_rows(steps, slo_p99_ms: float) -> list[LoadRow]:
    """The sweep's steps by batching mode and step index, over the repeats."""
    sweep = [s for s in steps if s.phase == served.SWEEP_PHASE]
    rows = []
    for batching, index in sorted({(s.batching, s.step) for s in sweep}, key=lambda key: (key[0] != "on", key[1])):
        group = [s for s in sweep if s.batching == batching and s.step == index]
        p99 = [s.p99_ms for s in group if not math.isnan(s.p99_ms)]
        rows.append(
            LoadRow(
                batching,
                index,
                float(np.median([s.offered_rps for s in group])),
                float(np.median([s.achieved_rps for s in group])),
                sum(s.sent for s in group),
                sum(s.rejected for s in group),
                sum(s.errors + s.timeouts for s in group),
                _median([s.p50_ms for s in group]),
                _median(p99),
                min(p99, default=None),
                max(p99, default=None),
                max((s.send_lag_p99_ms for s in group if not math.isnan(s.send_lag_p99_ms)), default=None),
                all(served.meets_slo(s, slo_p99_ms) for s in group),
                any(served.generator_late(s, slo_p99_ms) for s in group),
            )
        )
    return rows


def load_table(target: ServedTarget, slo_p99_ms: float) -> LoadTable:
    ceiling = target.summary.get("noop_ceiling_rps")  # an Interval as summary.json holds it
    noop = None
    if ceiling:
        noop = Span(ceiling["median"], ceiling.get("low"), ceiling.get("high"), len(ceiling.get("values") or []))
    return LoadTable(target.name, slo_p99_ms, noop, load_rows(target.steps, slo_p99_ms))


# ---------------------------------------------------------------- setup and all findings


def setup(targets: list[ServedTarget], slo_p99_ms: float) -> ServeSetup:
    first = targets[0].summary
    settings = first.get("settings") or {}
    cpus = first.get("cpus") or {}
    sweep = served.select(targets[0].steps, served.SWEEP_PHASE, served.configured_batching(targets[0].steps), 0)
    return ServeSetup(
        [t.name for t in targets],
        slo_p99_ms,
        int(first.get("repeats") or 0),
        first.get("threads"),
        list(cpus.get("server") or []),
        list(cpus.get("client") or []),
        bool(cpus.get("separate")),
        settings.get("max_batch_size"),
        settings.get("max_queue_delay_us"),
        settings.get("max_queue_size"),
        settings.get("step_seconds"),
        len(sweep),
        any(s.batching == "off" for t in targets for s in t.steps)
        and served.configured_batching(targets[0].steps) == "on",
        sorted({host for t in targets for host in t.summary.get("hosts") or []}),
    )


def slo_of(targets: list[ServedTarget]) -> float:
    """The SLO every served target was summarized with (one config, one SLO)."""
    slos = {float(t.summary["slo_p99_ms"]) for t in targets}
    if len(slos) != 1:
        raise ValueError(f"served targets summarized with different SLOs {sorted(slos)}: rerun serve_summary")
    return slos.pop()


def target_findings(target: ServedTarget, slo_p99_ms: float) -> list[Finding]:
    t, steps = target.name, target.steps
    out = [make(f"serve.load.{t}", SECTION, load_table(target, slo_p99_ms), sources=(t,))]
    configured = served.configured_batching(steps)
    on = capacity_of(steps, slo_p99_ms, "on") if configured == "on" else None
    off = capacity_of(steps, slo_p99_ms, "off")
    capacities = Capacities(t, slo_p99_ms, on, off)
    out.append(make(f"serve.capacity.{t}", SECTION, capacities, sources=(t,)))
    batching = served.batching_comparison(steps, slo_p99_ms)
    if batching is not None and configured == "on":
        out.append(finding_of(f"serve.batching.{t}", comparison("capacity", "on", "off", batching), (t,)))
    out.append(make(f"serve.time.{t}", SECTION, request_time(target), sources=(t,)))
    binary = served.binary_comparison(steps)
    if binary is not None:
        out.append(finding_of(f"serve.binary.{t}", comparison("binary_p50", "binary", "json", binary), (t,)))
    out.append(make(f"serve.overload.{t}", SECTION, overload(target, slo_p99_ms), sources=(t,)))
    return out


def findings(targets: list[ServedTarget]) -> list[Finding]:
    """Every finding of the service section; none when the run served nothing."""
    if not targets:
        return []
    slo = slo_of(targets)
    out = [make("serve.setup", SECTION, setup(targets, slo), sources=tuple(t.name for t in targets))]
    for target in targets:
        out += target_findings(target, slo)
    for verdict in served.compression_verdicts(targets, slo):
        content = compression(verdict)
        out.append(
            make(f"serve.compression.{verdict.target}", SECTION, content, sources=(verdict.target, verdict.base))
        )
    return out


def read(names: list[str], root=".") -> list[ServedTarget]:
    """The served targets' files under `root` (compressbench.serve.analysis.read_served), in the order given."""
    return [served.read_served(name, root) for name in names]

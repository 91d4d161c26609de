"""The findings of a study (results/study_findings.json): its points, the latency repeats left out as
accidents, the comparisons along each swept setting and the seed-to-seed spread.

A point is one target at one combination of the swept settings other than the training seed; its runs
differ only in the seed. Its accuracy is the mean over those runs with the range over the seeds as its
interval (one run: that run's bootstrap 95 % interval), its batch-1 latency the median over the
benchmark repeats of all its runs with their range (seeds do not change the network's arithmetic, so
each run's repeats measure the same thing). Two points are compared by the one rule (rule.judge):
resolved only when their intervals do not overlap.

A latency repeat is an accident, not a result, when it lies more than MAD_LIMIT scaled median absolute
deviations above the median of its point's repeats (Leys et al. 2013, "very conservative"): a repeat
measured while the machine was busy (which only ever adds time). It is listed, and left out of the
point's latency and of the run's row. A point with fewer than three repeats cannot be screened; the
report says which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..repeats import range_coverage
from ..results import StudyResults, StudyRun, TargetRecord
from .findings import Finding, Findings, body, make
from .rule import Comparison, Leader, judge, leader_of

SEED_KEY = "train.seed"
MAD_LIMIT = 3.0  # scaled MADs from the median (Leys et al. 2013: 3 "very conservative", 2.5 "moderately")
COVERAGE_GOAL = 0.95  # a seed range that holds the median seed's accuracy this often is "established"
MOST_SEEDS = 100  # the search for the seeds needed stops here
SECTION = "study"


def point_keys(keys: list[str]) -> list[str]:
    """The swept settings that make a point: all but the training seed."""
    return [key for key in keys if key != SEED_KEY]


def setting_text(value) -> str:
    return "" if value is None else str(value)


def numeric(text: str) -> float | None:
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def is_numeric(values: list[str]) -> bool:
    """Whether a setting's values are all numbers (a numeric axis), not names (a categorical one)."""
    return bool(values) and all(numeric(v) is not None for v in values)


def ordered_values(values: list[str]) -> list[str]:
    """A setting's distinct values: numbers ascending, names in the order the study gives them."""
    distinct = list(dict.fromkeys(values))
    return sorted(distinct, key=float) if is_numeric(distinct) else distinct


@body
@dataclass(frozen=True)
class RunLatency:
    """One run's batch-1 latency after the screen: the median of its kept repeats and their range."""

    run: str
    p50_ms: float | None
    low_ms: float | None
    high_ms: float | None
    kept: int
    flagged_ms: list[float] = field(default_factory=list)


@body
@dataclass(frozen=True)
class Point:
    id: str
    target: str
    label: str
    settings: dict[str, str]  # point_keys -> value text
    runs: list[str]
    seeds: list[str]  # the runs' training seeds (text)
    accuracy: list[float | None]  # per run
    accuracy_mean: float | None
    accuracy_low: float | None
    accuracy_high: float | None
    accuracy_interval: str  # "seeds" (range over the seeds), "bootstrap" (one run's 95 % interval) or "none"
    size_bytes: float | None
    latency_ms: float | None  # median over the kept repeats of all runs
    latency_low_ms: float | None
    latency_high_ms: float | None
    latency_repeats: int  # repeats kept
    latency_screened: bool  # enough repeats (3) for the screen
    machines: list[str]  # "host (CPU)" of the benchmark jobs; empty when not recorded
    latency_by_run: list[RunLatency]

    def interval(self, metric: str) -> tuple[float, float] | None:
        low, high = (
            (self.accuracy_low, self.accuracy_high)
            if metric == "accuracy"
            else (self.latency_low_ms, self.latency_high_ms)
        )
        return (low, high) if low is not None and high is not None else None

    def value(self, metric: str) -> float | None:
        return self.accuracy_mean if metric == "accuracy" else self.latency_ms


@body
@dataclass(frozen=True)
class Points:
    items: list[Point]

    def statement(self) -> str:
        return f"{len(self.items)} points (target x setting), each over its seeds"


@body
@dataclass(frozen=True)
class FlaggedRepeat:
    run: str
    target: str
    point: str  # Point.id
    repeat: int  # 1-based, as the benchmark numbers repeats
    latency_ms: float
    point_median_ms: float  # of all the point's repeats
    point_repeats: int
    deviations: float  # scaled MADs above that median


@body
@dataclass(frozen=True)
class Screen:
    """The latency repeats left out as accidents, and the points too small to screen."""

    flagged: list[FlaggedRepeat]
    unscreened: list[str]  # Point.id with a latency but fewer than three repeats

    def statement(self) -> str:
        items = ", ".join(f"{f.run}/{f.target} repeat {f.repeat}: {f.latency_ms:.4g} ms" for f in self.flagged)
        return f"latency repeats left out: {items or 'none'}; not screened: {len(self.unscreened)} points"


@body
@dataclass(frozen=True)
class Sweep:
    """One target (at fixed other settings) along one swept setting: the best value on a metric and whether
    it is resolved against each other value. lead.order holds Point ids, best first."""

    key: str
    target: str
    others: dict[str, str]
    metric: str
    lead: Leader
    unmeasured: list[str] = field(default_factory=list)  # Point ids without the metric
    # one network at every value: the same size and, seed by seed, the same accuracy (a target the setting
    # does not change, such as the unpruned model along a pruning sweep); its latencies differ by the machine
    same_network: bool = False

    @property
    def resolved(self) -> bool:
        return self.lead.resolved and not self.same_network

    def statement(self) -> str:
        return f"{self.target} along {self.key} {self.others or ''}: {self.lead.statement()}"


@body
@dataclass(frozen=True)
class SeedSpread:
    """Accuracy between training seeds: the observed spread, what a range over so few seeds covers, and the
    seeds that would establish it."""

    seeds: int  # seeds per point (the fewest among the points with several)
    points: int  # points with several seeds
    largest_range_pp: float
    largest_point: str  # Point.id
    pooled_sd_pp: float  # the seeds' standard deviation, pooled over the points
    coverage: float  # chance that the range over `seeds` seeds holds the median seed's accuracy
    seeds_needed: int  # the fewest seeds whose range holds it with at least COVERAGE_GOAL
    coverage_needed: float
    expected_range_pp: float  # the range of seeds_needed seeds at the pooled SD (its expected value)

    @property
    def resolved(self) -> bool:
        return self.coverage >= COVERAGE_GOAL

    def statement(self) -> str:
        return (
            f"{self.seeds} seeds: range up to {self.largest_range_pp:.2f} pp, pooled SD {self.pooled_sd_pp:.2f} pp, "
            f"coverage {self.coverage:.0%}; {self.seeds_needed} seeds would cover {self.coverage_needed:.0%}"
        )


# ---- points --------------------------------------------------------------------------------------


def _machine(record: TargetRecord) -> str | None:
    if not record.hostname and not record.cpu_model:
        return None
    return f"{record.hostname or '?'} ({record.cpu_model or '?'})"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def repeat_latencies(record: TargetRecord) -> list[float]:
    """A run's batch-1 medians, one per benchmark repeat (the median alone for a record without them)."""
    repeats = [v for v in record.latency_repeat_p50_ms or [] if isinstance(v, int | float) and math.isfinite(v)]
    if repeats:
        return [float(v) for v in repeats]
    return [float(record.latency_p50_ms)] if record.latency_p50_ms is not None else []


def outliers(values: list[float]) -> list[tuple[int, float]]:
    """(index, scaled MADs above the median) of the times beyond MAD_LIMIT above it; none below three values
    or when more than half the values are equal (no spread to scale by). Only the slow side: a busy machine
    adds time to a call, it never takes time away, so a fast repeat is a result."""
    if len(values) < 3:
        return []
    from scipy.stats import median_abs_deviation  # scipy only when a study is analysed

    center, spread = _median(values), float(median_abs_deviation(values, scale="normal"))
    if spread <= 0:
        return []
    return [(i, (v - center) / spread) for i, v in enumerate(values) if (v - center) / spread > MAD_LIMIT]


def _accuracy(records: list[TargetRecord]) -> tuple[float | None, float | None, float | None, str]:
    values = [r.accuracy for r in records if r.accuracy is not None]
    if not values:
        return None, None, None, "none"
    mean = sum(values) / len(values)
    if len(values) > 1:
        return mean, min(values), max(values), "seeds"
    record = next(r for r in records if r.accuracy is not None)
    if record.accuracy_ci_low is None or record.accuracy_ci_high is None:
        return mean, None, None, "none"
    return mean, record.accuracy_ci_low, record.accuracy_ci_high, "bootstrap"


def _latency(point_id: str, target: str, members: list[tuple[StudyRun, TargetRecord]]):
    """(kept median, low, high, kept count, screened, per-run latency, flagged repeats) of one point."""
    pooled = [
        (run.name, index, value) for run, record in members for index, value in enumerate(repeat_latencies(record))
    ]
    values = [value for _, _, value in pooled]
    out = dict(outliers(values))
    flagged = [
        FlaggedRepeat(name, target, point_id, index + 1, value, _median(values), len(values), out[i])
        for i, (name, index, value) in enumerate(pooled)
        if i in out
    ]
    kept = [value for i, value in enumerate(values) if i not in out]
    by_run = []
    for run, _ in members:
        own = [value for i, (name, _, value) in enumerate(pooled) if name == run.name and i not in out]
        dropped = [f.latency_ms for f in flagged if f.run == run.name]
        low, high = (min(own), max(own)) if len(own) > 1 else (None, None)
        by_run.append(RunLatency(run.name, _median(own) if own else None, low, high, len(own), dropped))
    median = _median(kept) if kept else None
    low, high = (min(kept), max(kept)) if len(kept) > 1 else (None, None)
    return median, low, high, len(kept), len(values) >= 3, by_run, flagged


def study_points(study: StudyResults) -> tuple[list[Point], list[FlaggedRepeat]]:
    keys = point_keys(study.keys)
    groups: dict[tuple, list[tuple[StudyRun, TargetRecord]]] = {}
    for run in study.runs:
        for record in run.records:
            group = (record.target, *(setting_text(run.settings.get(key)) for key in keys))
            groups.setdefault(group, []).append((run, record))
    points, flagged = [], []
    for number, ((target, *values), members) in enumerate(groups.items(), 1):
        point_id = f"p{number}"
        records = [record for _, record in members]
        mean, low, high, kind = _accuracy(records)
        sizes = [r.size_bytes for r in records if r.size_bytes is not None]
        latency, lat_low, lat_high, kept, screened, by_run, dropped = _latency(point_id, target, members)
        flagged += dropped
        points.append(
            Point(
                point_id,
                target,
                records[0].label or target,
                dict(zip(keys, values, strict=True)),
                [run.name for run, _ in members],
                [setting_text(run.settings.get(SEED_KEY)) for run, _ in members],
                [r.accuracy for r in records],
                mean,
                low,
                high,
                kind,
                _median(sizes) if sizes else None,
                latency,
                lat_low,
                lat_high,
                kept,
                screened,
                sorted({m for m in map(_machine, records) if m}),
                by_run,
            )
        )
    return points, flagged


# ---- comparisons along a sweep -------------------------------------------------------------------


def _machines_agree(first: Point, second: Point) -> bool | None:
    if not first.machines or not second.machines:
        return None
    return len(set(first.machines) | set(second.machines)) == 1


def compare_points(metric: str, first: Point, second: Point) -> Comparison:
    """The one rule on two points: accuracy over seeds (or one run's bootstrap interval), latency over
    the kept repeats, which must come from one machine."""
    return judge(
        metric,
        first.id,
        second.id,
        (first.value(metric), second.value(metric)),
        (first.interval(metric), second.interval(metric)),
        higher_is_better=metric == "accuracy",
        machines_agree=_machines_agree(first, second) if metric == "latency" else None,
    )


def lines_along(points: list[Point], key: str) -> dict[tuple, list[Point]]:
    """The points of each target and combination of the other settings ((target, ((key, value), ...)) ->
    points), in study order: one line along `key` each (a comparison here, a line in the figure)."""
    lines: dict[tuple, list[Point]] = {}
    for point in points:
        others = tuple((k, v) for k, v in point.settings.items() if k != key)
        lines.setdefault((point.target, others), []).append(point)
    return lines


def same_network(line: list[Point]) -> bool:
    """Whether every point of a line is one network: the same file size and, seed by seed, the same accuracy."""
    first = line[0]
    if first.size_bytes is None or any(a is None for a in first.accuracy):
        return False
    return all(
        p.size_bytes == first.size_bytes
        and sorted(zip(p.seeds, p.accuracy, strict=True)) == sorted(zip(first.seeds, first.accuracy, strict=True))
        for p in line[1:]
    )


def sweep(key: str, target: str, others: dict, line: list[Point], metric: str) -> Sweep:
    """The best point of a line on `metric`, judged against every other point of it."""
    by_id = {p.id: p for p in line}
    measured = [p for p in line if p.value(metric) is not None]
    order = sorted(measured, key=lambda p: p.value(metric), reverse=metric == "accuracy")
    lead = leader_of(metric, [p.id for p in order], lambda a, b: compare_points(metric, by_id[a], by_id[b]))
    unmeasured = [p.id for p in line if p.value(metric) is None]
    return Sweep(key, target, others, metric, lead, unmeasured, same_network(line))


def sweeps(points: list[Point], keys: list[str]) -> list[tuple[str, Sweep]]:
    """(finding id, Sweep) per swept setting, line along it and metric."""
    out = []
    for key in point_keys(keys):
        for number, ((target, others), line) in enumerate(lines_along(points, key).items(), 1):
            if len(line) < 2:
                continue
            for metric in ("accuracy", "latency"):
                out.append((f"study.sweep.{key}.{number}.{metric}", sweep(key, target, dict(others), line, metric)))
    return out


# ---- seeds ---------------------------------------------------------------------------------------


def expected_range(count: int) -> float:
    """The expected range of `count` independent standard normal values (d2 of quality control: 1.128 for
    2, 2.534 for 6)."""
    from scipy import integrate, special

    def integrand(x: float) -> float:
        below = special.ndtr(x)
        return 1.0 - below**count - (1.0 - below) ** count

    return float(integrate.quad(integrand, -math.inf, math.inf)[0])


def seeds_needed(goal: float = COVERAGE_GOAL) -> int:
    return next(n for n in range(2, MOST_SEEDS + 1) if range_coverage(n) >= goal)


def seed_spread(points: list[Point]) -> SeedSpread | None:
    several = [p for p in points if sum(a is not None for a in p.accuracy) > 1]
    if not several:
        return None
    ranges = {p.id: 100.0 * (p.accuracy_high - p.accuracy_low) for p in several}
    widest = max(ranges, key=ranges.get)
    variances, weights = [], []
    for p in several:
        values = [100.0 * a for a in p.accuracy if a is not None]
        mean = sum(values) / len(values)
        variances.append(sum((v - mean) ** 2 for v in values))
        weights.append(len(values) - 1)
    pooled_sd = math.sqrt(sum(variances) / sum(weights))
    seeds = min(sum(a is not None for a in p.accuracy) for p in several)
    needed = max(seeds_needed(), seeds)
    return SeedSpread(
        seeds,
        len(several),
        ranges[widest],
        widest,
        pooled_sd,
        range_coverage(seeds),
        needed,
        range_coverage(needed),
        expected_range(needed) * pooled_sd,
    )


def seed_spread_rows(points: list[Point]) -> list[dict]:
    """results/study_seed_spread.tsv: accuracy over the seeds of each point that has several."""
    rows = []
    for p in points:
        values = [a for a in p.accuracy if a is not None]
        if len(values) < 2:
            continue
        mean = sum(values) / len(values)
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
        rows.append(
            {"target": p.target, **p.settings, "seeds": len(values), "accuracy_mean": mean, "accuracy_std": sd}
            | {"accuracy_min": min(values), "accuracy_max": max(values)}
        )
    return rows


# ---- all of it -----------------------------------------------------------------------------------


def analyze_study(study: StudyResults) -> Findings:
    points, flagged = study_points(study)
    found: list[Finding] = [make("study.points", SECTION, Points(points))]
    unscreened = [p.id for p in points if p.latency_ms is not None and not p.latency_screened]
    found.append(make("study.latency_screen", SECTION, Screen(flagged, unscreened)))
    for finding_id, sweep in sweeps(points, study.keys):
        outcome = "not_measured" if not sweep.lead.order[1:] else "not_applicable" if sweep.same_network else None
        found.append(make(finding_id, SECTION, sweep, outcome=outcome, sources=tuple(sweep.lead.order)))
    spread = seed_spread(points)
    if spread is not None:
        found.append(make("study.seeds", SECTION, spread))
    return Findings(found)

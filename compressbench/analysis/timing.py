"""Findings of the naive-and-tuned timing section and of the benchmark_app cross-check."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .findings import Finding, body, make
from .rule import RESOLVED, judge
from .view import Run, is_number

SECTION = "naive"


@body
@dataclass(frozen=True)
class NaiveCost:
    """The one-image-per-call loop against the tuned batch-1 loop, per target, by the one rule (rule.judge):
    both run in the same process, so each repeat pairs them; a side is faster when the ranges do not overlap
    or the signed-rank test on the paired ratios resolves it, else not resolved."""

    ratios: dict[str, float]  # target -> naive / tuned whole-test-set time: the median of the per-repeat ratios
    slower: list[str]  # resolved slower
    unresolved: list[str]  # the ranges overlap and the signed-rank test leaves it open
    faster: list[str]  # resolved faster: the convenience call beats the tuned loop
    batching_low: float | None  # naive loop over the best-batch time: smallest and largest over targets
    batching_high: float | None
    ratio_ranges: dict[str, list[float]] = field(default_factory=dict)  # target -> [low, high] per-repeat ratio
    reasons: dict[str, str] = field(default_factory=dict)  # unresolved target -> why (rule's status)
    # resolved target -> its rounds, where so few that the ranges resolve it only as the weaker finding
    weak_rounds: dict[str, int] = field(default_factory=dict)

    def statement(self) -> str:
        return "naive / tuned: " + ", ".join(f"{t} {r:.2f}x" for t, r in self.ratios.items())


@body
@dataclass(frozen=True)
class AppFigure:
    """One figure measured by both in the same rounds: each side's median over those rounds with its
    range, and ours / benchmark_app's taken round by round (median and range over the rounds)."""

    app: float | None  # benchmark_app's
    app_low: float | None
    app_high: float | None
    ours: float | None  # this workflow's, in the rounds benchmark_app ran in
    ours_low: float | None
    ours_high: float | None
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None


@body
@dataclass(frozen=True)
class AppItem:
    """One OpenVINO target: benchmark_app's repeats (one per round of our repeats) beside ours. At batch 1
    our wall-clock p50 and, like for like, OpenVINO's own timer inside our calls (InferRequest.latency, what
    benchmark_app reports); at our best batch size the throughput."""

    target: str
    repeats: int  # benchmark_app runs at batch 1
    latency_ms: AppFigure  # benchmark_app's median latency against our wall-clock p50
    runtime_timer_ms: AppFigure | None  # against OpenVINO's own timer in our loop (None: not recorded)
    best_batch: int | None  # the batch of the throughput comparison: the run's best where benchmark_app ran it
    best_batch_repeats: int  # benchmark_app runs at that batch (a repeat runs at its own best batch)
    throughput_ips: AppFigure | None  # at best_batch; None when benchmark_app never ran it
    # at batch 1 by the wall clock: benchmark_app's own Python loop (request.infer() per image, as ours)
    # in images/s against our tuned batch-1 pass; None when either is missing
    tuned_throughput_ips: AppFigure | None = None
    run_best_batch: int | None = None  # the run's best batch, where best_batch is another (compared_batch)


@body
@dataclass(frozen=True)
class AppCheck:
    """OpenVINO's benchmark_app against this project's figures on the same model."""

    items: list[AppItem]

    def statement(self) -> str:
        return "benchmark_app vs own batch-1 median: " + ", ".join(
            f"{x.target} {x.latency_ms.app:.4g} / {x.latency_ms.ours:.4g} ms" for x in self.items
        )


def _range(run: Run, target: str, key: str) -> tuple[float, float] | None:
    low, high = run.value(target, f"{key}_low"), run.value(target, f"{key}_high")
    return (low, high) if low is not None and high is not None else None


def naive_cost(run: Run) -> NaiveCost | None:
    ratios, ranges, reasons, weak = {}, {}, {}, {}
    verdicts = {"slower": [], "unresolved": [], "faster": []}
    for t in run.targets:
        naive, tuned = run.value(t, "naive_test_set_seconds"), run.value(t, "tuned_test_set_seconds")
        if not naive or not tuned:
            continue
        record = run.record(t)  # the per-repeat lists are the record's (Run.value holds numbers only)
        pairs = zip(record.naive_repeat_seconds or [], record.tuned_repeat_seconds or [], strict=False)
        per_repeat = [a / b for a, b in pairs if a and b]
        # measured in the same rounds: the median of the per-round ratios, as the method states every such ratio
        ratios[t] = float(np.median(per_repeat)) if per_repeat else naive / tuned
        if per_repeat:
            ranges[t] = [min(per_repeat), max(per_repeat)]
        c = judge(
            "naive",
            "naive",
            "tuned",
            (naive, tuned),
            (_range(run, t, "naive_test_set_seconds"), _range(run, t, "tuned_test_set_seconds")),
            higher_is_better=False,
            rounds=per_repeat if len(per_repeat) >= 2 else None,
        )
        resolved = c.status == RESOLVED
        verdicts["unresolved" if not resolved else "slower" if c.better == "tuned" else "faster"].append(t)
        if not resolved:
            reasons[t] = c.status
        elif c.weak_rounds:
            weak[t] = c.weak_rounds
    if not ratios:
        return None
    batching = [
        run.value(t, "naive_test_set_seconds") / run.value(t, "test_set_seconds")
        for t in ratios
        if run.value(t, "test_set_seconds")
    ]
    return NaiveCost(
        ratios,
        verdicts["slower"],
        verdicts["unresolved"],
        verdicts["faster"],
        min(batching, default=None),
        max(batching, default=None),
        ranges,
        reasons,
        weak,
    )


def _app_figure(row: dict, app: str, ours: str, ratio: str) -> AppFigure | None:
    """benchmark_app's `app` figure of a comparison row (benchmark_app.json) beside our `ours` and their `ratio`."""
    from ..repeats import bound_name

    if not is_number(row.get(app)) or not is_number(row.get(ours)):
        return None
    keys = [k for name in (app, ours, ratio) for k in (name, bound_name(name, "low"), bound_name(name, "high"))]
    return AppFigure(*(row.get(k) for k in keys))


def app_item(run: Run, target: str, app: dict) -> AppItem | None:
    rows = {row.get("batch_size"): row for row in app.get("comparison", [])}
    one, best = rows.get(1, {}), run.value(target, "batch_size_best")
    latency = _app_figure(one, "benchmark_app_latency_median_ms", "our_latency_p50_ms", "latency_ratio")
    if latency is None:
        return None
    timer = _app_figure(one, "benchmark_app_latency_median_ms", "our_runtime_timer_p50_ms", "runtime_timer_ratio")
    compared = app.get("throughput_batch", best)  # the run's best, or the size benchmark_app ran nearest it
    at_best = rows.get(int(compared)) if compared else None
    return AppItem(
        target,
        int(one.get("benchmark_app_repeats") or 1),
        latency,
        timer,
        int(compared) if compared else None,
        int((at_best or {}).get("benchmark_app_repeats") or 0),
        _app_figure(at_best or {}, "benchmark_app_throughput_ips", "our_throughput_ips", "throughput_ratio"),
        _app_figure(one, "benchmark_app_throughput_ips", "our_throughput_ips", "throughput_ratio"),
        int(best) if best and compared and int(compared) != int(best) else None,
    )


def benchmark_app_check(run: Run) -> AppCheck | None:
    items = [app_item(run, t, app) for t, app in run.results.benchmark_app.items()]
    items = [item for item in items if item]
    return AppCheck(items) if items else None


def findings(run: Run) -> list[Finding]:
    out = []
    cost = naive_cost(run)
    if cost:
        out.append(make("naive.cost", SECTION, cost))
    app = benchmark_app_check(run)
    if app:
        out.append(make("naive.benchmark_app", SECTION, app))
    return out

"""Findings of the naive-and-tuned timing section and of the benchmark_app cross-check."""

from __future__ import annotations

from dataclasses import dataclass

from .findings import Finding, body, make
from .view import Run, is_number

SECTION = "naive"


@body
@dataclass(frozen=True)
class NaiveCost:
    """The one-image-per-call loop against the tuned batch-1 loop, per target: the naive loop is slower
    only when its fastest repeat is slower than the tuned loop's slowest."""

    ratios: dict[str, float]  # target -> naive / tuned whole-test-set time (medians)
    slower: list[str]  # resolved slower
    unresolved: list[str]  # ranges overlap
    batching_low: float | None  # naive loop over the best-batch time: smallest and largest over targets
    batching_high: float | None

    def statement(self) -> str:
        return "naive / tuned: " + ", ".join(f"{t} {r:.2f}x" for t, r in self.ratios.items())


@body
@dataclass(frozen=True)
class AppItem:
    target: str
    app_ms: float
    own_ms: float


@body
@dataclass(frozen=True)
class AppCheck:
    """OpenVINO's benchmark_app against this project's batch-1 median on the same model."""

    items: list[AppItem]

    def statement(self) -> str:
        return "benchmark_app vs own batch-1 median: " + ", ".join(
            f"{x.target} {x.app_ms:.4g} / {x.own_ms:.4g} ms" for x in self.items
        )


def _range(run: Run, target: str, key: str) -> tuple[float, float] | None:
    low, high = run.value(target, f"{key}_low"), run.value(target, f"{key}_high")
    return (low, high) if low is not None and high is not None else None


def naive_cost(run: Run) -> NaiveCost | None:
    ratios, slower, unresolved = {}, [], []
    for t in run.targets:
        naive, tuned = run.value(t, "naive_test_set_seconds"), run.value(t, "tuned_test_set_seconds")
        if not naive or not tuned:
            continue
        ratios[t] = naive / tuned
        naive_range, tuned_range = _range(run, t, "naive_test_set_seconds"), _range(run, t, "tuned_test_set_seconds")
        if naive_range and tuned_range and naive_range[0] > tuned_range[1]:
            slower.append(t)
        else:
            unresolved.append(t)
    if not ratios:
        return None
    batching = [
        run.value(t, "naive_test_set_seconds") / run.value(t, "test_set_seconds")
        for t in ratios
        if run.value(t, "test_set_seconds")
    ]
    return NaiveCost(ratios, slower, unresolved, min(batching, default=None), max(batching, default=None))


def benchmark_app_check(run: Run) -> AppCheck | None:
    items = []
    for t, app in run.results.benchmark_app.items():
        one = {row.get("batch_size"): row for row in app.get("comparison", [])}.get(1, {})
        app_ms, own = one.get("benchmark_app_latency_median_ms"), run.value(t, "latency_p50_ms")
        if is_number(app_ms) and app_ms > 0 and own:
            items.append(AppItem(t, app_ms, own))
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

"""Findings of the naive-and-tuned timing section and of the benchmark_app cross-check."""

from __future__ import annotations

from dataclasses import dataclass

from .findings import Finding, body, make
from .view import Run, is_number

SECTION = "naive"
NAIVE_OVERHEAD = 1.2  # naive / tuned counted as "the naive loop is slower"
BENCHMARK_APP_CLOSE = 1.5  # the two timers agree when neither median is more than this factor of the other


@body
@dataclass(frozen=True)
class NaiveCost:
    """The one-image-per-call loop against the tuned batch-1 loop, per target."""

    threshold: float
    ratios: dict[str, float]  # target -> naive / tuned whole-test-set time
    batching_low: float | None  # naive loop over the best-batch time: smallest and largest over targets
    batching_high: float | None

    @property
    def slower(self) -> list[str]:
        return [t for t, r in self.ratios.items() if r >= self.threshold]

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

    threshold: float
    items: list[AppItem]
    close: bool  # every pair within `threshold` of each other

    def statement(self) -> str:
        return "benchmark_app vs own batch-1 median: " + ", ".join(
            f"{x.target} {x.app_ms:.4g} / {x.own_ms:.4g} ms" for x in self.items
        )


def naive_cost(run: Run) -> NaiveCost | None:
    ratios = {}
    for t in run.targets:
        naive, tuned = run.value(t, "naive_test_set_seconds"), run.value(t, "tuned_test_set_seconds")
        if naive and tuned:
            ratios[t] = naive / tuned
    if not ratios:
        return None
    batching = [
        run.value(t, "naive_test_set_seconds") / run.value(t, "test_set_seconds")
        for t in ratios
        if run.value(t, "test_set_seconds")
    ]
    return NaiveCost(NAIVE_OVERHEAD, ratios, min(batching, default=None), max(batching, default=None))


def benchmark_app_check(run: Run) -> AppCheck | None:
    items = []
    for t, app in run.results.benchmark_app.items():
        one = {row.get("batch_size"): row for row in app.get("comparison", [])}.get(1, {})
        app_ms, own = one.get("benchmark_app_latency_median_ms"), run.value(t, "latency_p50_ms")
        if is_number(app_ms) and app_ms > 0 and own:
            items.append(AppItem(t, app_ms, own))
    if not items:
        return None
    ratios = [max(x.own_ms / x.app_ms, x.app_ms / x.own_ms) for x in items]
    return AppCheck(BENCHMARK_APP_CLOSE, items, max(ratios) <= BENCHMARK_APP_CLOSE)


def findings(run: Run) -> list[Finding]:
    out = []
    cost = naive_cost(run)
    if cost:
        out.append(make("naive.cost", SECTION, cost))
    app = benchmark_app_check(run)
    if app:
        out.append(make("naive.benchmark_app", SECTION, app))
    return out

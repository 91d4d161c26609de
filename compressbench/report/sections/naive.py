"""Naive and tuned timing: the one-image-per-call loop, batching, and OpenVINO's benchmark_app."""

from __future__ import annotations

from ..tables import table
from ..writer import Writer
from .base import Figure, Section, Table


def text(w: Writer) -> list[str]:
    return naive(w) + benchmark_app(w)


def naive(w: Writer) -> list[str]:
    s, n = w.s, w.n
    cost = w.finding("naive.cost")
    if cost is None:
        return [s["naive.naive_missing"]]
    slower = cost.slower
    close = [(t, r) for t, r in cost.ratios.items() if t not in slower]
    out = []
    threshold = s.times(cost.threshold, 1)
    if slower:
        out.append(s.say("naive.naive_overhead", targets=w.labels(slower), threshold=threshold))
    if close:
        items = ", ".join(f"{w.label(t)} {n.ratio(r)}" for t, r in close)
        out.append(s.say("naive.naive_close", items=items, threshold=threshold))
    if cost.batching_low is not None:
        out.append(
            s.say("naive.naive_batching", low=n.fixed(cost.batching_low, 0), high=n.fixed(cost.batching_high, 0))
        )
    out[-1] = w.para(out[-1])
    return out


def benchmark_app(w: Writer) -> list[str]:
    s, n = w.s, w.n
    found = w.finding("naive.benchmark_app")
    if found is None:
        return []
    items = [
        s.say("naive.benchmark_app_item", target=w.label(x.target), app=n.ms(x.app_ms), own=n.ms(x.own_ms))
        for x in found.items
    ]
    key = "naive.benchmark_app" if found.close else "naive.benchmark_app_far"
    return [w.para(s.say(key, items="; ".join(items), threshold=s.times(found.threshold, 1)))]


def naive_table(w: Writer) -> dict | None:
    run, s, n = w.run, w.s, w.n
    cost = w.findings.body("naive.cost")
    if cost is None:
        return None
    rows = [
        [
            w.label(t),
            n.sig(run.value(t, "naive_test_set_seconds")),
            n.sig(run.value(t, "tuned_test_set_seconds")),
            n.sig(run.value(t, "test_set_seconds")),
            n.ratio(ratio),
        ]
        for t, ratio in cost.ratios.items()
    ]
    columns = [
        (s["columns.col_target"], "l"),
        (s["columns.col_naive"], "r"),
        (s["columns.col_tuned"], "r"),
        (s["columns.col_best"], "r"),
        (s["columns.col_naive_ratio"], "r"),
    ]
    return table(columns, rows)


SECTION = Section(
    "naive",
    "naive.title",
    2,
    ("text", "table:naive", "figure:naive", "figure:benchmark_app"),
    text=text,
    tables=(Table("naive", naive_table, "naive.tab_naive"),),
    figures=(
        Figure("naive", "naive.fig_naive", "naive"),
        Figure("benchmark_app", "naive.fig_benchmark_app", "benchmark_app", when="benchmark_app"),
    ),
)

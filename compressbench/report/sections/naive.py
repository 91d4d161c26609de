"""Naive and tuned timing: the one-image-per-call loop against the tuned batch-1 loop (with the
repeats' ranges), what batching adds, and OpenVINO's own benchmark_app on the same model."""

from __future__ import annotations

from ...analysis.rule import ROUNDS_DISAGREE, ranges_apart_by_chance
from ..tables import table, with_note
from ..writer import Writer
from .base import Figure, Section, Table


def naive(w: Writer) -> list[str]:
    s, n = w.s, w.n
    cost = w.finding("naive.cost")
    if cost is None:
        return [s["naive.naive_missing"]]
    out = [s["naive.naive_ratio"]] if cost.ratios else []
    for targets, key in ((cost.slower, "naive.naive_slower"), (cost.faster, "naive.naive_faster")):
        if targets:
            out.append(s.say(key, items=", ".join(naive_item(w, cost, t) for t in targets)))
    if cost.weak_rounds:  # the fewest rounds behind a resolved difference: its chance is the largest
        rounds = min(cost.weak_rounds.values())
        chance = n.chance(ranges_apart_by_chance(rounds))
        extended = s.count(rounds, "naive.forms_extended_rounds")
        out.append(s.say("naive.naive_weaker", extended=extended, rounds=n.integer(rounds), chance=chance))
    disagree = [t for t in cost.unresolved if cost.reasons.get(t) == ROUNDS_DISAGREE]
    overlap = [t for t in cost.unresolved if t not in disagree]
    for targets, key in ((disagree, "naive.naive_unresolved"), (overlap, "naive.naive_unresolved_overlap")):
        if targets:
            out.append(s.say(key, items=", ".join(naive_item(w, cost, t) for t in targets)))
    if cost.batching_low is not None:
        out.append(s.say("naive.naive_batching", low=n.sig(cost.batching_low, 3), high=n.sig(cost.batching_high, 3)))
    out[-1] = w.para(out[-1])
    return out


def naive_item(w: Writer, cost, target: str) -> str:
    """A target's naive / tuned ratio with the range of its per-repeat ratios (both loops ran in each repeat)."""
    n = w.n
    low, high = cost.ratio_ranges.get(target) or (None, None)
    if low is None:
        return f"{w.label(target)} {n.ratio(cost.ratios[target])}"
    return w.s.say(
        "naive.naive_item",
        target=w.label(target),
        ratio=n.ratio(cost.ratios[target]),
        low=n.ratio(low),
        high=n.ratio(high),
    )


def benchmark_app(w: Writer) -> list[str]:
    found = w.finding("naive.benchmark_app")
    if found is None:
        return []
    out = [w.para(w.s["naive.benchmark_app"])]
    for x in found.items:  # one paragraph per target, each resting on the finding
        w.finding("naive.benchmark_app")
        out.append(w.para(app_item(w, x)))
    w.finding("naive.benchmark_app")
    return [*out, w.para(w.s["naive.benchmark_app_timers"])]


def app_item(w: Writer, x) -> str:
    """One target's cross-check, ours in the same rounds as benchmark_app's runs, ratios round by round:
    batch-1 latency (wall clock and OpenVINO's own timer), batch-1 and best-batch throughput."""
    s, n = w.s, w.n

    def ips(key: str, t, **values) -> str:
        app_range = span(t.app_low, t.app_high, count_range(w))
        return s.say(
            key,
            **values,
            app=n.ips(t.app),
            app_range=f"{app_range}, " if app_range else "",
            app_range_only=f" ({app_range})" if app_range else "",
            own=n.ips(t.ours),
            own_range=f" ({own})" if (own := span(t.ours_low, t.ours_high, count_range(w))) else "",
            ratio=ratio_with_range(w, t),
        )

    wall = "" if x.tuned_throughput_ips is None else ips("naive.benchmark_app_wall", x.tuned_throughput_ips)
    throughput = ""
    if x.throughput_ips is not None:
        runs = s.count(x.best_batch_repeats, "naive.forms_runs")
        key = "naive.benchmark_app_throughput" if x.run_best_batch is None else "naive.benchmark_app_throughput_near"
        throughput = ips(
            key, x.throughput_ips, batch=n.integer(x.best_batch), runs=runs, best=n.integer(x.run_best_batch)
        )
    lat, timer = x.latency_ms, x.runtime_timer_ms
    return s.say(
        "naive.benchmark_app_item",
        target=w.label(x.target),
        app=n.ms(lat.app),
        app_range=f"{app_range}, " if (app_range := span(lat.app_low, lat.app_high, n.ms_range)) else "",
        runs=s.count(x.repeats, "naive.forms_runs"),
        own=n.ms(lat.ours),
        own_range=f" ({own})" if (own := span(lat.ours_low, lat.ours_high, n.ms_range)) else "",
        ratio=ratio_with_range(w, lat),
        timer=n.ms(timer.ours) if timer else n.missing,
        timer_range=f" ({ends})" if timer and (ends := span(timer.ours_low, timer.ours_high, n.ms_range)) else "",
        timer_ratio=ratio_with_range(w, timer) if timer else n.missing,
        wall=wall,
        throughput=throughput,
    )


def span(low, high, between) -> str:
    """A range as between(low, high); "" where one round gives no range (low == high) or an end is missing."""
    return "" if low is None or high is None or low == high else between(low, high)


def count_range(w: Writer):
    """Images per second from the lowest to the highest round, to the three digits the medians are printed with."""
    return lambda low, high: f"{w.n.count(low)}–{w.n.count(high)}"


def ratio_with_range(w: Writer, figure) -> str:
    """Ours / benchmark_app's per round: "1.12× (1.05–1.20)"; one round, or ends that print alike: no range."""
    text = w.n.ratio(figure.ratio)
    low, high = (None if x is None else w.n.fixed(x, 2) for x in (figure.ratio_low, figure.ratio_high))
    spread = span(low, high, lambda a, b: f"{a}–{b}")
    return f"{text} ({spread})" if spread else text


def range_cell(w: Writer, target: str, key: str) -> str:
    n, run = w.n, w.run
    low, high = run.value(target, f"{key}_low"), run.value(target, f"{key}_high")
    note = f"{n.sig(low)}–{n.sig(high)}" if low is not None and high is not None else n.missing
    return with_note(n.sig(run.value(target, key)), note, n.missing)


def naive_table(w: Writer) -> dict | None:
    s, n = w.s, w.n
    cost = w.findings.body("naive.cost")
    if cost is None:
        return None
    rows = [
        [
            w.label(t),
            range_cell(w, t, "naive_test_set_seconds"),
            range_cell(w, t, "tuned_test_set_seconds"),
            n.ratio(ratio),
        ]
        for t, ratio in cost.ratios.items()
    ]
    columns = [
        (s["columns.col_target"], "l"),
        (s["columns.col_naive"], "r"),
        (s["columns.col_tuned"], "r"),
        (s["columns.col_naive_ratio"], "r"),
    ]
    return table(columns, rows)


# in the appendix: the coursework's one-image loop against the tuned one, which the coursework section compares
SECTION = Section(
    "naive",
    "naive.title",
    2,
    ("text", "table:naive", "figure:naive"),
    text=naive,
    tables=(Table("naive", naive_table, "naive.tab_naive"),),
    figures=(Figure("naive", "appendix.fig_naive", "naive"),),
    appendix=True,
)

# OpenVINO's own benchmark_app against this pipeline's loop: a cross-check of the method, in the appendix
APP = Section(
    "benchmark_app",
    "naive.app_title",
    2,
    # the figure first: placed after its long text it fits no page the text leaves and ends the report alone
    ("figure:benchmark_app", "text"),
    text=benchmark_app,
    figures=(Figure("benchmark_app", "appendix.fig_benchmark_app", "benchmark_app", when="benchmark_app"),),
    appendix=True,
)

"""Speed: batch-1 latency and best-batch throughput, the whole test set's time, and what the timings
say about the machine."""

from __future__ import annotations

from ..tables import durations, execution_precision, table
from ..writer import Writer
from .base import Figure, Section, Table


def text(w: Writer) -> list[str]:
    run, s, n = w.run, w.s, w.n
    if not run.measured("latency") and not run.measured("throughput"):
        return [s["speed.no_bench"]]
    out = []
    machines = w.finding("speed.machines")
    if machines is not None:
        out.append(w.para(s.say("speed.machines_differ", items="; ".join(machines.hosts))))
    latency = w.finding("speed.leader.latency")
    if latency is not None and len(latency.order) >= 2:
        out.append(w.para(w.leader(latency, "speed.lead_latency_resolved", "speed.lead_latency_unresolved")))
    throughput = w.finding("speed.leader.throughput")
    if throughput is not None and len(throughput.order) >= 2:
        out.append(w.para(w.leader(throughput, "speed.lead_throughput_resolved", "speed.lead_throughput_unresolved")))
    w.pending.clear()  # a single measured target is stated by no sentence here
    extremes = w.finding("speed.test_set_extremes")
    if extremes is not None:
        fast, slow = extremes.low, extremes.high
        out.append(
            w.para(
                s.say(
                    "speed.test_set_derived",
                    images=n.integer(run.test_images),
                    fast=w.label(fast),
                    fast_s=n.seconds(run.value(fast, "test_set_seconds")),
                    fast_batch=n.integer(run.value(fast, "test_set_batch_size")),
                    slow=w.label(slow),
                    slow_s=n.seconds(run.value(slow, "test_set_seconds")),
                    slow_batch=n.integer(run.value(slow, "test_set_batch_size")),
                )
            )
        )
    return out + eager(w) + outliers(w) + drift(w) + threads(w)


def eager(w: Writer) -> list[str]:
    """Eager PyTorch's batch-1 gap: a per-call cost when it shrinks at the best batch size, otherwise per-image."""
    gap = w.finding("speed.eager_gap")
    if gap is None:
        return []
    s, n = w.s, w.n
    return [
        w.para(
            s.say(
                "speed.eager_gap_fixed" if gap.fixed_cost else "speed.eager_gap",
                other=w.label(gap.other),
                ratio1=s.times(gap.ratio_batch1),
                ratio_best=s.times(gap.ratio_best),
                share=n.percent(gap.overhead_share, 0),
                cite=w.cite("torch_tuning") if gap.fixed_cost else "",
                resolved="" if gap.resolved else s["speed.eager_unresolved"],
            )
        )
    ]


def outliers(w: Writer) -> list[str]:
    found = w.finding("speed.throughput_outliers")
    if found is None:
        return []
    s, n = w.s, w.n
    items = "; ".join(
        f"{w.label(o.target)}, {s['common.batch_word']} {n.integer(o.batch)}: −{n.percent(o.dip, 0)}"
        for o in found.items
    )
    return [w.para(s.say("speed.throughput_outliers", items=items))]


def drift(w: Writer) -> list[str]:
    found = w.finding("speed.drift")
    if found is None:
        return []
    s, n = w.s, w.n
    items = "; ".join(
        f"{w.label(t)}: {' / '.join(n.ms(q) for q in w.run.record(t).latency_quarter_p50_ms)}" for t in found.targets
    )
    return [w.para(s.say("speed.latency_drift", drift=n.percent(found.threshold, 0), items=items))]


def threads(w: Writer) -> list[str]:
    """Batch-1 latency at one thread beside the run's threads: which one a rerun reproduces."""
    found = w.finding("speed.threads")
    if found is None:
        return []
    s, n = w.s, w.n
    items = "; ".join(
        f"{w.label(x.target)}: {n.ms(x.p50_1thread_ms)} (±{n.percent(x.spread_1thread / 2, 0)}) / "
        f"{n.ms(x.p50_ms)} (±{n.percent(x.spread / 2, 0)})"
        for x in found.spreads
    )
    key = "speed.threads_one_steadier" if found.one_thread_steadier else "speed.threads_one_not_steadier"
    return [w.para(s.say(key, threads=n.integer(found.spreads[0].threads), items=items))]


def speed_table(w: Writer) -> dict | None:
    run, s, n = w.run, w.s, w.n
    if not run.measured("latency") and not run.measured("throughput"):
        return None
    targets = run.targets
    unit, p50 = durations(w, [run.value(t, "latency_p50_ms") for t in targets])
    rows = [
        [
            w.label(t),
            execution_precision(w, t),
            p50[i],
            w.interval(t, "latency").replace(f"\u00a0{unit}", ""),
            n.integer(run.value(t, "throughput_ips")),
            w.interval(t, "throughput"),
            n.integer(run.value(t, "batch_size_best")),
            n.sig(run.value(t, "test_set_seconds")),
        ]
        for i, t in enumerate(targets)
    ]
    columns = [
        (s["columns.col_target"], "l"),
        (s["columns.col_exec"], "l"),
        (f"p50, {unit}", "r"),
        (s["columns.col_interval"], "r"),
        (s["columns.col_throughput"], "r"),
        (s["columns.col_range"], "r"),
        (s["columns.col_batch"], "r"),
        (s["columns.col_test_set"], "r"),
    ]  # threads and repeats are the same for every target: the caption states them
    return table(columns, rows)


SECTION = Section(
    "speed",
    "speed.title",
    2,
    ("text", "table:speed", "figure:latency", "figure:throughput", "figure:test_set_time"),
    text=text,
    tables=(Table("speed", speed_table, "speed.tab_speed", "speed.tab_speed_single"),),
    figures=(
        Figure("latency", "speed.fig_latency", "latency"),
        Figure("throughput", "speed.fig_throughput", "throughput"),
        Figure("test_set_time", "speed.fig_test_set_time", "test_set_time"),
    ),
)

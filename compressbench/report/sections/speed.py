"""Speed: batch-1 latency and best-batch throughput with their ranges, the whole test set's time, and
what the timings say about the machine."""

from __future__ import annotations

from ...analysis.speed import parallel_latency
from ...cpu_probe import FULL_EFFICIENCY
from ..tables import durations, execution_precision, latency_cell, table, with_note
from ..writer import Writer
from .base import Figure, Section, Table

# Figure 2's whiskers: percentiles of the pooled calls. The 1st to 99th made the tail dwarf the boxes and medians;
# the speed table gives each repeat's p99.
WHISKERS = (5, 95)


def text(w: Writer) -> list[str]:
    run, s = w.run, w.s
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
    w.take()  # a single measured target is stated by no sentence here
    return out + eager(w) + state_pointer(w) + outliers(w)


def state_pointer(w: Writer) -> list[str]:
    """The probe's count in one sentence, and where the appendix takes the machine's state and one thread up
    (the main text keeps to the comparisons). With one thread per process the probe's windows are the
    appendix's alone: they describe the machine, not the CPU a one-thread call ran on."""
    has_threads = w.findings.get("speed.threads") is not None
    if not parallel_latency(w.run) and not has_threads:
        return []
    found = w.finding("speed.cpu_states")
    if found is None and not has_threads:
        return []
    s, n = w.s, w.n
    text = ""
    if found is not None:
        below = found.windows - found.full_windows
        key = "speed.state_pointer_below" if below else "speed.state_pointer_full"
        text = s.say(key, below=n.integer(below), windows=n.integer(found.windows)) + " "
    text += s["speed.state_pointer_appendix" if has_threads else "speed.state_pointer_appendix_probe"]
    return [w.para(text)]


def state_text(w: Writer) -> list[str]:
    """The appendix: how the probe works, what it found in each variant's rounds, and one thread."""
    probed = any(w.run.record(t).get("latency_cpu_states") for t in w.run.targets)
    how = []
    if probed:
        text = w.s.say("method.method_cpu_probe", threshold=w.n.fixed(FULL_EFFICIENCY, 1))
        if not parallel_latency(w.run):
            text += " " + w.s["method.method_cpu_probe_one_thread"]
        how = [w.para(text)]
    return how + cpu_states(w) + threads(w)


def cpu_states(w: Writer) -> list[str]:
    """What the parallel-speed probe found, and each variant's batch-1 median in the rounds of each kind."""
    found = w.finding("speed.cpu_states")
    if found is None:
        return []
    s, n = w.s, w.n
    windows = n.integer(found.windows)
    if found.full_windows == found.windows:
        low, high = found.efficiency_full or (None, None)
        return [w.para(s.say("speed.cpu_states_all_full", windows=windows, low=n.fixed(low), high=n.fixed(high)))]
    full = found.efficiency_full
    text = s.say(
        "speed.cpu_states",
        below=n.integer(found.windows - found.full_windows),
        windows=windows,
        lowest=n.fixed(found.efficiency_below[0]) if found.efficiency_below else n.missing,
        full_range=f"{n.fixed(full[0])}–{n.fixed(full[1])}" if full else n.missing,
    )
    if found.gaps:
        items = "; ".join(
            s.say(
                "speed.cpu_states_item",
                target=w.label(x.target),
                other=n.ms(x.other_ms),
                full=n.ms(x.full_ms),
                count=f"{n.integer(x.full_rounds)}/{n.integer(x.full_rounds + x.other_rounds)}",
            )
            for x in found.gaps
        )
        text += " " + s.say("speed.cpu_states_gaps", items=items)
    if found.none_full:
        text += " " + s.say("speed.cpu_states_none_full", targets=w.labels(found.none_full))
    return [w.para(text)]


def eager(w: Writer) -> list[str]:
    """Eager PyTorch's batch-1 gap: a per-call cost when it is larger at batch 1 than at the best batch
    beyond both ranges."""
    gap = w.finding("speed.eager_gap")
    if gap is None:
        return []
    s, n = w.s, w.n
    keys = {True: "speed.eager_gap_fixed", False: "speed.eager_gap_same", None: "speed.eager_gap_unresolved"}
    return [
        w.para(
            s.say(
                keys[gap.fixed_cost],
                other=w.label(gap.other),
                ratio1=w.ratio(gap.ratio_batch1),
                ratio_best=w.ratio(gap.ratio_best),
                share=n.percent(gap.overhead_share, 1),  # as the batch-1 overhead claim prints the same share
                other_share=n.percent(gap.other_overhead_share, 1),
                cite=w.cite("torch_tuning"),
            )
        )
    ]


def disagreeing(w: Writer) -> list[str]:
    """Variants whose repeats' 95 % intervals of the batch-1 median share no value: why the rule compares round by
    round (the appendix's measurement details say it, beside the ranges and reruns)."""
    found = w.finding("speed.repeats_disagree")
    if found is None:
        return []
    every = set(found.targets) == set(w.run.measured("latency"))  # "every variant" reads better than six names
    targets = w.s["speed.every_variant"] if every else w.labels(found.targets)
    return [w.para(w.s.say("speed.repeats_disagree", targets=targets))]


# ThreadSpreads.by_one_thread's outcomes, in the order the report names them
THREAD_OUTCOMES = {
    "faster": "speed.threads_faster",
    "slower": "speed.threads_slower",
    "unresolved": "speed.threads_unresolved",
}


def threads(w: Writer) -> list[str]:
    """Batch-1 latency at one thread beside the run's threads: which ranges are narrower, and which
    is faster by the one rule."""
    found = w.finding("speed.threads")
    if found is None:
        return []
    s, n = w.s, w.n
    # the run's threads by their range alone: their median over these rounds is not the speed table's
    items = "; ".join(
        s.say(
            "speed.threads_item",
            target=w.label(x.target),
            one=n.ms(x.p50_1thread_ms),
            one_range=n.ms_range(x.low_1thread_ms, x.high_1thread_ms),
            range=n.ms_range(x.low_ms, x.high_ms),
        )
        for x in found.spreads
    )
    steadier = found.steadier_at_one_thread
    if len(steadier) == len(found.spreads):
        key, which = "speed.threads_all_steadier", ""
    elif steadier:
        key, which = "speed.threads_some_steadier", w.labels(steadier)
    else:
        key, which = "speed.threads_none_steadier", ""
    first = found.spreads[0]
    threads_text = n.integer(first.threads)
    parts = [
        s.say(outcome_key, threads=threads_text, targets=w.labels(targets))
        for outcome, outcome_key in THREAD_OUTCOMES.items()
        if (targets := found.by_one_thread(outcome))
    ]
    verdicts = s.say("speed.threads_verdicts", parts="; ".join(parts))
    steady = s.say(key, threads=threads_text, rounds=n.integer(first.rounds), items=items, which=which)
    return [w.para(f"{steady} {verdicts}")]


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


def full_speed_cells(w: Writer, targets: list[str], medians: list) -> list[str]:
    """ "19.3 (4/6)": each target's batch-1 median over its rounds at full parallel speed, with how many of its
    probed rounds those are, in the p50 column's unit; [] where the probe measured no round."""
    found = w.findings.body("speed.full_speed")  # a table cell: no paragraph traces it
    if found is None or all(x.rounds == x.probed for x in found.items):  # every round at full speed: the p50
        return []
    by_target = {x.target: x for x in found.items}
    values = [by_target[t].median_ms if t in by_target else None for t in targets]
    _, shown = durations(w, values, unit_from=medians)
    cells = []
    for t, value in zip(targets, shown, strict=True):
        x = by_target.get(t)
        rounds = f"{w.n.integer(x.rounds)}/{w.n.integer(x.probed)}" if x else w.n.missing
        cells.append(with_note(value, rounds, w.n.missing) if x and x.median_ms is not None else rounds)
    return cells


def p99_range(w: Writer, target: str, scale: float) -> str:
    """The range of the repeats' p99s, scaled to the column's unit (the tail is a repeat's noisiest figure)."""
    low, high = w.run.value(target, "latency_p99_low_ms"), w.run.value(target, "latency_p99_high_ms")
    if low is None or high is None or low == high:  # one repeat: no range
        return w.n.missing
    return f"{w.n.sig(scale * low, 3)}–{w.n.sig(scale * high, 3)}"


def best_batch_cell(w: Writer, target: str) -> str:
    """The best batch size, with "(≈ 256)" for any other size whose median throughput lies within the best size's
    range over the repeats: the highest median picks one, but the repeats do not tell them apart."""
    record, n = w.run.record(target), w.n
    best = w.run.value(target, "batch_size_best")
    medians = record.throughput_by_batch or {}
    low, high = (
        (record.throughput_by_batch_low or {}).get(str(best)),
        (record.throughput_by_batch_high or {}).get(str(best)),
    )
    if best is None or low is None or high is None or low == high:
        return n.integer(best)
    close = sorted(int(size) for size, ips in medians.items() if int(size) != best and ips and low <= ips <= high)
    return f"{n.integer(best)} (≈ {', '.join(n.integer(size) for size in close)})" if close else n.integer(best)


def test_set_cell(w: Writer, target: str) -> str:
    """The whole-test-set time at the best batch with its range (from the fastest and the slowest repeat's
    throughput): derived from a figure that spreads by several per cent, it is not shown alone."""
    run, n = w.run, w.n
    low, high = run.value(target, "test_set_seconds_low"), run.value(target, "test_set_seconds_high")
    spread = n.missing if low is None or high is None or low == high else f"{n.sig(low)}–{n.sig(high)}"
    return with_note(n.sig(run.value(target, "test_set_seconds")), spread, n.missing)


def speed_table(w: Writer) -> dict | None:
    run, s, n = w.run, w.s, w.n
    if not run.measured("latency") and not run.measured("throughput"):
        return None
    targets = run.targets
    medians = [run.value(t, "latency_p50_ms") for t in targets]
    unit, p50 = durations(w, medians)
    _, p99 = durations(w, [run.value(t, "latency_p99_ms") for t in targets], unit_from=medians)
    scale = 1000 if unit in ("µs", "мкс") else 1  # the column's unit, from the medians
    full = full_speed_cells(w, targets, medians)
    rows = [
        [
            w.label(t),
            execution_precision(w, t),
            latency_cell(w, t, p50[i], unit),
            *([full[i]] if full else []),
            with_note(p99[i], p99_range(w, t, scale), n.missing),
            with_note(n.count(run.value(t, "throughput_ips")), w.interval(t, "throughput"), n.missing),
            best_batch_cell(w, t),
            test_set_cell(w, t),
        ]
        for i, t in enumerate(targets)
    ]
    columns = [
        (s["columns.col_target"], "l"),
        (s["columns.col_exec"], "l"),
        (s.say("columns.col_p50_range", unit=unit), "r"),
        *([(s.say("columns.col_p50_full_speed", unit=unit), "r")] if full else []),
        (s.say("columns.col_p99_range", unit=unit), "r"),
        (s["columns.col_throughput_range"], "r"),
        (s["columns.col_batch"], "r"),
        (s["columns.col_test_set"], "r"),
    ]  # threads and repeats are the same for every target: the caption states them
    return table(columns, rows)


SECTION = Section(
    "speed",
    "speed.title",
    2,
    ("text", "table:speed", "figure:throughput"),
    text=text,
    tables=(Table("speed", speed_table, "speed.tab_speed", "speed.tab_speed_single"),),
    figures=(Figure("throughput", "speed.fig_throughput", "throughput"),),
    discusses=("figure:latency",),  # the calls' distribution: the appendix's measurement details (method.DETAIL)
)

# The batch-1 calls' distribution, drawn in the appendix beside the measurement details
LATENCY_FIGURE = Figure(
    "latency", "speed.fig_latency", "latency", values=(("low", str(WHISKERS[0])), ("high", str(WHISKERS[1])))
)

# the machine's state around the timed windows and batch-1 latency on one thread, after the other appendices
STATE = Section(
    "speed_state",
    "speed.state_title",
    2,
    ("text",),
    text=state_text,
    appendix=True,
    discusses=("table:speed",),
)

"""Memory and start-up: resident memory of each runtime with its model, load time and the first call,
with the repeats' ranges."""

from __future__ import annotations

from ...analysis.resources import PEAK, model_memory_mb
from ...analysis.rule import compare, time_ratio
from ...analysis.view import METRICS
from ..tables import durations, table, with_note
from ..writer import Writer
from .base import Section, Table


def text(w: Writer) -> list[str]:
    return memory(w) + startup(w)


def memory(w: Writer) -> list[str]:
    run, s, n = w.run, w.s, w.n
    found = w.finding("memory.range")
    if found is None:
        return [s["memory.memory_missing"]]
    low, high = found.peak.low, found.peak.high
    return [
        w.para(
            s.say(
                "memory.memory_range",
                low=w.label(low),
                low_mb=n.mb(run.value(low, PEAK)),
                high=w.label(high),
                high_mb=n.mb(run.value(high, PEAK)),
                batch=n.integer(run.value(low, "peak_rss_largest_batch")),
                model_low=n.mb(found.model_low_mb),
                model_high=n.mb(found.model_high_mb),
                share_low=n.percent(found.baseline_share_low, 0),
                share_high=n.percent(found.baseline_share_high, 0),
            )
        ),
    ]


def startup(w: Writer) -> list[str]:
    run, s = w.run, w.s
    if not run.measured("load"):
        return [s["memory.startup_missing"]]
    out = []
    lead = w.finding("startup.leader.load")
    if lead is not None:
        sentence = w.leader(lead, "memory.lead_load_resolved", "memory.lead_load_unresolved")
        out.append(w.para(f"{sentence} {slowest_load(w, lead)}".strip()))
    cold = w.finding("startup.first_call")
    if cold is not None:  # the extremes here; the memory table gives each variant's with its range
        least, most = min(cold.items, key=lambda x: x.over_warm), max(cold.items, key=lambda x: x.over_warm)
        if len(cold.items) > 1:  # "from ... to": Russian puts the factors in the genitive
            items = {"least": first_call_item(w, least, True), "most": first_call_item(w, most, True)}
            out.append(w.para(s.say("memory.first_call", **items)))
        else:
            out.append(w.para(s.say("memory.first_call_one", least=first_call_item(w, least, False))))
    return out


def first_call_item(w: Writer, x, genitive: bool) -> str:
    """ "5.5× (4.8–6.5 per round; PyTorch)": a variant's first call over its warm median, two digits (the noisiest
    ratio in the report), with the range of its per-round ratios where they are recorded."""
    n = w.n
    decimals = 1 if x.over_warm < 10 else 0
    times = w.s.times_genitive(x.over_warm, decimals) if genitive else w.s.times(x.over_warm, decimals)
    if x.low is None:
        return w.s.say("memory.first_call_item_alone", times=times, target=w.label(x.target))
    spread = f"{n.sig(x.low, 2)}–{n.sig(x.high, 2)}"
    return w.s.say("memory.first_call_item", times=times, range=spread, target=w.label(x.target))


def memory_cell(w: Writer, target: str, metric: str) -> str:
    """A peak in MiB with its range over the repeats below it."""
    n, interval = w.n, w.run.interval(target, metric)
    note = f"{n.fixed(interval[0], 1)}–{n.fixed(interval[1], 1)}" if interval else n.missing
    return with_note(n.fixed(w.run.value(target, METRICS[metric].key), 1), note, n.missing)


def memory_table(w: Writer) -> dict | None:
    run, s, n = w.run, w.s, w.n
    measured = [t for t in run.targets if run.value(t, PEAK) is not None]
    if not measured:
        return None
    first_calls = [run.value(t, "first_call_ms") for t in measured]
    unit, first = durations(w, first_calls)
    first_ranges = [run.interval(t, "first_call") or (None, None) for t in measured]
    lows, highs = (durations(w, [r[end] for r in first_ranges], unit_from=first_calls)[1] for end in (0, 1))
    rows = []
    for i, t in enumerate(measured):
        load = run.interval(t, "load")
        load_note = f"{n.sig(1000 * load[0])}–{n.sig(1000 * load[1])}" if load else n.missing
        first_note = f"{lows[i]}–{highs[i]}" if run.interval(t, "first_call") else n.missing
        rows.append(
            [
                w.label(t),
                n.fixed(run.value(t, "baseline_rss_mb"), 1),
                memory_cell(w, t, "memory_batch1"),
                memory_cell(w, t, "memory_largest"),
                n.fixed(model_memory_mb(run, t), 1),
                with_note(n.sig(1000 * (run.value(t, "load_seconds") or float("nan"))), load_note, n.missing),
                with_note(first[i], first_note, n.missing),
            ]
        )
    columns = [
        (s["columns.col_target"], "l"),
        (s["columns.col_baseline"], "r"),
        (s["columns.col_peak_batch1"], "r"),
        (s.say("columns.col_peak", batch=n.integer(run.value(measured[0], "peak_rss_largest_batch"))), "r"),
        (s["columns.col_model_mem"], "r"),
        (s["columns.col_load_range"], "r"),
        (s.say("columns.col_first_call", unit=unit), "r"),
    ]
    return table(columns, rows)


def slowest_load(w: Writer, lead) -> str:
    """The variant slowest to load against the soonest, where their ranges are apart (OpenVINO compiles its
    model when it loads it, so the spread between runtimes is the start-up fact a reader needs); whether the
    rounds tell it apart from the next slowest says if "longest" is a finding or only the medians' order."""
    best, slowest = lead.best, lead.order[-1]
    fast, slow = w.run.interval(best, "load"), w.run.interval(slowest, "load")
    if slowest == best or fast is None or slow is None or slow[0] <= fast[1]:
        return ""
    ratio = time_ratio(w.run, "load", slowest, best)
    runner = lead.order[-2]
    key, by_rounds = "memory.load_slowest", None
    if runner != best:
        against_runner = compare(w.run, "load", slowest, runner)
        if not against_runner.resolved:
            key = "memory.load_slowest_unresolved"
        elif against_runner.rank_test_p is not None:  # the ranges overlap: the rounds resolved "longest"
            key, by_rounds = "memory.load_slowest_rounds", against_runner
    return w.s.say(
        key,
        **w.rank_test(by_rounds),
        slowest=w.label(slowest),
        value=w.value(slowest, "load"),
        interval=w.interval_note(slowest, "load"),
        ratio=w.s.times(ratio.value, 1),
        best=w.label(best),
        runner=w.label(runner),
        runner_value=w.value(runner, "load"),
    )


SECTION = Section(
    "memory",
    "memory.title",
    2,
    ("text", "table:memory"),
    text=text,
    tables=(Table("memory", memory_table, "memory.tab_memory"),),
)

"""The model as a service under load (only when the run serves: findings serve.*): how it was measured,
each served variant's capacity at the SLO and with batching off, where a light-load request's time goes,
binary against JSON tensors, what the heaviest step did, and whether compression still changes anything
behind HTTP. Tables: capacity per variant, and the load steps; figures: latency against offered load,
and the parts of a request's time."""

from __future__ import annotations

from ...analysis.serve import Capacities, CompressionServed, LoadRow, ServedCapacity, ServedComparison, Span
from ..tables import execution_precision, table
from ..writer import Writer
from .base import Figure, Section, Table

BATCHING = {"higher": "serve.batching_higher", "lower": "serve.batching_lower", "not resolved": "serve.batching_same"}
BINARY = {"lower": "serve.binary_faster", "higher": "serve.binary_slower", "not resolved": "serve.binary_same"}
INPROCESS = {
    "lower": "serve.inprocess_faster",
    "higher": "serve.inprocess_slower",
    "not resolved": "serve.inprocess_same",
}
SERVICE = {"lower": "serve.service_faster", "higher": "serve.service_slower", "not resolved": "serve.service_same"}
CAPACITY = {"higher": "serve.capacity_more", "lower": "serve.capacity_less", "not resolved": "serve.capacity_same"}


def text(w: Writer) -> list[str]:
    setup = w.finding("serve.setup")
    if setup is None:
        return []
    targets = setup.targets
    out = [intro(w, setup)]
    out += [capacity(w, target) for target in targets]
    out += [request_time(w, target) for target in targets]
    out += [binary(w, target) for target in targets if w.findings.get(f"serve.binary.{target}")]
    out += [overload(w, target) for target in targets]
    out += [compression(w, found) for found in w.each("serve.compression.")]
    return out


def cpus(values: list[int]) -> str:
    return ", ".join(str(cpu) for cpu in values)


def intro(w: Writer, setup) -> str:
    s, n = w.s, w.n
    sentences = [
        s.say(
            "serve.intro",
            targets=w.labels(setup.targets),
            server_cpus=cpus(setup.server_cpus),
            client_cpus=cpus(setup.client_cpus),
            threads=s.count(setup.threads, "serve.forms_threads"),
        ),
        s.say(
            "serve.intro_unbatched" if setup.max_batch_size == 1 else "serve.intro_batching",
            batch=n.integer(setup.max_batch_size),
            delay=n.ms((setup.max_queue_delay_us or 0) / 1000),
            queue=n.integer(setup.max_queue_size),
        ),
        s.say(
            "serve.intro_sweep",
            slo=n.ms(setup.slo_p99_ms),
            repeats=n.integer(setup.repeats),
            steps=n.integer(setup.steps),
            seconds=n.seconds(setup.step_seconds),
        ),
    ]
    if setup.max_batch_size != 1:
        sentences.append(s["serve.intro_off" if setup.batching_off else "serve.intro_on_only"])
    if not setup.separate_cpus:
        sentences.append(s["serve.shared_cpu"])
    if setup.repeats < 2:
        sentences.append(s["serve.one_repeat"])
    return w.para(" ".join(sentences))


def rps(w: Writer, value) -> str:
    return w.s.say("serve.rps", value=w.n.integer(value))


def span_note(w: Writer, value: Span | None, key: str = "comparison.note_range") -> str:
    """ " (range 1 200–1 350)" for a rate, or nothing without an interval."""
    if value is None or not value.has_interval:
        return ""
    return w.s.say(key, interval=f"{w.n.integer(value.low)}–{w.n.integer(value.high)}")


def capacity_sentence(w: Writer, target: str, found: ServedCapacity | None) -> str:
    s = w.s
    if found is None or found.rps is None:
        return s.say("serve.capacity_none", target=w.label(target))
    key = "serve.capacity_bound" if found.lower_bound else "serve.capacity"
    return s.say(key, target=w.label(target), rps=rps(w, found.rps.median), range=span_note(w, found.rps))


def capacity(w: Writer, target: str) -> str:
    s, n = w.s, w.n
    found: Capacities = w.finding(f"serve.capacity.{target}")
    main = found.on or found.off
    text = capacity_sentence(w, target, main)
    late = sum(r.generator_late for r in main.repeats) if main else 0
    if late:
        key = "serve.capacity_generator" if main.rps else "serve.capacity_none_generator"
        text += " " + s.say(key, late=n.integer(late), repeats=n.integer(len(main.repeats)))
    batching = w.finding(f"serve.batching.{target}")
    if batching is not None:
        text += " " + batching_sentence(w, batching, found.off)
    return w.para(text)


def batching_sentence(w: Writer, found: ServedComparison, off: ServedCapacity | None) -> str:
    s = w.s
    if off is None or off.rps is None:
        return s["serve.batching_off_none"]
    values = {"off": rps(w, off.rps.median), "range": span_note(w, off.rps), "ratio": s.times(found.ratio)}
    if found.resolved:
        return s.say(BATCHING[found.verdict], **values)
    if not found.measured:
        reason = "serve.reason_no_capacity"
    elif not (found.first_value.has_interval and found.second_value.has_interval):
        reason = "serve.reason_no_range"
    else:
        reason = "serve.reason_ranges_overlap"
    return s.say(BATCHING["not resolved"], **values, reason=s[reason])


def request_time(w: Writer, target: str) -> str:
    s, n = w.s, w.n
    found = w.finding(f"serve.time.{target}")
    split, ci = found.split, found.client_p50
    text = s.say(
        "serve.time",
        target=w.label(target),
        offered=rps(w, split.offered_rps),
        client=n.ms(ci.median),
        interval=s.say("comparison.note_ci_inner", interval=n.ms_range(ci.low, ci.high)) if ci.has_interval else "",
        decode=n.ms(split.decode_ms),
        queue=n.ms(split.queue_ms),
        inference=n.ms(split.inference_ms),
        encode=n.ms(split.encode_ms),
        noop=n.ms(split.noop_round_trip_ms),
        total=n.ms(split.parts_sum_ms),
        share=n.percent(split.parts_over_client, 0),
        tolerance=n.percent(found.tolerance, 0),
    )
    text += " " + s["serve.time_within" if split.within_tolerance else "serve.time_outside"]
    if found.inprocess_p50_ms is not None:
        key = "serve.overhead_one_thread" if found.inprocess_one_thread else "serve.overhead"
        text += " " + s.say(
            key,
            inprocess=n.ms(found.inprocess_p50_ms),
            overhead=n.ms(found.overhead_ms),
            times=s.times(ci.median / found.inprocess_p50_ms, 0),
        )
    return w.para(text)


def overload(w: Writer, target: str) -> str:
    s, n = w.s, w.n
    found = w.finding(f"serve.overload.{target}")
    sentences = [
        s.say(
            "serve.overload",
            offered=rps(w, found.offered_rps),
            share=n.percent(found.rejected / found.sent if found.sent else None, 0),
            p99=n.ms(found.p99_ms),
            p99_sent=n.ms(found.p99_sent_ms),
            server=n.ms(found.server_p99_ms),
            inbound=n.ms(found.inbound_p99_ms),
            queue=n.integer(found.max_queue_size),
            lag=n.ms(found.send_lag_p99_ms),
        )
    ]
    if found.errors_timeouts:
        sentences.append(s.say("serve.overload_failed", count=n.integer(found.errors_timeouts)))
    if found.generator_late:
        sentences.append(s["serve.overload_generator"])
    sentences.append(
        s.say("serve.accounted" if found.all_accounted else "serve.not_accounted", steps=n.integer(found.steps))
    )
    if not found.clean_before_shedding:
        sentences.append(s["serve.failed_before_shedding"])
    if found.parity_images:
        key = "serve.parity_all" if found.parity_agree == found.parity_images else "serve.parity_some"
        sentences.append(s.say(key, agree=n.integer(found.parity_agree), images=n.integer(found.parity_images)))
    sentences.append(s["serve.recovered" if found.recovered else "serve.not_recovered"])
    return w.para(" ".join(sentences))


def binary(w: Writer, target: str) -> str:
    s, n = w.s, w.n
    found: ServedComparison = w.finding(f"serve.binary.{target}")
    return w.para(
        s.say(
            BINARY[found.verdict],
            target=w.label(target),
            binary=n.ms(found.first_value.median),
            json=n.ms(found.second_value.median),
            ratio=s.times(max(found.ratio, 1 / found.ratio) if found.ratio else None),
        )
    )


def compared(w: Writer, keys: dict, found: ServedComparison, base: str, rate: bool = False) -> str:
    n = w.n
    show = (lambda v: rps(w, v)) if rate else n.ms
    first = found.first_value.median if found.first_value else None
    second = found.second_value.median if found.second_value else None
    if not found.measured:
        return w.s.say("serve.not_compared", base=w.label(base))
    return w.s.say(keys[found.verdict], base=w.label(base), value=show(first), base_value=show(second))


def compression(w: Writer, found: CompressionServed) -> str:
    s = w.s
    parts = [
        compared(w, INPROCESS, found.inprocess, found.base),
        compared(w, SERVICE, found.service, found.base),
        compared(w, CAPACITY, found.capacity, found.base, rate=True),
    ]
    if found.resolved:
        verdict = "serve.compression_kept"
    elif found.inprocess.resolved:
        verdict = "serve.compression_lost"
    else:
        verdict = "serve.compression_none"
    sentence = s.say(
        "serve.compression", target=w.label(found.target), base=w.label(found.base), parts="; ".join(parts)
    )
    return w.para(sentence + " " + s[verdict])


# ---------------------------------------------------------------- tables


def capacity_cell(w: Writer, found: ServedCapacity | None) -> str:
    n = w.n
    if found is None:
        return n.missing
    if found.rps is None:
        return w.s["serve.cell_none"]
    interval = f" ({n.integer(found.rps.low)}–{n.integer(found.rps.high)})" if found.rps.has_interval else ""
    value = f"{n.integer(found.rps.median)}{interval}"
    return w.s.say("serve.cell_at_least", value=value) if found.lower_bound else value


def capacity_table(w: Writer) -> dict | None:
    setup = w.findings.body("serve.setup")
    if setup is None:
        return None
    s, n = w.s, w.n
    rows = []
    for target in setup.targets:
        found = w.findings.body(f"serve.capacity.{target}")
        time = w.findings.body(f"serve.time.{target}")
        load = w.findings.body(f"serve.load.{target}")
        ci = time.client_p50
        rows.append(
            [
                w.label(target),
                execution_precision(w, target),
                capacity_cell(w, found.on),
                capacity_cell(w, found.off),
                n.ms(ci.median) + (f" ({n.ms_range(ci.low, ci.high)})" if ci.has_interval else ""),
                n.ms(time.inprocess_p50_ms),
                n.integer(load.noop_ceiling_rps.median) if load.noop_ceiling_rps else n.missing,
            ]
        )
    columns = [
        (s["columns.col_target"], "l"),
        (s["columns.col_exec"], "l"),
        (s["serve.col_capacity_on"], "r"),
        (s["serve.col_capacity_off"], "r"),
        (s["serve.col_light_p50"], "r"),
        (s["serve.col_inprocess"], "r"),
        (s["serve.col_noop_ceiling"], "r"),
    ]
    groups = [("", 2), (s["serve.col_group_capacity"], 2), (s["serve.col_group_p50"], 2), ("", 1)]
    return table(columns, rows, groups=groups)


def slo_cell(w: Writer, row: LoadRow) -> str:
    if row.meets_slo:
        return w.s["serve.cell_yes"]
    return w.s["serve.cell_generator" if row.generator_late else "serve.cell_no"]


def load_table(w: Writer) -> dict | None:
    """The sweep's steps with batching as configured, per variant (medians over the repeats)."""
    setup = w.findings.body("serve.setup")
    if setup is None:
        return None
    s, n = w.s, w.n
    rows = []
    for target in setup.targets:
        load = w.findings.body(f"serve.load.{target}")
        configured = "on" if any(r.batching == "on" for r in load.rows) else "off"
        for index, row in enumerate(r for r in load.rows if r.batching == configured):
            low, high = n.sig(row.p99_low_ms), n.sig(row.p99_high_ms)
            p99_range = f" ({low}–{high})" if low != high and n.missing not in (low, high) else ""
            rows.append(
                [
                    w.label(target) if index == 0 else "",
                    n.integer(row.offered_rps),
                    n.integer(row.achieved_rps),
                    n.sig(row.p50_ms),
                    n.sig(row.p99_ms) + p99_range,
                    n.percent(row.rejected / row.sent if row.sent else None, 0),
                    n.integer(row.failed),
                    n.sig(row.send_lag_p99_ms),
                    slo_cell(w, row),
                ]
            )
    columns = [
        (s["columns.col_target"], "l"),
        (s["serve.col_offered"], "r"),
        (s["serve.col_achieved"], "r"),
        (s["serve.col_p50_ms"], "r"),
        (s["serve.col_p99_range_ms"], "r"),
        (s["serve.col_rejected"], "r"),
        (s["serve.col_failed"], "r"),
        (s["serve.col_lag_ms"], "r"),
        (s["serve.col_slo"], "l"),
    ]
    return table(columns, rows)


SECTION = Section(
    "serve",
    "serve.title",
    1,
    ("text", "table:serve_capacity", "table:serve_load", "figure:serve_latency", "figure:serve_time"),
    text=text,
    tables=(
        Table("serve_capacity", capacity_table, "serve.tab_capacity"),
        Table("serve_load", load_table, "serve.tab_load"),
    ),
    figures=(
        Figure("serve_latency", "serve.fig_latency", "serve_latency", when="serve"),
        Figure("serve_time", "serve.fig_time", "serve_time", when="serve"),
    ),
)

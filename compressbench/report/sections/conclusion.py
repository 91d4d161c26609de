"""Conclusions and recommendations: the speed leaders (as the speed section found them), the smallest
target within the accuracy budget and what it costs in speed, the least memory, portability."""

from __future__ import annotations

import numpy as np

from ...analysis.resources import baseline_share
from ...analysis.rule import Comparison, Leader, compare
from ...analysis.view import METRICS
from ..tables import model_name
from ..writer import Writer
from .base import Section
from .method import machine_words, run_threads, threads_counted

LEADS = {
    "latency": ("speed.leader.latency", "conclusion.rec_latency_resolved", "conclusion.rec_latency_tie"),
    "latency_1thread": (
        "speed.leader.latency_1thread",
        "conclusion.rec_latency_1thread_resolved",
        "conclusion.rec_latency_1thread_tie",
    ),
    "throughput": ("speed.leader.throughput", "conclusion.rec_throughput_resolved", "conclusion.rec_throughput_tie"),
}


def scope(w: Writer) -> list[str]:
    """What the recommendations hold for: this model, this machine and the runtimes' threads."""
    threads = run_threads(w)
    if not threads:
        return []
    return [w.s.say("conclusion.scope", model=model_name(w), **machine_words(w), threads=threads_counted(w, threads))]


def by_rounds(w: Writer, lead: Leader) -> str:
    """Where the rounds' signed-rank test resolved the leader against the runner-up (their ranges overlap),
    its counts and p: the recommendation's comparison rests on it, not on the ranges."""
    if lead.rank_test_p is None:
        return ""
    return w.s.say("conclusion.rec_by_rounds", target=w.label(lead.best), **w.rank_test(lead))


def load_cost(w: Writer, best: str, second: str) -> str:
    """The latency leader's trade-off where it loads its model longer than the runner-up by a resolved
    difference: a process that starts often pays it every time."""
    load = compare(w.run, "load", best, second)
    if not load.resolved or load.better != second:
        return ""
    values = dict(target=w.label(best), load=w.value(best, "load"), second=w.label(second))
    return " " + w.s.say("conclusion.rec_latency_load", **values, second_load=w.value(second, "load"))


def text(w: Writer) -> list[str]:
    run, s = w.run, w.s
    out = scope(w)
    for metric, (finding_id, resolved_key, tie_key) in LEADS.items():
        lead = w.finding(finding_id)
        if lead is None or lead.best is None:
            continue
        if lead.resolved:
            second = lead.order[1]
            sentence = s.say(
                resolved_key,
                target=w.label(lead.best),
                value=w.value(lead.best, metric),
                interval=w.interval_note(lead.best, metric, inner=True),
                ratio=w.ratio_of(metric, lead.best, second, lead.ratio),
                second=w.label(second),
                by_rounds=by_rounds(w, lead),
            )
            out.append(w.para(sentence + (load_cost(w, lead.best, second) if metric == "latency" else "")))
        else:
            candidates = w.labels([lead.best, *lead.ties])
            sentence = s.say(tie_key, targets=candidates, reason=w.leader_reason(lead))
            if lead.ties_ahead_of_rest:  # the choice is between them alone: each is ahead of every other variant
                sentence += " " + s["conclusion.rec_ties_ahead"]
            out.append(w.para(sentence))
    choice = w.finding("conclusion.size")
    if choice is not None:
        t = choice.target
        one = len(choice.smaller_and_worse) == 1
        smaller_key = "conclusion.rec_size_smaller_one" if one else "conclusion.rec_size_smaller"
        smaller = s.say(smaller_key, targets=w.labels(choice.smaller_and_worse))
        sentence = s.say(
            "conclusion.rec_size",
            target=w.label(t),
            size=w.n.kib_unit(run.value(t, "size_bytes")),
            delta=w.n.pp(run.value(t, "accuracy_delta_pp")),
            p=w.n.p_value(run.value(t, "mcnemar_p")),
            smaller=smaller if choice.smaller_and_worse else "",
        )
        latency, throughput = (w.finding(f"variants.{metric}.{t}") for metric in ("latency", "throughput"))
        if latency and throughput and run.reference_of(t):  # what the smallest costs in speed, in brief
            sentence += " " + s.say(
                "conclusion.rec_size_speed",
                reference=w.label(run.reference_of(t)),
                latency=speed_in_brief(w, latency, t),
                throughput=speed_in_brief(w, throughput, t),
                section=s["compression.title"],
            )
        out.append(w.para(sentence))
    memory = w.finding("memory.leader.batch1")
    if memory is not None and len(memory.order) >= 2:
        out.append(w.para(f"{memory_recommendation(w, memory)} {largest_batch_memory(w, memory.order)}".strip()))
    start = w.finding("startup.leader.load")  # a process that loads the model and answers at once
    if start is not None and len(start.order) >= 2:
        sentence = w.leader(start, "conclusion.rec_load", "conclusion.rec_load_unresolved")
        out.append(w.para(f"{sentence} {start_break_even(w, start)}".strip()))
    portable = w.finding("conclusion.portability")
    if portable is not None:
        # one decimal, as the claims print the same agreement
        out.append(w.para(s.say("conclusion.rec_portability", agreement=w.n.percent(portable.agreement, 1))))
    return out


SUMMARY_WORDS = {  # the opening summary's speed parts (leaders as LEADS finds them): resolved wording, tie wording
    "latency": ("conclusion.sum_latency", "conclusion.sum_latency_tie"),
    "throughput": ("conclusion.sum_throughput", "conclusion.sum_throughput_tie"),
}


def summary(w: Writer) -> str:
    """The report's findings in one sentence under its title: the speed leaders, the smallest model within the
    accuracy budget and whether any variant's accuracy moved, each from the finding the sections state it from
    (so the opening says nothing the sections do not); empty where the run has none of them."""
    s, parts = w.s, []
    for metric, (resolved_key, tie_key) in SUMMARY_WORDS.items():
        lead = w.finding(LEADS[metric][0])
        if lead is None or lead.best is None:
            continue
        if lead.resolved:
            # with its range, as the sections give it: the noisiest figures never stand alone
            value = w.value(lead.best, metric) + w.interval_note(lead.best, metric, inner=True)
            parts.append(s.say(resolved_key, target=w.label(lead.best), value=value))
        else:
            parts.append(s.say(tie_key, targets=w.labels([lead.best, *lead.ties])))
    choice = w.finding("conclusion.size")
    if choice is not None:
        size = w.n.kib_unit(w.run.value(choice.target, "size_bytes"))
        parts.append(s.say("conclusion.sum_size", target=w.label(choice.target), size=size))
    tests = list(w.each("quality.changed."))
    if tests:
        moved = [test.target for test in tests if test.significant]
        accuracy = s.say("conclusion.sum_accuracy_changed", targets=w.labels(moved)) if moved else None
        parts.append(accuracy or s["conclusion.sum_accuracy_same"])
    return s.say("conclusion.summary", parts="; ".join(parts)) if parts else ""


def memory_recommendation(w: Writer, memory: Leader) -> str:
    """Peak memory at batch 1 by runtime first (the runtime library holds most of a process's memory, so
    the variants of one runtime lie close together), then the lowest variant and its margin where the lowest
    runtime has one variant; with more, their span (lowest to highest) says by how little they differ, rather
    than a winner among near-equals."""
    run, n = w.run, w.n
    groups = by_runtime(w, memory.order)  # lowest first, so the runtimes come lowest first too
    lowest = w.leader(memory, "conclusion.rec_memory", "conclusion.rec_memory_unresolved")
    if len(groups) == 1:  # one runtime: the variants are all there is to choose between
        return lowest
    items = [runtime_peaks(w, runtime, targets, memory.metric) for runtime, targets in groups.items()]
    share = baseline_share(run, memory.best, "peak_rss_batch1_mb")
    runtimes = w.s.say("conclusion.rec_memory_runtimes", groups="; ".join(items), share=n.percent(share, 0))
    first = groups[run.runtime(memory.best) or memory.best]
    return f"{runtimes} {lowest}" if len(first) < 2 else runtimes


def by_runtime(w: Writer, targets: list[str]) -> dict[str, list[str]]:
    """The targets grouped by runtime, in the order given (a target without a record stands alone)."""
    groups: dict[str, list[str]] = {}
    for t in targets:
        groups.setdefault(w.run.runtime(t) or t, []).append(t)
    return groups


def largest_batch_memory(w: Writer, targets: list[str]) -> str:
    """The runtime whose variants' peaks lie furthest apart at the largest timed batch size, where its highest
    and lowest are resolved apart (at batch 1 one runtime's variants lie close together; a batch can part them)."""
    run = w.run
    key = METRICS["memory_largest"].key
    groups = by_runtime(w, [t for t in targets if run.value(t, key) is not None])
    spans = {
        runtime: sorted(group, key=lambda t: -run.value(t, key)) for runtime, group in groups.items() if len(group) >= 2
    }
    if not spans:
        return ""
    runtime, ordered = max(spans.items(), key=lambda kv: run.value(kv[1][0], key) - run.value(kv[1][-1], key))
    high, low = ordered[0], ordered[-1]
    if not compare(run, "memory_largest", high, low).resolved:
        return ""
    return w.s.say(
        "conclusion.rec_memory_largest",
        batch=w.n.integer(run.value(high, "peak_rss_largest_batch")),
        runtime=runtime_name(w, runtime),
        items=w.s.join([f"{w.label(t)} {w.n.mb(run.value(t, key))}" for t in ordered]),
    )


def start_break_even(w: Writer, start: Leader) -> str:
    """Where the quickest to start is slower per call than the next: after how many batch-1 calls that one's
    time is made up, round by round as every ratio of the report (its head start, load and first call, over
    its extra time per call in the same round), so a reader serving many requests does not take the advice
    for speed. Nothing where the start is not resolved sooner or the call not resolved slower."""
    run, best, second = w.run, start.best, start.order[1]
    slower = compare(run, "latency", best, second)
    if not start.resolved or not slower.resolved or slower.better != second:
        return ""
    rounds = [{metric: run.rounds(t, metric) for metric in ("load", "first_call", "latency")} for t in (best, second)]
    shared = set.intersection(*(set(r[metric]) for r in rounds for metric in r))
    head_starts, break_evens = [], []
    for r in sorted(shared):
        quick, next_ = ({m: side[m][r] for m in side} for side in rounds)
        head_start = max(0.0, 1000 * (next_["load"] - quick["load"]) + next_["first_call"] - quick["first_call"])
        extra = quick["latency"] - next_["latency"]
        if extra <= 0:  # not slower in this round: no break-even to count
            return ""
        head_starts.append(head_start)
        break_evens.append(head_start / extra)
    if len(break_evens) < 2:
        return ""
    return w.s.say(
        "conclusion.rec_load_break_even",
        second=w.label(second),
        saved=w.n.ms(float(np.median(head_starts))),
        extra=w.n.ms(run.value(best, "latency_p50_ms") - run.value(second, "latency_p50_ms")),
        calls=w.n.integer(float(np.median(break_evens))),
        low=w.n.integer(min(break_evens)),
        high=w.n.integer(max(break_evens)),
    )


def runtime_peaks(w: Writer, runtime: str, targets: list[str], metric: str) -> str:
    """ "ONNX Runtime from 76.2 to 76.7 MiB (ORT without optimizations, ONNX Runtime INT8, ONNX Runtime)": a runtime's
    variants' peaks, named by its baseline's label; a lone variant by its own label."""
    key = METRICS[metric].key
    values = [w.run.value(t, key) for t in targets]
    if len(targets) == 1:
        return f"{w.label(targets[0])} {w.n.mb(values[0])}"
    # "from ... to": a dash would read as a range over repeats, and these are the variants' medians
    return w.s.say(
        "conclusion.rec_memory_span",
        runtime=runtime_name(w, runtime),
        low=w.n.fixed(min(values), 1),
        high=w.n.mb(max(values)),
        targets=w.labels(targets),
    )


def runtime_name(w: Writer, runtime: str) -> str:
    """A runtime as the report names it: its baseline's label ("ONNX Runtime"), else the runtime's name."""
    baseline = w.run.baseline_of_runtime(runtime)
    return w.label(baseline) if baseline else runtime


def speed_in_brief(w: Writer, c: Comparison, target: str) -> str:
    """ "1.38× slower": the target's side of a comparison whose whole sentence the compression
    section gives (the recommendation names the section rather than repeat it)."""
    if not c.resolved or c.ratio is None or c.better is None:
        return w.s["conclusion.speed_unresolved"]
    key = "conclusion.speed_faster" if c.better == target else "conclusion.speed_slower"
    return w.s.say(key, ratio=w.s.times(c.ratio))


SECTION = Section("conclusion", "conclusion.title", 1, ("list",), text=text)

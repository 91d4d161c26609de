"""Conclusions and recommendations: the speed leaders (as the speed section found them), the smallest
target within the accuracy budget and what it costs in speed, the least memory, portability."""

from __future__ import annotations

from ...analysis.resources import baseline_share
from ...analysis.rule import Comparison
from ..writer import Writer
from .base import Section

LEADS = {
    "latency": ("speed.leader.latency", "conclusion.rec_latency_resolved", "conclusion.rec_latency_tie"),
    "latency_1thread": (
        "speed.leader.latency_1thread",
        "conclusion.rec_latency_1thread_resolved",
        "conclusion.rec_latency_1thread_tie",
    ),
    "throughput": ("speed.leader.throughput", "conclusion.rec_throughput_resolved", "conclusion.rec_throughput_tie"),
}


def text(w: Writer) -> list[str]:
    run, s = w.run, w.s
    out = []
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
            )
            out.append(w.para(sentence))
        else:
            candidates = w.labels([lead.best, *lead.ties])
            out.append(w.para(s.say(tie_key, targets=candidates, reason=w.reason(lead.status))))
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
        sentence = w.leader(memory, "conclusion.rec_memory", "conclusion.rec_memory_unresolved")
        share = baseline_share(run, memory.best, "peak_rss_batch1_mb")
        peaks = ", ".join(f"{w.label(t)} {w.value(t, memory.metric)}" for t in memory.order)  # lowest first
        spread = s.say("conclusion.rec_memory_share", share=w.n.percent(share, 0), peaks=peaks)
        out.append(w.para(f"{sentence} {spread}"))
    portable = w.finding("conclusion.portability")
    if portable is not None:
        # one decimal, as the claims print the same agreement
        out.append(w.para(s.say("conclusion.rec_portability", agreement=w.n.percent(portable.agreement, 1))))
    return out


def speed_in_brief(w: Writer, c: Comparison, target: str) -> str:
    """ "1.38× slower": the target's side of a comparison whose whole sentence the compression
    section gives (the recommendation names the section rather than repeat it)."""
    if not c.resolved or c.ratio is None or c.better is None:
        return w.s["conclusion.speed_unresolved"]
    key = "conclusion.speed_faster" if c.better == target else "conclusion.speed_slower"
    return w.s.say(key, ratio=w.s.times(c.ratio))


SECTION = Section("conclusion", "conclusion.title", 1, ("list",), text=text)

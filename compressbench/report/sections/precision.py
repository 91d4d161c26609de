"""Execution precision: mixed INT8 graphs, native bf16 (each target's executed precision is a column of the
speed table, stated once there)."""

from __future__ import annotations

from ..writer import Writer, precision_name
from .base import Section

BF16 = {True: "precision.bf16_present", False: "precision.bf16_absent", None: "precision.bf16_unknown"}


def text(w: Writer) -> list[str]:
    s = w.s
    out = []
    mixed = w.finding("precision.mixed")
    if mixed is not None:
        out.append(w.para(s.say("precision.precision_mixed", targets=w.labels(mixed.targets), cite=w.cite("ov_lowp"))))
    bf16 = w.finding("precision.bf16")
    if bf16 is not None:
        sentence = s.say(BF16[bf16.present], cite=w.cite("ov_precision"))
        # the baseline whose runtime takes a precision hint (OpenVINO's): this run's own setting of it
        hinted = [w.run.record(t) for t in w.run.base if w.run.record(t).precision_requested is not None]
        record = hinted[0] if hinted else None
        if bf16.present and record and record.precision_requested != "auto":
            sentence += " " + s.say(
                "precision.hint_set", requested=record.precision_requested, executed=precision_name(record.precision)
            )
        out.append(w.para(sentence))
    return out


SECTION = Section("precision", "precision.title", 2, ("text",), text=text)

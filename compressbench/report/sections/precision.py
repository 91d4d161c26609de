"""Execution precision: what each runtime executed, mixed INT8 graphs, native bf16."""

from __future__ import annotations

from ..tables import execution_precision
from ..writer import Writer
from .base import Section

BF16 = {True: "precision.bf16_present", False: "precision.bf16_absent", None: "precision.bf16_unknown"}


def text(w: Writer) -> list[str]:
    run, s = w.run, w.s
    items = "; ".join(f"{w.label(t)}: {execution_precision(w, t)}" for t in run.targets)
    out = [s.say("precision.precision_list", items=items)]
    mixed = w.finding("precision.mixed")
    if mixed is not None:
        out.append(w.para(s.say("precision.precision_mixed", targets=w.labels(mixed.targets), cite=w.cite("ov_lowp"))))
    bf16 = w.finding("precision.bf16")
    if bf16 is not None:
        out.append(w.para(s.say(BF16[bf16.present], cite=w.cite("ov_precision"))))
    return out


SECTION = Section("precision", "precision.title", 2, ("text",), text=text)

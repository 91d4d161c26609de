"""Findings of the compressed-variants section and of the conclusions."""

from __future__ import annotations

from dataclasses import dataclass

from .explain import int8_slowdown
from .findings import Finding, body, make
from .rule import compare, ranking
from .view import Run

SECTION = "variants"
WITHIN_PP = 1.0  # the size recommendation: the smallest target whose accuracy change is within this


@body
@dataclass(frozen=True)
class SizeChoice:
    """The smallest target whose accuracy is within WITHIN_PP of the trained model's."""

    target: str
    within_pp: float

    def statement(self) -> str:
        return f"smallest target within {self.within_pp} pp of the trained model's accuracy: {self.target}"


def findings(run: Run) -> list[Finding]:
    out = []
    for t in run.variants:
        reference = run.reference_of(t)
        if reference:
            out.append(make(f"variants.latency.{t}", SECTION, compare(run, "latency", t, reference)))
    for t in run.variants:
        if run.method(t) != "ptq_int8":
            continue
        slow = int8_slowdown(run, t)
        if slow and slow.ratio_batch1 is not None and slow.ratio_batch1 > 1 and slow.batch1.resolved:
            out.append(make(f"variants.int8_slowdown.{t}", SECTION, slow, sources=(t, slow.base)))
    return out


@body
@dataclass(frozen=True)
class Portability:
    """How closely the runtime that runs the exported ONNX file as it is reproduces the trained model."""

    target: str
    agreement: float

    def statement(self) -> str:
        return f"{self.target} agrees with the trained model on {self.agreement:.2%} of the test images"


def conclusion_findings(run: Run) -> list[Finding]:
    """The conclusions' own finding; their speed recommendations state the speed section's leaders."""
    out = []
    fine = [t for t in ranking(run, "size") if abs(run.value(t, "accuracy_delta_pp") or 0) <= WITHIN_PP]
    if fine:
        out.append(make("conclusion.size", "conclusion", SizeChoice(fine[0], WITHIN_PP)))
    onnx = run.baseline_of_runtime("onnxruntime")
    if onnx and run.value(onnx, "agreement") is not None:
        out.append(make("conclusion.portability", "conclusion", Portability(onnx, run.value(onnx, "agreement"))))
    return out

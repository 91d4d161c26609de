"""Findings of the compressed-variants section and of the conclusions."""

from __future__ import annotations

from dataclasses import dataclass

from .explain import int8_slowdown
from .findings import Finding, body, make
from .rule import SIGNIFICANCE, compare, ranking
from .view import Run

SECTION = "variants"


@body
@dataclass(frozen=True)
class SizeChoice:
    """The smallest target whose accuracy is not resolved lower than the trained model's (exact McNemar
    test at the analysis' level), and the smaller ones that are."""

    target: str
    smaller_and_worse: list[str]

    def statement(self) -> str:
        return f"smallest target without a resolved accuracy loss: {self.target}"


def findings(run: Run) -> list[Finding]:
    out = []
    for t in run.variants:
        reference = run.reference_of(t)
        if reference:
            out.append(make(f"variants.latency.{t}", SECTION, compare(run, "latency", t, reference)))
            out.append(make(f"variants.throughput.{t}", SECTION, compare(run, "throughput", t, reference)))
    for t in run.variants:
        if run.method(t) != "ptq_int8":
            continue
        slow = int8_slowdown(run, t)
        if slow and slow.ratio_batch1.value > 1 and slow.batch1.resolved:
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


def resolved_loss(run: Run, target: str) -> bool:
    """Less accurate than the trained model, by the exact McNemar test on their predictions."""
    p, delta = run.value(target, "mcnemar_p"), run.value(target, "accuracy_delta_pp")
    return p is not None and delta is not None and delta < 0 and p < SIGNIFICANCE


def conclusion_findings(run: Run) -> list[Finding]:
    """The conclusions' own finding; their speed recommendations state the speed section's leaders."""
    out = []
    order = ranking(run, "size")
    lost = [t for t in order if resolved_loss(run, t)]
    fine = [t for t in order if t not in lost]
    if fine:
        smaller = [t for t in lost if order.index(t) < order.index(fine[0])]
        out.append(make("conclusion.size", "conclusion", SizeChoice(fine[0], smaller)))
    onnx = run.baseline_of_runtime("onnxruntime")
    if onnx and run.value(onnx, "agreement") is not None:
        out.append(make("conclusion.portability", "conclusion", Portability(onnx, run.value(onnx, "agreement"))))
    return out

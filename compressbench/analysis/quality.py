"""Findings of the quality section: who is most accurate, whose predictions changed beyond chance
against the trained model (exact McNemar test), and whether the averaging of the metrics matters."""

from __future__ import annotations

from dataclasses import dataclass

from ..targets import TRAINED
from .findings import Finding, body, make
from .rule import SIGNIFICANCE, accuracy_leader, ranking
from .view import Run, is_number

SECTION = "quality"


@body
@dataclass(frozen=True)
class Changed:
    """A target's predictions against the trained model's: the exact McNemar test's verdict."""

    target: str
    p: float
    changed: int | None  # test images whose predicted class differs
    discordant: int | None  # of those, the images where exactly one of the two is right (McNemar's count)
    to_correct: int | None  # right here, wrong in the trained model
    to_wrong: int | None
    significant: bool

    @property
    def resolved(self) -> bool:
        return self.significant

    def statement(self) -> str:
        return f"{self.target}: predictions differ from the trained model's, McNemar p = {self.p:.3g}"


@body
@dataclass(frozen=True)
class Balance:
    """Whether macro and support-weighted averages can differ: a balanced test set makes them equal."""

    balanced: bool | None
    same_averages: bool  # every target's macro and weighted precision, recall and F1 agree to 4 decimals
    support: int | None  # test images per class when balanced

    def statement(self) -> str:
        return f"balanced test set: {self.balanced}; macro equals weighted averages: {self.same_averages}"


def class_balance(run: Run) -> bool | None:
    """Whether every class has the same number of test images (then weighted = macro averages)."""
    supports = [row.get("support") for row in run.results.per_class if is_number(row.get("support"))]
    return len(set(supports)) == 1 if supports else None


def macro_equals_weighted(run: Run, target: str, digits: int = 4) -> bool:
    pairs = [
        ("precision_macro", "precision_weighted"),
        ("recall_macro", "recall_weighted"),
        ("f1_macro", "f1_weighted"),
    ]
    values = [(run.value(target, a), run.value(target, b)) for a, b in pairs]
    return all(a is None or b is None or round(a, digits) == round(b, digits) for a, b in values)


def findings(run: Run) -> list[Finding]:
    out = []
    if len(ranking(run, "accuracy")) >= 2:
        out.append(make("quality.leader.accuracy", SECTION, accuracy_leader(run)))
    for t in run.targets:
        p = run.value(t, "mcnemar_p")
        if t != TRAINED and p is not None:
            counts = (run.value(t, key) for key in ("changed_predictions", "discordant", "changed_to_correct"))
            changed = Changed(t, p, *counts, run.value(t, "changed_to_wrong"), p < SIGNIFICANCE)
            out.append(make(f"quality.changed.{t}", SECTION, changed, sources=(t, TRAINED)))
    per_class = run.results.per_class
    balanced = class_balance(run)
    support = per_class[0].get("support") if balanced and per_class else None
    same = all(macro_equals_weighted(run, t) for t in run.targets)
    out.append(make("quality.averaging", SECTION, Balance(balanced, same, support)))
    return out

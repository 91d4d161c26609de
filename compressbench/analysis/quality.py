"""Findings of the quality section: who is most accurate, whose predictions changed beyond chance
against the trained model (exact McNemar test), every pair of variants by the same test, and whether the
averaging of the metrics matters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..results import predictions
from ..targets import TRAINED
from .findings import Finding, body, make
from .rule import SIGNIFICANCE, accuracy_leader, mcnemar_of, ranking
from .view import Run, grouped, is_number

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


@body
@dataclass(frozen=True)
class McNemarPair:
    """Two groups of variants on the same test images: the exact McNemar test of their predictions."""

    first: tuple[str, ...]  # targets with the same prediction on every image (one group)
    second: tuple[str, ...]
    only_first: int  # images the first has right and the second wrong
    only_second: int
    p: float | None  # two-sided; None where no image has exactly one of the two right (nothing to test)

    @property
    def significant(self) -> bool:
        return self.p is not None and self.p < SIGNIFICANCE


@body
@dataclass(frozen=True)
class McNemarPairs:
    """The exact McNemar test of every pair of variants on the same test images. The quality table gives each
    target's test against the trained model only; the accuracy leader is tested against every other target
    (rule.accuracy_comparison), and these are the p-values the report can show for those tests."""

    groups: list[tuple[str, ...]]  # identical predictions on every image; the most accurate first
    pairs: list[McNemarPair]  # every two groups, in the groups' order: the first at least as accurate

    def statement(self) -> str:
        found = sum(pair.significant for pair in self.pairs)
        return f"exact McNemar test of {len(self.pairs)} pairs of variants: {found} with p < {SIGNIFICANCE}"


def prediction_groups(run: Run) -> tuple[dict, list[tuple[str, ...]]]:
    """Each target's (labels, predictions) where the run holds them, and the targets with the same labels and
    predictions grouped, the most accurate group first (ties in run order): the leader's tests then come first,
    and the first of every pair is at least as accurate, so only_first is never the smaller count."""
    found = {t: predictions(run.results, t) for t in run.targets}
    found = {t: labelled for t, labelled in found.items() if labelled is not None}
    groups = grouped({t: (labels.tobytes(), guessed.tobytes()) for t, (labels, guessed) in found.items()})
    ordered = sorted(groups.values(), key=lambda group: -float(np.mean(np.equal(*found[group[0]]))))
    return found, [tuple(group) for group in ordered]


def mcnemar_pairs(run: Run) -> McNemarPairs | None:
    """Every two groups of identical predictions tested once (a group stands for each of its targets); None
    with fewer than two groups on the same images."""
    found, groups = prediction_groups(run)
    pairs = []
    for index, first in enumerate(groups):
        for second in groups[index + 1 :]:
            test = mcnemar_of(found[first[0]], found[second[0]])
            if test is not None:
                only_first, only_second = test["changed_to_correct"], test["changed_to_wrong"]
                p = test["mcnemar_p"] if only_first + only_second else None
                pairs.append(McNemarPair(first, second, only_first, only_second, p))
    return McNemarPairs(groups, pairs) if pairs else None


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
    pairs = mcnemar_pairs(run)
    if pairs is not None:
        sources = tuple(t for group in pairs.groups for t in group)
        out.append(make("quality.mcnemar_pairs", SECTION, pairs, sources=sources))
    per_class = run.results.per_class
    balanced = class_balance(run)
    support = per_class[0].get("support") if balanced and per_class else None
    same = all(macro_equals_weighted(run, t) for t in run.targets)
    out.append(make("quality.averaging", SECTION, Balance(balanced, same, support)))
    return out

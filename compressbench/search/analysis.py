"""What a report says about a finished search, computed from its result files (no wording here).

Inputs are plain rows: trials.tsv (selection.read_trials), chosen.json, summary.tsv rows and the
test predictions of the targets compared, {target: (labels, predictions)} (aggregate.read_predictions).
Every accuracy on the test images comes with its interval or an exact McNemar test
(compressbench.stats), as in the rest of the report:

- the chosen variant's validation accuracy (what it was selected on) against its test accuracy
  (what it is worth): the drop against the base on each, and their difference, the selection's
  optimism;
- its test accuracy with the bootstrap interval and the exact McNemar test against the base model;
- the front, the best-so-far history, and how many trials ran, failed and met the constraint;
- the chosen variant against plain post-training INT8 and against the best hand-set method of the
  run (the best in the objectives among the run's method targets that lose at most the allowed
  drop on the test images), each with its objective values and McNemar test.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..stats import mcnemar
from ..targets import TARGETS
from .selection import HistoryPoint, front, history
from .settings import Objective, drop_pp, objective_value

# Targets that apply no hand-set compression method (baselines, graph optimizations off, reduced precision)
# or the search's own.
NOT_HAND_SET = ("baseline", "graph_optimizations_off", "reduced_precision", "auto_search")
PLAIN_PTQ = "openvino_int8"


@dataclass(frozen=True)
class PairedTest:
    """Two targets' accuracy on the same test images and the exact McNemar test between them."""

    target: str
    other: str
    accuracy: float
    other_accuracy: float
    delta_pp: float  # target minus other
    mcnemar_p: float
    changed_to_correct: int  # images the other gets wrong and the target right
    changed_to_wrong: int


@dataclass(frozen=True)
class Selection:
    trial: int
    candidate: str  # the registry target the chosen variant was built as
    chain: list[str]
    settings: dict
    target: str  # <runtime>_auto
    base: str
    validation_accuracy: float
    base_validation_accuracy: float
    validation_drop_pp: float
    test_accuracy: float
    test_ci_low: float
    test_ci_high: float
    base_test_accuracy: float
    test_drop_pp: float
    # test drop minus validation drop: what selecting on the validation images made look better than
    # it is (positive: the variant loses more on images it was not chosen on)
    optimism_pp: float
    versus_base: PairedTest


@dataclass(frozen=True)
class Rival:
    """The chosen variant against another target of the run, on the test images."""

    target: str
    objectives: dict[str, float | None]  # the rival's values
    chosen_objectives: dict[str, float | None]  # the chosen variant's, measured by the workflow
    ratios: dict[str, float | None]  # chosen / rival per objective
    test: PairedTest  # the chosen variant against the rival


@dataclass(frozen=True)
class SearchFacts:
    objectives: list[Objective]
    max_drop_pp: float | None
    trials: int
    states: dict[str, int]  # complete, failed, interrupted -> count
    feasible: int
    front: list[dict]
    history: list[HistoryPoint]  # of the first objective
    selection: Selection
    versus_ptq: Rival | None  # None when plain PTQ INT8 is not a target of the run
    versus_hand_set: Rival | None  # None when no hand-set method target meets the allowed drop


def paired_test(target: str, other: str, predictions: dict, accuracy: dict) -> PairedTest:
    labels, own = predictions[target]
    other_labels, theirs = predictions[other]
    if not np.array_equal(labels, other_labels):
        raise ValueError(f"predictions of {target} and {other} cover different test images")
    tested = mcnemar(labels, theirs, own)
    return PairedTest(
        target,
        other,
        accuracy[target],
        accuracy[other],
        drop_pp(accuracy[target], accuracy[other]),  # target minus other, in pp
        tested["mcnemar_p"],
        tested["changed_to_correct"],
        tested["changed_to_wrong"],
    )


def objectives_of(chosen: dict) -> list[Objective]:
    return [Objective(column, direction) for column, direction in chosen["directions"].items()]


def selection(chosen: dict, summary: dict[str, dict], predictions: dict) -> Selection:
    target, base = chosen["auto_target"], chosen["base"]
    accuracy = {name: float(row["accuracy"]) for name, row in summary.items()}
    validation_drop = drop_pp(chosen["base_validation_accuracy"], chosen["validation_accuracy"])
    test_drop = drop_pp(accuracy[base], accuracy[target])
    return Selection(
        trial=chosen["trial"],
        candidate=chosen["target"],
        chain=chosen["chain"],
        settings=chosen["settings"],
        target=target,
        base=base,
        validation_accuracy=chosen["validation_accuracy"],
        base_validation_accuracy=chosen["base_validation_accuracy"],
        validation_drop_pp=validation_drop,
        test_accuracy=accuracy[target],
        test_ci_low=float(summary[target]["accuracy_ci_low"]),
        test_ci_high=float(summary[target]["accuracy_ci_high"]),
        base_test_accuracy=accuracy[base],
        test_drop_pp=test_drop,
        optimism_pp=test_drop - validation_drop,
        versus_base=paired_test(target, base, predictions, accuracy),
    )


def rival(chosen_target: str, other: str, objectives, summary: dict[str, dict], predictions: dict) -> Rival:
    accuracy = {name: float(row["accuracy"]) for name, row in summary.items()}
    mine = {o.column: objective_value(summary[chosen_target], o.column) for o in objectives}
    theirs = {o.column: objective_value(summary[other], o.column) for o in objectives}
    ratios = {c: (mine[c] / theirs[c] if mine[c] is not None and theirs[c] else None) for c in mine}
    return Rival(other, theirs, mine, ratios, paired_test(chosen_target, other, predictions, accuracy))


def best_hand_set(summary: dict[str, dict], objectives, base: str, max_drop_pp: float | None) -> str | None:
    """The run's best method target (objectives in order) among those losing at most max_drop_pp
    against the base on the test images."""
    base_accuracy = float(summary[base]["accuracy"])
    eligible = []
    for name, row in summary.items():
        if name not in TARGETS or TARGETS[name].method in NOT_HAND_SET:
            continue
        values = [objective_value(row, o.column) for o in objectives]
        drop = drop_pp(base_accuracy, row["accuracy"])
        if None not in values and (max_drop_pp is None or drop <= max_drop_pp):
            signed = [v if o.direction == "minimize" else -v for v, o in zip(values, objectives, strict=True)]
            eligible.append((*signed, name))
    return min(eligible)[-1] if eligible else None


def search_facts(trials: list[dict], chosen: dict, summary_rows: list[dict], predictions: dict) -> SearchFacts:
    """Everything the report section states, from trials.tsv rows, chosen.json, summary.tsv rows and
    the test predictions of the base, the chosen variant and the targets it is compared with."""
    objectives = objectives_of(chosen)
    summary = {row["target"]: row for row in summary_rows}
    chosen_target = chosen["auto_target"]
    hand_set = best_hand_set(summary, objectives, chosen["base"], chosen["max_drop_pp"])
    return SearchFacts(
        objectives=objectives,
        max_drop_pp=chosen["max_drop_pp"],
        trials=len(trials),
        states=dict(Counter(row["state"] for row in trials)),
        feasible=sum(1 for row in trials if row["state"] == "complete" and row["feasible"]),
        front=front(trials, objectives),
        history=history(trials, objectives[0]),
        selection=selection(chosen, summary, predictions),
        versus_ptq=rival(chosen_target, PLAIN_PTQ, objectives, summary, predictions) if PLAIN_PTQ in summary else None,
        versus_hand_set=rival(chosen_target, hand_set, objectives, summary, predictions) if hand_set else None,
    )

"""Automatic compression: what the report states about the run's search (compressbench.search).

The facts come from compressbench.search.analysis (trials.tsv, chosen.json, the run's records and
its test predictions); here they become findings, each comparison gated by the one rule: accuracy
by the exact McNemar test on the test images (rule.PairTest), an objective by its interval (the
repeat range of a timing, exact values for sizes and counts) and the chosen variant's test drop
against the allowed drop by the paired 95 % interval of that drop. The trials and the history are
findings too, so that the figures draw what the analysis read and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from .. import paths
from ..results import predictions
from ..search.selection import ACCURACY, ranked, read_trials
from ..search.settings import Objective, parse_settings_text
from ..tables import read_json
from ..targets import TARGETS, TRAINED
from .findings import MEASURED, NOT_APPLICABLE, Finding, body, make
from .rule import NO_INTERVAL, OVERLAP, RESOLVED, PairTest, compare
from .view import METRICS, Run

SECTION = "search"
# Objectives whose values are exact (file sizes, counts): any difference is resolved, as for sizes.
EXACT_COLUMNS = ("size_bytes", "size_gzip_bytes", "size_packed_bytes", "params", "macs")
# Objectives the comparison rule has an interval for (analysis.view.METRICS), by summary column.
METRIC_OF_COLUMN = {spec.key: name for name, spec in METRICS.items() if not spec.exact}
# Whether the chosen variant's test drop meets the allowed drop (SearchChoice.budget)
WITHIN, BEYOND, UNRESOLVED, NO_CONSTRAINT = "within", "beyond", "unresolved", "no_constraint"
# The records' columns search.analysis reads (summary.tsv's, for the targets it compares)
ROW_COLUMNS = ("accuracy", "accuracy_ci_low", "accuracy_ci_high")


@body
@dataclass(frozen=True)
class TrialPoint:
    """One trial as trials.tsv records it: what it tried and what it measured on the validation images."""

    trial: int
    candidate: str | None  # the registry target it built
    state: str  # complete | failed | interrupted
    feasible: bool | None  # met the constraint; None unless complete
    validation_accuracy: float | None
    accuracy_drop_pp: float | None  # against the base, on the validation images
    objectives: dict[str, float | None]
    settings: dict  # the compression settings it drew
    seconds: float | None
    on_front: bool


@body
@dataclass(frozen=True)
class SearchTrials:
    """The search as it ran: its goal, the images each step used, every trial and their ranking."""

    objectives: list[str]  # summary.tsv columns, in the order configured
    directions: list[str]  # minimize | maximize, per objective
    base: str | None
    max_drop_pp: float | None
    base_validation_accuracy: float | None
    candidates: list[str]  # the candidate targets the trials built, in the order first tried
    images: dict[str, int | None]  # train, validation, test
    workers: int
    seconds: float | None  # the trials' own time, summed over workers
    states: dict[str, int]
    feasible: int
    trials: list[TrialPoint]  # by trial number
    ranking: list[int]  # the complete trials best first, as the search chooses (the chosen one first)
    chosen: int

    def statement(self) -> str:
        return (
            f"{len(self.trials)} trials ({self.states}), {self.feasible} feasible, chosen trial {self.chosen}; "
            f"images: {self.images}"
        )


@body
@dataclass(frozen=True)
class HistoryStep:
    trial: int
    value: float | None  # the trial's first objective; None unless complete
    feasible: bool
    best_so_far: float | None  # the best feasible value up to this trial


@body
@dataclass(frozen=True)
class SearchHistory:
    objective: str
    direction: str
    steps: list[HistoryStep]

    def statement(self) -> str:
        last = self.steps[-1].best_so_far if self.steps else None
        return f"{self.objective} ({self.direction}): best feasible {last} after {len(self.steps)} trials"


@body
@dataclass(frozen=True)
class SearchChoice:
    """The chosen variant on the images it was selected on and on the test images."""

    trial: int
    candidate: str
    chain: list[str]
    settings: dict
    target: str  # <runtime>_auto
    base: str
    max_drop_pp: float | None
    validation_accuracy: float
    base_validation_accuracy: float
    validation_drop_pp: float
    test_accuracy: float
    test_ci_low: float
    test_ci_high: float
    base_test_accuracy: float
    test_drop_pp: float
    test_drop_low_pp: float | None  # the paired 95 % interval of the test drop (None: not recorded)
    test_drop_high_pp: float | None
    optimism_pp: float  # test drop minus validation drop
    budget: str  # WITHIN, BEYOND, UNRESOLVED (the interval contains the allowed drop), NO_INTERVAL, NO_CONSTRAINT

    @property
    def resolved(self) -> bool:
        return self.budget in (WITHIN, BEYOND)

    def statement(self) -> str:
        return (
            f"trial {self.trial} ({self.candidate}) as {self.target}: drop {self.validation_drop_pp:.2f} pp on "
            f"validation, {self.test_drop_pp:.2f} pp on test (optimism {self.optimism_pp:+.2f} pp); "
            f"allowed drop {self.max_drop_pp}: {self.budget}"
        )


@body
@dataclass(frozen=True)
class ObjectiveComparison:
    """Two targets in one objective, by the one rule (status: analysis.rule's)."""

    column: str
    direction: str
    a: str
    b: str
    value_a: float | None
    value_b: float | None
    status: str

    @property
    def resolved(self) -> bool:
        return self.status == RESOLVED

    @property
    def lower(self) -> str | None:
        if self.value_a is None or self.value_b is None or self.value_a == self.value_b:
            return None
        return self.a if self.value_a < self.value_b else self.b

    @property
    def ratio(self) -> float | None:
        """The higher value over the lower (None when either is missing or not positive)."""
        if not self.value_a or not self.value_b or self.value_a <= 0 or self.value_b <= 0:
            return None
        return max(self.value_a, self.value_b) / min(self.value_a, self.value_b)

    @property
    def better(self) -> str | None:
        """The target better in the objective's direction (whether resolved or not)."""
        if self.lower is None:
            return None
        higher = self.b if self.lower == self.a else self.a
        return self.lower if self.direction == "minimize" else higher


@body
@dataclass(frozen=True)
class SearchVersus:
    """The chosen variant against another target on the test images: accuracy by the exact McNemar test
    on their predictions, and each objective as the workflow measured both."""

    role: str  # base | ptq | hand_set
    chosen: str
    other: str
    accuracy: PairTest  # the chosen variant against the other
    changed_to_correct: int  # test images the other gets wrong and the chosen variant right
    changed_to_wrong: int
    objectives: list[ObjectiveComparison]

    @property
    def resolved(self) -> bool:
        return self.accuracy.resolved or any(o.resolved for o in self.objectives)

    def statement(self) -> str:
        parts = [f"{o.column}: better {o.better} ({o.status})" for o in self.objectives]
        return f"{self.chosen} vs {self.role} {self.other}: {self.accuracy.statement()}; {'; '.join(parts)}"


@body
@dataclass(frozen=True)
class NoRival:
    """No target of the run to compare the chosen variant with in this role."""

    role: str  # ptq | hand_set
    target: str | None  # the target that would be (plain PTQ), None for the best hand-set method
    max_drop_pp: float | None
    considered: list[str]  # the run's hand-set method targets (none within the allowed drop)

    def statement(self) -> str:
        if self.target:
            return f"{self.role}: {self.target} is not a target of this run"
        return f"{self.role}: none of {self.considered} loses at most {self.max_drop_pp} pp on the test images"


# ---- the run's search files and records ------------------------------------------------------------


def search_target(run: Run) -> str | None:
    """The run's target built from a search's choice (<runtime>_auto), if any."""
    return next((t for t in run.targets if t in TARGETS and TARGETS[t].from_search), None)


def search_files(root: Path, target: str) -> tuple[list[dict], dict]:
    """trials.tsv's rows and chosen.json; a run with the search's target but without them stops, naming them."""
    found = {}
    for name, pattern in (("trials", paths.SEARCH_TRIALS), ("chosen", paths.SEARCH_CHOSEN)):
        path = root / pattern
        if not path.is_file():
            raise FileNotFoundError(f"{path}: the run has the search's target {target} but not this search file")
        found[name] = path
    chosen = read_json(found["chosen"])
    if chosen.get("auto_target") != target:
        raise ValueError(f"{found['chosen']}: a choice for {chosen.get('auto_target')!r}, the run's target is {target}")
    return read_trials(found["trials"]), chosen


def summary_rows(run: Run, objectives: list[Objective]) -> list[dict]:
    """The records of the targets with a test accuracy, as the summary.tsv rows search.analysis reads."""
    columns = (*ROW_COLUMNS, *(o.column for o in objectives), "size_bytes")  # size_bytes: the packed size's fallback
    return [
        {"target": t, **{key: run.value(t, key) for key in columns}}
        for t in run.targets
        if run.value(t, "accuracy") is not None
    ]


class RunPredictions(Mapping):
    """{target: (labels, predictions)} on the test images, each read when first asked for."""

    def __init__(self, run: Run):
        self.run = run
        self.read: dict = {}

    def __getitem__(self, target: str):
        if target not in self.read:
            found = predictions(self.run.results, target)
            if found is None:
                path = paths.for_target(paths.EVAL["predictions"], target)
                raise FileNotFoundError(f"{path}: the search's comparisons need {target}'s test predictions")
            self.read[target] = found
        return self.read[target]

    def __iter__(self):
        return iter(self.run.targets)

    def __len__(self) -> int:
        return len(self.run.targets)


# ---- findings -------------------------------------------------------------------------------------


def trials_body(run: Run, rows: list[dict], facts, chosen: dict) -> SearchTrials:
    on_front = {row["trial"] for row in facts.front}
    columns = [o.column for o in facts.objectives]
    points = [
        TrialPoint(
            row["trial"],
            row.get("target"),
            row["state"],
            row.get("feasible"),
            row.get(ACCURACY),
            row.get("accuracy_drop_pp"),
            {column: row.get(column) for column in columns},
            parse_settings_text(row.get("settings")),
            row.get("seconds"),
            row["trial"] in on_front,
        )
        for row in sorted(rows, key=lambda row: row["trial"])
    ]
    seconds = [row["seconds"] for row in rows if row.get("seconds") is not None]
    dataset = run.results.dataset
    return SearchTrials(
        objectives=columns,
        directions=[o.direction for o in facts.objectives],
        base=chosen["base"],
        max_drop_pp=facts.max_drop_pp,
        base_validation_accuracy=chosen["base_validation_accuracy"],
        candidates=list(dict.fromkeys(p.candidate for p in points if p.candidate)),
        images={split: dataset.get(f"{split}_images") for split in ("train", "validation", "test")},
        workers=len({row["worker"] for row in rows if row.get("worker") is not None}),
        seconds=sum(seconds) if seconds else None,
        states=facts.states,
        feasible=facts.feasible,
        trials=points,
        ranking=[row["trial"] for row in ranked(rows, facts.objectives)],
        chosen=facts.selection.trial,
    )


def history_body(facts) -> SearchHistory:
    first = facts.objectives[0]
    steps = [HistoryStep(p.trial, p.value, p.feasible, p.best_so_far) for p in facts.history]
    return SearchHistory(first.column, first.direction, steps)


def test_drop_interval(run: Run, target: str, base: str) -> tuple[float, float] | None:
    """The paired 95 % interval of the test drop against the base, from the record's interval of the accuracy
    change against the trained model or against the target's reference, whichever the base is."""
    if base == TRAINED:
        keys = ("accuracy_delta_low_pp", "accuracy_delta_high_pp")
    elif base == run.reference_of(target):
        keys = ("reference_accuracy_delta_low_pp", "reference_accuracy_delta_high_pp")
    else:
        return None
    low, high = (run.value(target, key) for key in keys)
    return (-high, -low) if low is not None and high is not None else None


def budget(interval: tuple[float, float] | None, max_drop_pp: float | None) -> str:
    if max_drop_pp is None:
        return NO_CONSTRAINT
    if interval is None:
        return NO_INTERVAL
    if interval[1] <= max_drop_pp:
        return WITHIN
    return BEYOND if interval[0] > max_drop_pp else UNRESOLVED


def choice_finding(run: Run, selection, max_drop_pp: float | None) -> Finding:
    interval = test_drop_interval(run, selection.target, selection.base)
    # the selection's own figures by name; the finding adds the constraint and the test drop's interval
    shared = {f.name: getattr(selection, f.name) for f in fields(SearchChoice) if hasattr(selection, f.name)}
    choice = SearchChoice(
        **shared,
        max_drop_pp=max_drop_pp,
        test_drop_low_pp=interval[0] if interval else None,
        test_drop_high_pp=interval[1] if interval else None,
        budget=budget(interval, max_drop_pp),
    )
    outcome = MEASURED if choice.budget == NO_CONSTRAINT else None
    return make("search.chosen", SECTION, choice, outcome, sources=(selection.target, selection.base))


def objective_comparison(run: Run, objective: Objective, a: str, b: str, value_a, value_b) -> ObjectiveComparison:
    """Exact values resolve any difference; a timing or memory by its repeat ranges (rule.compare); an objective
    without an interval resolves nothing."""
    if value_a is None or value_b is None:
        status = NO_INTERVAL
    elif objective.column in EXACT_COLUMNS:
        status = RESOLVED if value_a != value_b else OVERLAP
    elif objective.column in METRIC_OF_COLUMN:
        status = compare(run, METRIC_OF_COLUMN[objective.column], a, b).status
    else:
        status = NO_INTERVAL
    return ObjectiveComparison(objective.column, objective.direction, a, b, value_a, value_b, status)


def versus(run: Run, role: str, rival, objectives: list[Objective]) -> Finding:
    """A search.analysis Rival as a finding: the chosen variant against rival.target."""
    test = rival.test
    interval_test = compare(run, "accuracy", test.target, test.other)  # what PairTest falls back on without a p
    accuracy = PairTest(test.target, test.other, test.delta_pp, test.mcnemar_p, interval_test)
    compared = [
        objective_comparison(
            run, o, test.target, rival.target, rival.chosen_objectives[o.column], rival.objectives[o.column]
        )
        for o in objectives
    ]
    found = SearchVersus(
        role, test.target, rival.target, accuracy, test.changed_to_correct, test.changed_to_wrong, compared
    )
    return make(f"search.versus.{role}", SECTION, found, sources=(test.target, rival.target))


def no_rival(run: Run, role: str, target: str | None, max_drop_pp: float | None, hand_set_methods) -> Finding:
    considered = [t for t in run.targets if t in TARGETS and TARGETS[t].method not in hand_set_methods]
    return make(f"search.versus.{role}", SECTION, NoRival(role, target, max_drop_pp, considered), NOT_APPLICABLE)


def findings(run: Run) -> list[Finding]:
    """The search's findings when the run has its target (and so its files); none otherwise."""
    target = search_target(run)
    if target is None:
        return []
    from ..search import analysis  # scipy (McNemar): only for a run with a search

    rows, chosen = search_files(run.results.root or Path("."), target)
    objectives = analysis.objectives_of(chosen)
    summary = summary_rows(run, objectives)
    tests = RunPredictions(run)
    facts = analysis.search_facts(rows, chosen, summary, tests)
    by_target = {row["target"]: row for row in summary}
    base = analysis.rival(target, facts.selection.base, objectives, by_target, tests)
    out = [
        make("search.trials", SECTION, trials_body(run, rows, facts, chosen)),
        make("search.history", SECTION, history_body(facts)),
        choice_finding(run, facts.selection, facts.max_drop_pp),
        versus(run, "base", base, objectives),
    ]
    if facts.versus_ptq:
        out.append(versus(run, "ptq", facts.versus_ptq, objectives))
    else:
        out.append(no_rival(run, "ptq", analysis.PLAIN_PTQ, facts.max_drop_pp, analysis.NOT_HAND_SET))
    if facts.versus_hand_set:
        out.append(versus(run, "hand_set", facts.versus_hand_set, objectives))
    else:
        out.append(no_rival(run, "hand_set", None, facts.max_drop_pp, analysis.NOT_HAND_SET))
    return out

"""Automatic compression: the search's goal and the images each step used, the chosen variant on the
validation and the test images (the selection's optimism), and the chosen variant against the base, plain
post-training INT8 and the best hand-set method (findings of compressbench.analysis.search)."""

from __future__ import annotations

from ...analysis.claims import Q
from ...analysis.rule import NO_INTERVAL
from ...targets import TARGETS
from ..tables import plain_pp, table
from ..writer import Writer
from .base import Figure, Section, Table
from .methods import pair_sentence

TOP_TRIALS = 5  # rows of the trials table: the best five, as the issue asks

# Each objective column a search may have (search.settings.OBJECTIVE_COLUMNS): its name and its unit
# (Writer.quantity's; "fixed": a quality figure printed with four decimals).
OBJECTIVES = {
    "accuracy": ("search.objective_accuracy", "fixed"),
    "precision_macro": ("search.objective_precision_macro", "fixed"),
    "recall_macro": ("search.objective_recall_macro", "fixed"),
    "f1_macro": ("search.objective_f1_macro", "fixed"),
    "precision_weighted": ("search.objective_precision_weighted", "fixed"),
    "recall_weighted": ("search.objective_recall_weighted", "fixed"),
    "f1_weighted": ("search.objective_f1_weighted", "fixed"),
    "size_bytes": ("search.objective_size_bytes", "kib"),
    "size_gzip_bytes": ("search.objective_size_gzip_bytes", "kib"),
    "size_packed_bytes": ("search.objective_size_packed_bytes", "kib"),
    "params": ("search.objective_params", "count"),
    "macs": ("search.objective_macs", "count"),
    "latency_p50_ms": ("search.objective_latency_p50_ms", "ms"),
    "latency_p99_ms": ("search.objective_latency_p99_ms", "ms"),
    "latency_1thread_p50_ms": ("search.objective_latency_1thread_p50_ms", "ms"),
    "throughput_ips": ("search.objective_throughput_ips", "ips"),
    "test_set_seconds": ("search.objective_test_set_seconds", "s"),
    "tuned_test_set_seconds": ("search.objective_tuned_test_set_seconds", "s"),
    "naive_test_set_seconds": ("search.objective_naive_test_set_seconds", "s"),
    "peak_rss_mb": ("search.objective_peak_rss_mb", "mb"),
    "peak_rss_batch1_mb": ("search.objective_peak_rss_batch1_mb", "mb"),
    "load_rss_mb": ("search.objective_load_rss_mb", "mb"),
    "load_seconds": ("search.objective_load_seconds", "s"),
    "first_call_ms": ("search.objective_first_call_ms", "ms"),
}
GOALS = {"minimize": "search.goal_minimize", "maximize": "search.goal_maximize"}
SAMPLERS = {1: "search.sampler_tpe", 2: "search.sampler_nsga2"}
CONSTRAINT = {True: "search.constraint", False: "search.no_constraint"}
STATES = {
    "complete": "search.state_complete",
    "failed": "search.state_failed",
    "interrupted": "search.state_interrupted",
}
BUDGET = {
    "within": "search.budget_within",
    "beyond": "search.budget_beyond",
    "unresolved": "search.budget_unresolved",
    NO_INTERVAL: "search.budget_no_interval",
}
VERSUS = {"base": "search.versus_base", "ptq": "search.versus_ptq", "hand_set": "search.versus_hand_set"}
HAND_SET_WITHIN = {True: "search.hand_set_within", False: "search.hand_set_any"}
NO_RIVAL = {
    ("ptq", True): "search.no_ptq",
    ("ptq", False): "search.no_ptq",
    ("hand_set", True): "search.no_hand_set",
    ("hand_set", False): "search.no_hand_set_targets",
}
FEASIBLE = {True: "search.constraint_met", False: "search.constraint_missed", None: "search.constraint_missed"}


def objective_name(w: Writer, column: str) -> str:
    return w.s[OBJECTIVES[column][0]]


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]  # str.capitalize would lower the rest ("Macro-f1")


def objective_text(w: Writer, column: str, value) -> str:
    """An objective's value with its unit, as the report prints that quantity elsewhere."""
    unit = OBJECTIVES[column][1]
    return w.n.fixed(value, 4) if unit == "fixed" else w.quantity(Q(value, unit))


def settings_text(w: Writer, settings: dict) -> str:
    """A trial's settings: "clusters=8; structured_layer_ratios: features.0=0.31, classifier.1=0.4"."""

    def number(value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        return w.n.integer(value) if isinstance(value, int) else w.n.sig(value, 2)

    items = []
    for key, value in settings.items():
        if isinstance(value, dict):
            items.append(f"{key}: " + ", ".join(f"{layer}={number(v)}" for layer, v in value.items()))
        else:
            items.append(f"{key}={number(value)}")
    return "; ".join(items) or w.n.missing


def goal(w: Writer, trials) -> str:
    goals = [
        w.s.say(GOALS[direction], name=objective_name(w, column))
        for column, direction in zip(trials.objectives, trials.directions, strict=True)
    ]
    return w.s.join(goals)


def text(w: Writer) -> list[str]:
    """The section's paragraphs; empty (section left out) when the run has no search."""
    if w.findings.get("search.trials") is None:
        return []
    out = [intro_paragraph(w), choice_paragraph(w)]
    ptq = w.findings.body("search.versus.ptq")
    for role in ("base", "ptq", "hand_set"):
        found = w.findings.body(f"search.versus.{role}")
        if role == "hand_set" and getattr(found, "other", None) and found.other == getattr(ptq, "other", None):
            out.append(w.para(hand_set_is_ptq(w)))
        elif hasattr(found, "accuracy"):
            out.append(versus_paragraph(w, w.finding(f"search.versus.{role}")))
        elif found is not None:
            out.append(no_rival_paragraph(w, w.finding(f"search.versus.{role}")))
    return out


def intro_paragraph(w: Writer) -> str:
    s, n = w.s, w.n
    trials = w.finding("search.trials")
    constraint = s.say(
        CONSTRAINT[trials.max_drop_pp is not None],
        max_drop=n.pp(trials.max_drop_pp, signed=False),
        base=w.label(trials.base),
        base_accuracy=n.fixed(trials.base_validation_accuracy, 4),
    )
    states = ", ".join(
        s.say(STATES[state], count=n.integer(count)) for state, count in trials.states.items() if state in STATES
    )
    feasible = s.say("search.feasible", count=n.integer(trials.feasible)) if trials.max_drop_pp is not None else ""
    packed = s["search.packed_note"] if "size_packed_bytes" in trials.objectives else ""
    return w.para(
        s.say(
            "search.intro",
            sampler=s[SAMPLERS[len(trials.objectives)]],
            goal=goal(w, trials),
            candidates=w.labels(trials.candidates),
            constraint=constraint,
            train=n.integer(trials.images.get("train")),
            validation=n.integer(trials.images.get("validation")),
            test=n.integer(trials.images.get("test")),
            trials=s.count(len(trials.trials), "search.forms_trials"),
            workers=s.count(trials.workers, "search.forms_workers"),
            seconds=n.seconds(trials.seconds),
            states=states,
            feasible=feasible,
            packed=packed,
        )
    )


def choice_paragraph(w: Writer) -> str:
    s, n = w.s, w.n
    choice = w.finding("search.chosen")
    budget = ""
    if choice.budget in BUDGET:
        budget = s.say(
            BUDGET[choice.budget],
            low=n.pp(choice.test_drop_low_pp, signed=False),
            high=n.pp(choice.test_drop_high_pp, signed=False),
            max_drop=n.pp(choice.max_drop_pp, signed=False),
            base=w.label(choice.base),
        )
    return w.para(
        s.say(
            "search.chosen_item",
            trial=n.integer(choice.trial),
            candidate=w.label(choice.candidate),
            settings=settings_text(w, choice.settings),
            target=w.label(choice.target),
            base=w.label(choice.base),
            validation_delta=n.pp(-choice.validation_drop_pp),
            validation_accuracy=n.fixed(choice.validation_accuracy, 4),
            base_validation=n.fixed(choice.base_validation_accuracy, 4),
            test_delta=n.pp(-choice.test_drop_pp),
            test_accuracy=n.fixed(choice.test_accuracy, 4),
            low=n.fixed(choice.test_ci_low, 4),
            high=n.fixed(choice.test_ci_high, 4),
            base_test=n.fixed(choice.base_test_accuracy, 4),
            optimism=n.pp(choice.optimism_pp),
            budget=budget,
        )
    )


def objective_sentence(w: Writer, c) -> str:
    """One objective of two targets: which has the lower value when resolved, else why it is not resolved."""
    s, name = w.s, objective_name(w, c.column)
    values = {"a": w.label(c.a), "b": w.label(c.b), "name": name}
    if c.value_a is None or c.value_b is None:
        return s.say("search.objective_missing", **values)
    if c.lower is None:
        return s.say("search.objective_equal", **values, value=objective_text(w, c.column, c.value_a))
    higher = c.b if c.lower == c.a else c.a
    lower_value, higher_value = sorted((c.value_a, c.value_b))
    if c.resolved:
        return s.say(
            "search.objective_lower",
            name=name,
            lower=w.label(c.lower),
            higher=w.label(higher),
            lower_value=objective_text(w, c.column, lower_value),
            higher_value=objective_text(w, c.column, higher_value),
            ratio=s.times(c.ratio) if c.ratio else w.n.missing,
        )
    return s.say(
        "search.objective_unresolved",
        **values,
        value_a=objective_text(w, c.column, c.value_a),
        value_b=objective_text(w, c.column, c.value_b),
        reason=w.reason(c.status),
    )


def versus_paragraph(w: Writer, versus) -> str:
    s, n = w.s, w.n
    return w.para(
        s.say(
            VERSUS[versus.role],
            target=w.label(versus.chosen),
            other=w.label(versus.other),
            pair=pair_sentence(w, versus.accuracy),
            to_wrong=n.integer(versus.changed_to_wrong),
            to_correct=n.integer(versus.changed_to_correct),
            objectives="; ".join(objective_sentence(w, c) for c in versus.objectives),
            within=within_text(w),
        )
    )


def within_text(w: Writer) -> str:
    """Which method variants the best hand-set one is chosen among: those within the allowed drop, if any."""
    max_drop = w.findings.body("search.chosen").max_drop_pp
    return w.s.say(HAND_SET_WITHIN[max_drop is not None], max_drop=w.n.pp(max_drop, signed=False))


def hand_set_is_ptq(w: Writer) -> str:
    """The best hand-set method is plain post-training INT8 itself, compared in the paragraph before."""
    versus = w.finding("search.versus.hand_set")
    return w.s.say("search.hand_set_is_ptq", other=w.label(versus.other), within=within_text(w))


def no_rival_paragraph(w: Writer, missing) -> str:
    key = NO_RIVAL[(missing.role, bool(missing.considered))]
    target = TARGETS[missing.target].label if missing.target in TARGETS else missing.target
    return w.para(
        w.s.say(
            key,
            target=target or w.n.missing,
            considered=w.labels(missing.considered),
            max_drop=w.n.pp(missing.max_drop_pp, signed=False),
        )
    )


def trials_table(w: Writer) -> dict | None:
    """The best completed trials in the order the search chooses, the chosen one marked."""
    s, n = w.s, w.n
    trials = w.findings.body("search.trials")
    if trials is None:
        return None
    by_number = {t.trial: t for t in trials.trials}
    rows = []
    for number in trials.ranking[:TOP_TRIALS]:
        trial = by_number[number]
        mark = s.say("search.chosen_mark", trial=n.integer(number)) if number == trials.chosen else n.integer(number)
        rows.append(
            [
                mark,
                w.label(trial.candidate),
                settings_text(w, trial.settings),
                n.fixed(trial.validation_accuracy, 4),
                plain_pp(w, -trial.accuracy_drop_pp if trial.accuracy_drop_pp is not None else None),
                *(objective_text(w, column, trial.objectives.get(column)) for column in trials.objectives),
                s[FEASIBLE[trial.feasible]],
                n.sig(trial.seconds, 3),
            ]
        )
    columns = [
        (s["search.col_trial"], "l"),
        (s["search.col_candidate"], "l"),
        (s["search.col_settings"], "l"),
        (s["search.col_validation_accuracy"], "r"),
        (s["search.col_validation_delta"], "r"),
        *((capitalized(objective_name(w, column)), "r") for column in trials.objectives),
        (s["search.col_feasible"], "l"),
        (s["search.col_seconds"], "r"),
    ]
    return table(columns, rows, wide=True)


SECTION = Section(
    "search",
    "search.title",
    1,
    ("text", "table:search_trials", "figure:search_plane", "figure:search_history"),
    text=text,
    tables=(Table("search_trials", trials_table, "search.tab_trials"),),
    figures=(
        Figure("search_plane", "search.fig_plane", "search_plane", when="search"),
        Figure("search_history", "search.fig_history", "search_history", when="search"),
    ),
)

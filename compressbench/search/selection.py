"""Pure functions over trial rows (trials.tsv): the front, the chosen trial, the best-so-far history.

The accuracy-objective plane: a complete trial is on the front when no other complete trial is at
least as good in every objective and in validation accuracy, and better in one. The chosen trial
is the best feasible one: objectives compared in the order configured (the second breaks ties of
the first), then validation accuracy, then the earlier trial. With two objectives that is the
feasible front's member best in the first objective.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..paths import trial_model
from ..tables import read_tsv
from .settings import Objective, SearchError, SearchSettings, parse_settings_text

ACCURACY = "validation_accuracy"


def typed(value):
    """A TSV cell as Python: '' -> None, True/False -> bool, numbers -> int/float, else the text."""
    if value in ("", None):
        return None
    if value in ("True", "False"):
        return value == "True"
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def read_trials(path) -> list[dict]:
    """trials.tsv (or pareto.tsv) with typed cells."""
    return [{key: typed(value) for key, value in row.items()} for row in read_tsv(path)]


def score(row: dict, objective: Objective) -> float:
    """The row's objective value, signed so that smaller is better."""
    value = float(row[objective.column])
    return value if objective.direction == "minimize" else -value


def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """a is at least as good as b everywhere and better somewhere (smaller is better)."""
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(x < y for x, y in zip(a, b, strict=True))


def plane(row: dict, objectives: list[Objective]) -> tuple[float, ...]:
    """A trial's point in the accuracy-objective plane (validation accuracy, higher better)."""
    extra = () if any(o.column == "accuracy" for o in objectives) else (-float(row[ACCURACY]),)
    return (*(score(row, o) for o in objectives), *extra)


def complete(rows: list[dict]) -> list[dict]:
    return [row for row in rows if row["state"] == "complete"]


def front(rows: list[dict], objectives: list[Objective]) -> list[dict]:
    """The complete trials no other complete trial dominates in the accuracy-objective plane, by trial."""
    done = complete(rows)
    points = [plane(row, objectives) for row in done]
    return [row for row, point in zip(done, points, strict=True) if not any(dominates(p, point) for p in points)]


def preference(row: dict, objectives: list[Objective]) -> tuple:
    """A complete trial's place in the choice (smaller first): the objectives in the order configured,
    then validation accuracy, then the earlier trial."""
    return (*(score(row, o) for o in objectives), -float(row[ACCURACY]), row["trial"])


def choose(rows: list[dict], objectives: list[Objective]) -> dict | None:
    """The best feasible complete trial (see the module docstring); None when no trial is feasible."""
    feasible = [row for row in complete(rows) if row["feasible"]]
    if not feasible:
        return None
    return min(feasible, key=lambda row: preference(row, objectives))


def ranked(rows: list[dict], objectives: list[Objective]) -> list[dict]:
    """The complete trials best first, as the search chooses: the feasible ones in their preference
    order (the chosen trial first), then the infeasible ones in theirs."""
    return sorted(complete(rows), key=lambda row: (not row["feasible"], *preference(row, objectives)))


@dataclass(frozen=True)
class HistoryPoint:
    trial: int
    value: float | None  # the trial's first objective; None when it did not complete
    feasible: bool
    best_so_far: float | None  # the best feasible value up to and including this trial


def history(rows: list[dict], objective: Objective) -> list[HistoryPoint]:
    """Best feasible value of an objective against trials, in trial order."""
    best, points = None, []
    for row in sorted(rows, key=lambda row: row["trial"]):
        done = row["state"] == "complete"
        value = float(row[objective.column]) if done else None
        if done and row["feasible"] and (best is None or score(row, objective) < _signed(best, objective)):
            best = value
        points.append(HistoryPoint(row["trial"], value, bool(done and row["feasible"]), best))
    return points


def _signed(value: float, objective: Objective) -> float:
    return value if objective.direction == "minimize" else -value


def chosen_record(rows: list[dict], settings: SearchSettings, trials_dir, source) -> dict:
    """chosen.json: the chosen trial, its variant's folder and what the search measured of it. No
    feasible trial stops the run, saying how close the trials came."""
    from ..targets import chain

    row = choose(rows, list(settings.objectives))
    if row is None:
        done = complete(rows)
        closest = min((r["accuracy_drop_pp"] for r in done if r["accuracy_drop_pp"] is not None), default=None)
        raise SearchError(
            f"{source}: no trial is feasible ({len(done)} complete of {len(rows)}; search.constraint.max_drop_pp="
            f"{settings.max_drop_pp}, the smallest drop {closest} pp): widen search.space, raise search.trials or "
            "the allowed drop"
        )
    return {
        "trial": row["trial"],
        "target": row["target"],
        "chain": list(reversed(chain(row["target"]))),
        "settings": parse_settings_text(row["settings"]),
        "runtime": settings.runtime,
        "auto_target": settings.auto_target,
        "base": settings.base,
        "model_dir": trial_model(trials_dir, row["trial"]),
        "validation_accuracy": row[ACCURACY],
        "base_validation_accuracy": row["base_validation_accuracy"],
        "accuracy_drop_pp": row["accuracy_drop_pp"],
        "objectives": {o.column: row[o.column] for o in settings.objectives},
        "directions": {o.column: o.direction for o in settings.objectives},
        "max_drop_pp": settings.max_drop_pp,
    }

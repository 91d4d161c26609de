"""The Optuna study on disk and the worker loop that runs its trials.

Storage: Optuna's JournalStorage with a file backend (results/search/journal.log): an append-only
log of operations that every worker reads and appends to under a lock. Its default lock is a
symbolic link (symlink(2), atomic on NFS too), so workers on different cluster nodes can
share the file on a shared file system, where SQLite's fcntl locks are unreliable. A lock left by
a killed process is broken after 30 s.

The trial budget is global: a worker asks for a trial only while fewer than `trials` are counted
(finished, failed by their setting, or running), and gives back one that another worker's
concurrent ask pushed over the budget. A trial is owned by its worker's index; when a worker
starts, the trials its index left RUNNING (a run interrupted by Ctrl-C or a lost job) are marked
interrupted and no longer counted, so a rerun continues from the finished trials and repeats none.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import optuna
from optuna.trial import TrialState

from .settings import SearchError, SearchSettings, differing_keys, drop_pp, objective_value, settings_text

STUDY_NAME = "compressbench-search"
CONSTRAINT = "accuracy_drop"
# outcome (user attribute) of a trial that did not complete
FAILED, INTERRUPTED, OVER_BUDGET = "failed", "interrupted", "over_budget"


def storage(path: str | Path):
    backend = optuna.storages.journal.JournalFileBackend(str(path))  # symlink lock: NFS-safe
    return optuna.storages.JournalStorage(backend)


def create_study(
    path: str | Path, directions: list[str], fingerprint: dict, base_accuracy: float | None, candidates: list[str]
):
    """The study at `path`: created with this search's fingerprint, or reopened when it holds the same
    search; one holding another search stops naming what differs. A new study queues one trial per
    candidate (its other settings drawn by the sampler), so a small budget tries every candidate
    rather than what a few random draws happen to pick."""
    study = optuna.create_study(
        storage=storage(path), study_name=STUDY_NAME, directions=directions, load_if_exists=True
    )
    stored = study.user_attrs.get("fingerprint")
    if stored is None:
        study.set_user_attr("fingerprint", fingerprint)
        study.set_user_attr("base_validation_accuracy", base_accuracy)
        for candidate in candidates:
            study.enqueue_trial({"candidate": candidate})
    elif stored != fingerprint:
        raise SearchError(
            f"{path}: holds a search with another {', '.join(differing_keys(stored, fingerprint))}; delete its folder "
            f"({Path(path).parent}/) to start a new search, or restore those settings to continue it"
        )
    return study


def load_study(path: str | Path, settings: SearchSettings, fingerprint: dict, worker: int = 0):
    """The setup job's study, with this worker's sampler: TPE for one objective, NSGA-II for two
    (seeded with seed + worker, so concurrent workers do not propose the same settings)."""
    seed = settings.seed + worker
    if len(settings.objectives) == 1:
        # constant_liar: trials running elsewhere count as bad, so parallel workers spread out
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=settings.startup_trials, constant_liar=True)
    else:
        sampler = optuna.samplers.NSGAIISampler(seed=seed, population_size=settings.population_size)
    study = optuna.load_study(study_name=STUDY_NAME, storage=storage(path), sampler=sampler)
    if study.user_attrs.get("fingerprint") != fingerprint:
        raise SearchError(f"{path}: holds another search than this config's (rerun the search_setup job)")
    return study


def outcome(trial) -> str:
    """complete | failed | interrupted | over_budget | running | waiting (a FrozenTrial's). A failed
    trial has its error; one that failed without one was interrupted."""
    if trial.state != TrialState.FAIL:
        return trial.state.name.lower()
    return trial.user_attrs.get("outcome") or (FAILED if "error" in trial.user_attrs else INTERRUPTED)


def counted(trials) -> list:
    """The trials that use the budget: finished, failed by their setting, or running (not those
    interrupted or given back, nor one waiting in the queue: asking for it starts it)."""
    return [t for t in trials if outcome(t) not in (INTERRUPTED, OVER_BUDGET, "waiting")]


def fail_stale(study, worker: int, workers: int) -> list[int]:
    """Mark interrupted the RUNNING trials a previous run of this worker index left (or of an index
    the search no longer has): no other process runs them now."""
    stale = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        owner = trial.user_attrs.get("worker")
        if owner == worker or (owner is not None and owner >= workers):
            study.tell(trial.number, state=TrialState.FAIL)  # without an error: interrupted
            stale.append(trial.number)
    return stale


TrialFunction = Callable[[int, str, dict], dict]  # (trial number, candidate target, overrides) -> measurements


def run_worker(study, settings: SearchSettings, worker: int, measure: TrialFunction, log=print) -> list[int]:
    """Run trials until the budget is spent; the numbers of the trials this call ran."""
    stale = fail_stale(study, worker, settings.workers)
    if stale:
        log(f"worker {worker}: trials {stale} were left running by an interrupted run: marked interrupted")
    ran: list[int] = []
    while len(counted(study.get_trials(deepcopy=False))) < settings.trials:
        trial = study.ask()
        trial.set_user_attr("worker", worker)
        earlier = [t for t in counted(study.get_trials(deepcopy=False)) if t.number < trial.number]
        if len(earlier) >= settings.trials:  # another worker took the last one meanwhile
            trial.set_user_attr("outcome", OVER_BUDGET)
            study.tell(trial, state=TrialState.FAIL)
            break
        run_trial(study, trial, settings, measure, log)
        ran.append(trial.number)
    return ran


def run_trial(study, trial, settings: SearchSettings, measure: TrialFunction, log=print) -> None:
    """Draw a candidate and its settings, measure the variant, tell Optuna. A variant that cannot be
    built or measured is a failed trial with its error; the search goes on."""
    target = trial.suggest_categorical("candidate", [candidate.target for candidate in settings.candidates])
    overrides = settings.candidate(target).draw(trial)
    trial.set_user_attr("target", target)
    trial.set_user_attr("settings", overrides)
    started = time.monotonic()
    try:
        measured = measure(trial.number, target, overrides)
        values = objective_values(measured, settings)
    except Exception as error:  # a setting that cannot build, a runtime that rejects the model, ...
        trial.set_user_attr("error", f"{type(error).__name__}: {error}"[:4000])
        trial.set_user_attr("seconds", time.monotonic() - started)
        study.tell(trial, state=TrialState.FAIL)
        log(f"trial {trial.number} ({target} {overrides}) failed: {type(error).__name__}: {error}")
        return
    except BaseException:  # Ctrl-C, SIGTERM: not the setting's fault; failed without an error = interrupted
        study.tell(trial, state=TrialState.FAIL)
        raise
    record(trial, measured, values, settings, study.user_attrs.get("base_validation_accuracy"))
    trial.set_user_attr("seconds", time.monotonic() - started)
    study.tell(trial, values)
    log(f"trial {trial.number} ({target} {overrides}): {trial.user_attrs['objectives']}")


def objective_values(measured: dict, settings: SearchSettings) -> list[float]:
    values = []
    for objective in settings.objectives:
        value = objective_value(measured, objective.column)
        if value is None or value != value:
            raise ValueError(f"objective {objective.column}: not measured for this variant")
        values.append(value)
    return values


# Measurements kept with each trial beside its objectives (trials.tsv columns).
KEPT = ("accuracy", "f1_macro", "size_bytes", "size_gzip_bytes", "size_packed_bytes", "params", "macs")


def record(trial, measured: dict, values: list[float], settings: SearchSettings, base_accuracy) -> None:
    """The trial's validation accuracy, drop against the base, feasibility and objective values."""
    accuracy = float(measured["accuracy"])
    trial.set_user_attr("measured", {key: measured.get(key) for key in KEPT})
    trial.set_user_attr("objectives", {o.column: v for o, v in zip(settings.objectives, values, strict=True)})
    if settings.max_drop_pp is not None:
        drop = drop_pp(base_accuracy, accuracy)
        trial.set_user_attr("accuracy_drop_pp", drop)
        trial.set_constraint(CONSTRAINT, drop - settings.max_drop_pp)  # feasible at <= 0


def trial_rows(study, settings: SearchSettings) -> list[dict]:
    """trials.tsv: one row per trial in number order (trials given back over the budget left out)."""
    from ..targets import chain

    base = study.user_attrs.get("base_validation_accuracy")
    rows = []
    for trial in study.get_trials(deepcopy=False):
        state = outcome(trial)
        if state == OVER_BUDGET:
            continue
        target = trial.user_attrs.get("target") or trial.params.get("candidate")
        measured = trial.user_attrs.get("measured", {})
        drop = trial.user_attrs.get("accuracy_drop_pp")
        rows.append(
            {
                "trial": trial.number,
                "worker": trial.user_attrs.get("worker"),
                "state": INTERRUPTED if state == "running" else state,  # every worker has ended: none runs
                "target": target,
                "chain": " > ".join(reversed(chain(target))) if target else None,
                "settings": settings_text(trial.user_attrs.get("settings") or {}),
                "validation_accuracy": measured.get("accuracy"),
                "base_validation_accuracy": base,
                "accuracy_drop_pp": drop,
                **trial.user_attrs.get("objectives", {o.column: None for o in settings.objectives}),
                "feasible": None
                if state != "complete"
                else (settings.max_drop_pp is None or drop <= settings.max_drop_pp),
                "seconds": trial.user_attrs.get("seconds"),
                **{f"variant_{key}": measured.get(key) for key in KEPT if key != "accuracy"},
                "error": trial.user_attrs.get("error"),
            }
        )
    return rows


def trial_columns(settings: SearchSettings) -> list[str]:
    objectives = [o.column for o in settings.objectives]
    return [
        "trial",
        "worker",
        "state",
        "target",
        "chain",
        "settings",
        "validation_accuracy",
        "base_validation_accuracy",
        "accuracy_drop_pp",
        *objectives,
        "feasible",
        "seconds",
        *(f"variant_{key}" for key in KEPT if key != "accuracy"),
        "error",
    ]

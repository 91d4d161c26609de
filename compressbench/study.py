"""Studies: many runs of the workflow, each an override of the base config, in one DAG.

A config with a ``study`` section describes runs instead of one:

    study:
      grid:                      # every combination of the listed values
        model.name: [lenet5, resnet8]
        train.seed: [0, 1]
      runs:                      # and/or explicit runs, each a name and its overrides
        - {name: wide, set: {model.width_multiplier: 2.0}}

Each run is the base config with its overrides applied (dotted keys name existing settings, so
a typo fails here naming it). Runs share what they can: two runs whose data settings are equal
read one prepared dataset, two runs whose data, model and training settings are equal read one
trained model; `provider` picks the run whose files the others reuse.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Iterable

import numpy as np

# The settings each shared stage reads (anything else changing between two runs does not
# make that stage differ). Keep in step with the params of prepare_data and train.
DATA_SETTINGS = ("dataset", "train.seed")
MODEL_SETTINGS = ("dataset", "model", "train")


class StudyError(ValueError):
    """A study section that cannot describe runs; the message names the key."""


def get_dotted(config: dict, key: str):
    node = config
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node


def set_dotted(config: dict, key: str, value, where: str) -> None:
    """Set an existing setting; `where` names the study entry for the error message."""
    parts = key.split(".")
    node = config
    for depth, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            known = ", ".join(sorted(node)) if isinstance(node, dict) else "none: not a section"
            prefix = ".".join(parts[:depth]) or "the top level"
            raise StudyError(f"{where}: {key!r} is not a setting ({part!r} not in {prefix}; known: {known})")
        if depth == len(parts) - 1:
            node[part] = copy.deepcopy(value)
        else:
            node = node[part]


def _value_label(value) -> str:
    text = json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else str(value)
    return re.sub(r"[^A-Za-z0-9.+-]+", "-", text).strip("-") or "empty"


def grid_runs(grid: dict) -> list[tuple[str, dict]]:
    """(name, overrides) for every combination of the grid's values, in the order written."""
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise StudyError(f"study.grid.{key}: needs a non-empty list of values, got {values!r}")
    keys = list(grid)
    if not keys:
        return []
    runs = []
    for combination in itertools.product(*(grid[key] for key in keys)):
        overrides = dict(zip(keys, combination, strict=True))
        name = "_".join(f"{key.rsplit('.', 1)[-1]}-{_value_label(value)}" for key, value in overrides.items())
        runs.append((name, overrides))
    return runs


def explicit_runs(runs: list) -> list[tuple[str, dict]]:
    result = []
    for index, run in enumerate(runs):
        where = f"study.runs[{index}]"
        if not isinstance(run, dict) or set(run) - {"name", "set"} or "name" not in run:
            raise StudyError(f"{where}: write each run as {{name: ..., set: {{dotted.key: value}}}}, got {run!r}")
        name = str(run["name"])
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]*", name):
            raise StudyError(f"{where}.name: {name!r} must be letters, digits, '.', '_', '+', '-' (a folder name)")
        result.append((name, dict(run.get("set") or {})))
    return result


def expand_study(config: dict) -> dict[str, dict]:
    """Run name -> that run's full config (without the study section), in a stable order."""
    study = config.get("study") or {}
    base = {key: value for key, value in config.items() if key != "study"}
    listed = grid_runs(study.get("grid") or {}) + explicit_runs(study.get("runs") or [])
    if not listed:
        raise StudyError("study: lists no runs (give study.grid and/or study.runs)")
    runs: dict[str, dict] = {}
    for name, overrides in listed:
        if name in runs:
            raise StudyError(f"study: two runs are named {name!r}; rename one in study.runs")
        run_config = copy.deepcopy(base)
        for key, value in overrides.items():
            set_dotted(run_config, key, value, f"study run {name!r}")
        runs[name] = run_config
    return runs


def swept_keys(config: dict) -> list[str]:
    """The dotted settings the study varies, in the order written (grid first)."""
    study = config.get("study") or {}
    keys = list(study.get("grid") or {})
    for run in study.get("runs") or []:
        keys += [key for key in (run.get("set") or {}) if key not in keys]
    return keys


def _fingerprint(config: dict, settings: Iterable[str]) -> str:
    parts = {}
    for key in settings:
        try:
            parts[key] = get_dotted(config, key)
        except KeyError:
            parts[key] = None
    return json.dumps(parts, sort_keys=True, default=str)


def provider(runs: dict[str, dict], run: str, settings: Iterable[str]) -> str:
    """The first run whose `settings` equal `run`'s: its files serve both."""
    settings = tuple(settings)
    wanted = _fingerprint(runs[run], settings)
    return next(name for name, config in runs.items() if _fingerprint(config, settings) == wanted)


def study_rows(run_rows: dict[str, list[dict]], runs: dict[str, dict], keys: list[str]) -> list[dict]:
    """One row per run and target: run, model, the swept settings, then the run's summary columns."""
    rows = []
    for name, summary in run_rows.items():
        fixed = {"run": name, "model": get_dotted(runs[name], "model.name")}
        fixed.update({key: _cell(get_dotted(runs[name], key)) for key in keys if key != "model.name"})
        rows.extend({**fixed, **row} for row in summary)
    return rows


def _cell(value):
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def seed_spread(
    rows: list[dict], keys: list[str], metric: str = "accuracy", seed_key: str = "train.seed"
) -> list[dict]:
    """Seed-to-seed spread of `metric` per target and per combination of the other swept settings."""
    if seed_key not in keys:
        return []
    others = [key for key in ["model", *keys] if key not in (seed_key, "model.name")]
    groups: dict[tuple, list[float]] = {}
    for row in rows:
        group = (row["target"], *(str(row[key]) for key in others))
        groups.setdefault(group, []).append(float(row[metric]))
    spread = []
    for group, values in groups.items():
        array = np.asarray(values)
        spread.append(
            {
                "target": group[0],
                **dict(zip(others, group[1:], strict=True)),
                "seeds": len(values),
                f"{metric}_mean": float(array.mean()),
                f"{metric}_std": float(array.std(ddof=1)) if len(values) > 1 else float("nan"),
                f"{metric}_min": float(array.min()),
                f"{metric}_max": float(array.max()),
            }
        )
    return spread

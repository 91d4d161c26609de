"""Studies: many runs of the workflow, each an override of the base config, in one DAG.

A config with a ``study`` section describes runs instead of one:

    study:
      grid:                      # every combination of the listed values
        model.name: [lenet5, resnet8]
        train.seed: [0, 1]
      runs:                      # and/or explicit runs, each a name and its overrides
        - {name: wide, set: {model.width_multiplier: 2.0}}
        - {name: small, set: {dataset: {image_size: 16}}}

A run is the base config with its overrides applied like one more --configfile: a mapping given
for a section (dataset, train, ...) is merged into it key by key, and a dotted key is short for
that nesting (`dataset.image_size: 16` is `dataset: {image_size: 16}`). A setting's own value
(a number, a list, or a free-form mapping such as model.kwargs) replaces the base's. Every key
must name a setting of the schema, so a typo fails here naming it; each run's config is then
validated as a whole, and its errors name the run. A grid sweeps settings: its keys are dotted
settings, not sections.

Runs share what they can: runs whose data settings are equal read one prepared dataset, runs
whose data, model and training settings are equal read one trained model. `shared_key` names
such a stage by the settings that decide it (results/shared/<stage>/<key>), so which runs a
study holds never changes which files a run reads.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import itertools
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import paths
from .results import TABLE_COLUMNS, StudyResults, study_run

# The settings each shared stage reads (anything else changing between two runs does not
# make that stage differ). Keep in step with the params of prepare_data and train.
DATA_SETTINGS = ("dataset", "train.seed")
MODEL_SETTINGS = ("dataset", "model", "train")
SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"


class StudyError(ValueError):
    """A study section that cannot describe runs; the message names the key (and the run)."""


@functools.cache
def _schema() -> dict:
    return yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))


def setting_schema(key: str, where: str) -> dict:
    """The schema of a dotted key: a section (it has `properties`) or a setting."""
    node = _schema()
    parts = key.split(".")
    for depth, part in enumerate(parts):
        known = node.get("properties")
        if not known or part not in known or part == "study":
            prefix = ".".join(parts[:depth]) or "the top level"
            listed = ", ".join(name for name in known or {} if name != "study") or "none: a setting, not a section"
            raise StudyError(f"{where}: {key!r} is not a setting ({part!r} not in {prefix}; known: {listed})")
        node = known[part]
    return node


def is_section(key: str, where: str) -> bool:
    return "properties" in setting_schema(key, where)


def get_dotted(config: dict, key: str):
    """A setting's value; None where the config leaves it unset (a key without a default)."""
    node = config
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def set_dotted(config: dict, key: str, value) -> None:
    """Set one setting (a dotted key the schema knows), making missing sections on the way."""
    *sections, name = key.split(".")
    node = config
    for part in sections:
        node = node.setdefault(part, {})
    node[name] = copy.deepcopy(value)


def flat_overrides(overrides: dict, where: str, prefix: str = "") -> dict:
    """{dotted setting: value} of a run's `set`: sections given as mappings are opened up, so
    `{train: {seed: 3}}` and `{train.seed: 3}` both give {"train.seed": 3}."""
    flat: dict = {}
    for key, value in overrides.items():
        path = f"{prefix}{key}"
        if is_section(path, where):
            if not isinstance(value, dict):
                raise StudyError(
                    f"{where}: {path!r} is a section; give a mapping of its settings or dotted keys "
                    f"({path}.<setting>), got {value!r}"
                )
            inner = flat_overrides(value, where, f"{path}.")
        else:
            inner = {path: value}
        for setting in inner:
            if setting in flat:
                raise StudyError(f"{where}: {setting!r} is set twice")
        flat.update(inner)
    return flat


def flat_settings(config: dict, prefix: str = "") -> dict:
    """{dotted setting: value} of a whole config, down to the schema's settings."""
    flat = {}
    for key, value in config.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and key != "study" and is_section(path, "config"):
            flat.update(flat_settings(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def _value_label(value) -> str:
    text = json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else str(value)
    return re.sub(r"[^A-Za-z0-9.+-]+", "-", text).strip("-") or "empty"


@dataclass(frozen=True)
class ListedRun:
    name: str
    overrides: dict  # {dotted setting: value}
    origin: str  # where the study section lists it: "study.grid" or "study.runs[i]"


def grid_runs(grid: dict) -> list[ListedRun]:
    """A run for every combination of the grid's values, in the order written."""
    for key, values in grid.items():
        if is_section(key, "study.grid"):
            raise StudyError(f"study.grid.{key}: a section; sweep one of its settings by a dotted key ({key}.<name>)")
        if not isinstance(values, list) or not values:
            raise StudyError(f"study.grid.{key}: needs a non-empty list of values, got {values!r}")
    keys = list(grid)
    if not keys:
        return []
    runs = []
    for combination in itertools.product(*(grid[key] for key in keys)):
        overrides = dict(zip(keys, combination, strict=True))
        name = "_".join(f"{key.rsplit('.', 1)[-1]}-{_value_label(value)}" for key, value in overrides.items())
        runs.append(ListedRun(name, overrides, "study.grid"))
    return runs


def explicit_runs(runs: list) -> list[ListedRun]:
    result = []
    for index, run in enumerate(runs):
        where = f"study.runs[{index}]"
        if not isinstance(run, dict) or set(run) - {"name", "set"} or "name" not in run:
            raise StudyError(f"{where}: write each run as {{name: ..., set: {{dotted.key: value}}}}, got {run!r}")
        name = str(run["name"])
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]*", name):
            raise StudyError(f"{where}.name: {name!r} must be letters, digits, '.', '_', '+', '-' (a folder name)")
        overrides = run.get("set") or {}
        if not isinstance(overrides, dict):
            raise StudyError(f"{where}.set: a mapping of settings, got {overrides!r}")
        result.append(ListedRun(name, flat_overrides(overrides, f"study run {name!r} ({where}.set)"), where))
    return result


def _name_clash(first: ListedRun, second: ListedRun) -> StudyError:
    name = first.name
    if first.origin == second.origin == "study.grid":
        return StudyError(
            f"study.grid: two combinations are both named {name!r} ({first.overrides} and {second.overrides}); "
            "a grid run is named <last part of each key>-<value>, joined by '_': give values that read "
            "differently, or list these runs in study.runs under names of your own"
        )
    if "study.grid" in (first.origin, second.origin):
        grid, listed = (first, second) if first.origin == "study.grid" else (second, first)
        return StudyError(
            f"{listed.origin}.name: {name!r} is also the name study.grid gives the run {grid.overrides}; "
            "rename the run in study.runs"
        )
    return StudyError(f"study: two runs are named {name!r} ({first.origin}, {second.origin}); rename one in study.runs")


def listed_runs(config: dict) -> list[ListedRun]:
    study = config.get("study") or {}
    listed = grid_runs(study.get("grid") or {}) + explicit_runs(study.get("runs") or [])
    if not listed:
        raise StudyError("study: lists no runs (give study.grid and/or study.runs)")
    seen: dict[str, ListedRun] = {}
    for run in listed:
        if run.name in seen:
            raise _name_clash(seen[run.name], run)
        seen[run.name] = run
    return listed


def expand_study(config: dict) -> dict[str, dict]:
    """Run name -> that run's config (the base without the study section, its overrides set),
    in a stable order. The base config is not modified."""
    base = {key: value for key, value in config.items() if key != "study"}
    runs: dict[str, dict] = {}
    for run in listed_runs(config):
        run_config = copy.deepcopy(base)
        for key, value in run.overrides.items():
            set_dotted(run_config, key, value)
        runs[run.name] = run_config
    return runs


def validated_runs(config: dict) -> dict[str, dict]:
    """expand_study, each run's config then filled and checked as a whole; errors name the run."""
    from .config import ConfigError, validate_config

    runs = expand_study(config)
    for name, run_config in runs.items():
        try:
            validate_config(run_config)
        except ConfigError as error:
            raise StudyError(f"study run {name!r}: {error}") from None
    return runs


def swept_keys(config: dict) -> list[str]:
    """The dotted settings the study varies, in the order written (grid first)."""
    keys: list[str] = []
    for run in listed_runs(config):
        keys += [key for key in run.overrides if key not in keys]
    return keys


def _fingerprint(config: dict, settings: Iterable[str]) -> str:
    return json.dumps({key: get_dotted(config, key) for key in settings}, sort_keys=True, default=str)


def provider(runs: dict[str, dict], run: str, settings: Iterable[str]) -> str:
    """The first run whose `settings` equal `run`'s (a shared stage's rules are named after it)."""
    settings = tuple(settings)
    wanted = _fingerprint(runs[run], settings)
    return next(name for name, config in runs.items() if _fingerprint(config, settings) == wanted)


@dataclass(frozen=True)
class SharedStage:
    """A stage runs share: the rule that makes it in a run, the files, the settings that decide them."""

    rule: str
    files: tuple[str, ...]
    settings: tuple[str, ...]

    @property
    def folder(self) -> str:
        """The single-run folder of its files (results/data/, results/model/)."""
        return os.path.dirname(self.files[0]) + "/"


SHARED_STAGES = {
    "data": SharedStage("prepare_data", (paths.DATASET, paths.DATASET_SUMMARY), DATA_SETTINGS),
    "model": SharedStage("train", (paths.WEIGHTS, paths.SPEC, paths.TRAIN_LOG), MODEL_SETTINGS),
}
# Folders of a rule's log: and benchmark: files (relative, as the rules write them)
JOB_RECORD_FOLDERS = ("logs/", "benchmarks/")


def shared_folder(config: dict, stage: str) -> str:
    """results/shared/<stage>/<key>: the key is a hash of the settings that decide the stage."""
    fingerprint = _fingerprint(config, SHARED_STAGES[stage].settings)
    key = hashlib.sha256(fingerprint.encode()).hexdigest()[:12]
    return paths.STUDY_SHARED.format(stage=stage, key=key)


def shared_file(config: dict, stage: str, file: str) -> str:
    """Where the study keeps a run's `file` (a single-run path) of a shared stage."""
    folder = SHARED_STAGES[stage].folder
    return f"{shared_folder(config, stage)}/{file[len(folder) :]}"


def stage_prefixes(config: dict, stage: str) -> dict[str, str]:
    """Snakemake `replace_prefix` of the module that makes `stage` with this run's settings: its
    files and those of the stages before it (its inputs) in their shared folders, its logs and
    benchmark files in its own."""
    prefixes = {}
    for name, shared in SHARED_STAGES.items():
        prefixes[shared.folder] = shared_folder(config, name) + "/"
        if name == stage:
            break
    own = shared_folder(config, stage)
    prefixes.update({folder: f"{own}/{folder}" for folder in JOB_RECORD_FOLDERS})
    return prefixes


def collect_study(runs: dict[str, dict], keys: list[str], root: str | Path = ".") -> StudyResults:
    """Every run's results (results/runs/<run>/ under `root`, read through results.load_results) with its
    swept settings."""
    return StudyResults(
        keys,
        [
            study_run(
                name,
                get_dotted(config, "model.name"),
                {key: get_dotted(config, key) for key in keys},
                Path(root) / paths.STUDY_RUN.format(run=name),
            )
            for name, config in runs.items()
        ],
    )


def study_rows(study: StudyResults) -> list[dict]:
    """results/study.tsv: one row per run and target: run, model, the other swept settings, then the
    record's summary.tsv columns."""
    rows = []
    for run in study.runs:
        fixed = {"run": run.name, "model": run.model}
        fixed.update({key: _cell(value) for key, value in run.settings.items() if key != "model.name"})
        rows.extend({**fixed, **{column: record.get(column) for column in TABLE_COLUMNS}} for record in run.records)
    return rows


def _cell(value):
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value

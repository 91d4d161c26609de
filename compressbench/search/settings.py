"""The `search` config section: objectives, constraint, budget and the space of candidates.

`SearchSettings.from_config` reads a validated config (workflow/schemas/config.schema.yaml holds
every default) and stops a search that cannot run before any job starts, naming the key: an
objective that is not a column a trial measures, a constraint without a base, no validation
split, an empty space, a target the registry lacks or of another runtime, a setting that is not
a compression setting, a range with low > high or outside the setting's own bounds.

Importing this module is cheap (no torch, no Optuna): the Snakefile reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from ..config import SCHEMA, ConfigError
from ..metrics import QUALITY_METRICS
from ..targets import TARGETS, runtime_options
from ..targets.search_auto import auto_target

# Columns of summary.tsv a trial measures, by where they come from (tests/test_search.py checks
# that each is a summary.tsv column). Evaluation columns are measured on the validation images.
EVALUATION_COLUMNS = (
    *QUALITY_METRICS,
    "size_bytes",
    "size_gzip_bytes",
    "size_packed_bytes",
    "params",
    "macs",
)
# Timed by the benchmark's code (one repeat, runtime.threads threads), as summary.tsv reports them.
BENCHMARK_COLUMNS = (
    "latency_p50_ms",
    "latency_p99_ms",
    "latency_1thread_p50_ms",
    "throughput_ips",
    "test_set_seconds",
    "tuned_test_set_seconds",
    "naive_test_set_seconds",
    "peak_rss_mb",
    "peak_rss_batch1_mb",
    "load_rss_mb",
    "load_seconds",
    "first_call_ms",
)
OBJECTIVE_COLUMNS = EVALUATION_COLUMNS + BENCHMARK_COLUMNS
# A variant without a packed format is stored as its model files: its packed size is their size.
FALLBACK_COLUMNS = {"size_packed_bytes": "size_bytes"}
RANGE_KEYS = {"low", "high", "log", "step"}


class SearchError(ConfigError):
    """A search that cannot run as configured, or a storage that belongs to another search."""


def drop_pp(base_accuracy: float, accuracy: float) -> float:
    """Accuracy lost against the base in percentage points, rounded to 1e-9 pp so that a drop of
    exactly the allowed amount (0.815 -> 0.805 is 1.0000000000000009 in floats) meets the constraint."""
    return round(100.0 * (float(base_accuracy) - float(accuracy)), 9)


def objective_value(row: dict, column: str) -> float | None:
    """A variant's value of an objective column (a trial's measurements or a summary.tsv row), with
    the packed size falling back to the files' size; None when the variant has neither."""
    value = row.get(column)
    if value in (None, "") and column in FALLBACK_COLUMNS:
        value = row.get(FALLBACK_COLUMNS[column])
    return None if value in (None, "") else float(value)


@cache
def compression_schema() -> dict:
    """The schema of config.yaml's compression section: which settings exist, their types and bounds."""
    return yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))["properties"]["compression"]["properties"]


def schema_errors(value, schema: dict) -> list[str]:
    import jsonschema

    return [error.message for error in jsonschema.Draft202012Validator(schema).iter_errors(value)]


@dataclass(frozen=True)
class Setting:
    """One compression setting of a candidate: a range Optuna draws from, a list of choices, or a
    fixed value. `layer` names the layer of a per-layer setting (structured_layer_ratios)."""

    key: str
    layer: str | None
    kind: str  # int | float | choices | fixed
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: tuple = ()
    value: Any = None

    @property
    def name(self) -> str:
        return self.key if self.layer is None else f"{self.key}.{self.layer}"

    def draw(self, trial, param: str):
        """The value for one trial (an optuna.Trial, or anything with its suggest_* methods)."""
        if self.kind == "int":
            return trial.suggest_int(param, int(self.low), int(self.high), log=self.log, step=int(self.step or 1))
        if self.kind == "float":
            return trial.suggest_float(param, float(self.low), float(self.high), log=self.log, step=self.step)
        if self.kind == "choices":
            return trial.suggest_categorical(param, list(self.choices))
        return self.value


@dataclass(frozen=True)
class Candidate:
    """A registry target the search may choose, with the settings its build steps read."""

    target: str
    settings: tuple[Setting, ...]

    def draw(self, trial) -> dict:
        """Compression-setting overrides for one trial; Optuna's parameters are named <target>:<setting>."""
        overrides: dict = {}
        for setting in self.settings:
            value = setting.draw(trial, f"{self.target}:{setting.name}")
            if setting.layer is None:
                overrides[setting.key] = value
            else:
                overrides.setdefault(setting.key, {})[setting.layer] = value
        return overrides


@dataclass(frozen=True)
class Objective:
    column: str
    direction: str  # minimize | maximize

    @property
    def timed(self) -> bool:
        return self.column in BENCHMARK_COLUMNS


@dataclass(frozen=True)
class SearchSettings:
    runtime: str
    objectives: tuple[Objective, ...]
    max_drop_pp: float | None
    base: str | None
    trials: int
    workers: int
    worker_threads: int | None
    seed: int
    startup_trials: int
    population_size: int
    candidates: tuple[Candidate, ...]

    @property
    def auto_target(self) -> str:
        return auto_target(self.runtime)

    @property
    def timed(self) -> bool:
        """Any objective is a timing: trials then run alone, as benchmark jobs do."""
        return any(objective.timed for objective in self.objectives)

    @property
    def directions(self) -> list[str]:
        return [objective.direction for objective in self.objectives]

    def candidate(self, target: str) -> Candidate:
        return next(candidate for candidate in self.candidates if candidate.target == target)

    def threads(self, runtime_threads: int) -> int:
        """Threads of one worker: runtime.threads for a timed objective, else worker_threads or a share."""
        if self.timed:
            return runtime_threads
        if self.worker_threads is not None:
            return self.worker_threads
        return max(1, runtime_threads // self.workers)

    @classmethod
    def from_config(cls, config: dict) -> SearchSettings:
        section = config["search"]
        constraint = section["constraint"]
        settings = cls(
            runtime=section["runtime"],
            objectives=tuple(parse_objectives(section["objectives"])),
            max_drop_pp=constraint["max_drop_pp"],
            base=constraint["base"],
            trials=section["trials"],
            workers=section["workers"],
            worker_threads=section["worker_threads"],
            seed=section["seed"],
            startup_trials=section["startup_trials"],
            population_size=section["population_size"],
            candidates=tuple(parse_space(section["space"], section["runtime"], config)),
        )
        check_budget_and_base(settings, config)
        return settings


def parse_objectives(objectives: list[dict]) -> list[Objective]:
    parsed = []
    for index, objective in enumerate(objectives):
        column = objective["column"]
        if column not in OBJECTIVE_COLUMNS:
            raise SearchError(
                f"search.objectives[{index}].column: {column!r} is not a summary.tsv column a trial measures "
                f"(one of: {', '.join(OBJECTIVE_COLUMNS)})"
            )
        if column in (o.column for o in parsed):
            raise SearchError(f"search.objectives[{index}].column: {column!r} is listed twice")
        parsed.append(Objective(column, objective.get("direction", "minimize")))
    if not 1 <= len(parsed) <= 2:
        raise SearchError(f"search.objectives: {len(parsed)} objectives; give one or two")
    return parsed


def check_budget_and_base(settings: SearchSettings, config: dict) -> None:
    """The budget, the constraint's base and the validation split it is measured on."""
    if settings.trials < 1:
        raise SearchError(f"search.trials={settings.trials}: at least 1")
    if settings.workers < 1:
        raise SearchError(f"search.workers={settings.workers}: at least 1")
    if settings.max_drop_pp is not None and settings.base is None:
        raise SearchError(
            f"search.constraint.base: null, but max_drop_pp={settings.max_drop_pp} needs a base model to measure "
            "the drop from (e.g. pytorch, the trained model); or set max_drop_pp: null for no constraint"
        )
    if settings.base is not None:
        if settings.base not in TARGETS:
            raise SearchError(f"search.constraint.base: unknown target {settings.base!r} (known: {', '.join(TARGETS)})")
        if TARGETS[settings.base].from_search:
            raise SearchError(
                f"search.constraint.base: {settings.base!r} is what the search decides; name a fixed target"
            )
    if config["dataset"]["validation_size"] < 2:
        raise SearchError(
            f"dataset.validation_size={config['dataset']['validation_size']}: a search selects on a validation split "
            "held out of the training images, never on the test images; set e.g. 5000 for CIFAR-10, 200 for digits"
        )
    if settings.timed and settings.worker_threads is not None:
        raise SearchError(
            f"search.worker_threads={settings.worker_threads}: a timed objective measures with runtime.threads, "
            "as the benchmark jobs do; leave it null"
        )


def parse_space(space: list[dict], runtime: str, config: dict) -> list[Candidate]:
    if not space:
        raise SearchError("search.space: empty; list at least one candidate target with its settings")
    auto = TARGETS[auto_target(runtime)]
    openvino_precision = config["runtime"]["openvino_precision"]
    candidates: list[Candidate] = []
    for index, entry in enumerate(space):
        where = f"search.space[{index}]"
        name = entry["target"]
        check_candidate_target(name, f"{where}.target", runtime, auto, openvino_precision)
        if name in (c.target for c in candidates):
            raise SearchError(f"{where}.target: {name!r} is listed twice; give each candidate once")
        settings = entry.get("settings") or {}
        if not isinstance(settings, dict):
            raise SearchError(f"{where}.settings: a mapping of compression settings, got {settings!r}")
        parsed = [item for key, spec in settings.items() for item in parse_setting(key, spec, f"{where}.settings")]
        candidates.append(Candidate(name, tuple(parsed)))
    return candidates


def check_candidate_target(name: str, where: str, runtime: str, auto, openvino_precision: str) -> None:
    if name not in TARGETS:
        raise SearchError(f"{where}: the registry has no target {name!r} (known: {', '.join(TARGETS)})")
    target = TARGETS[name]
    if target.from_search or target.method in ("baseline", "reduced_precision"):
        raise SearchError(f"{where}: {name!r} applies no compression method ({target.method}); name a method's target")
    if target.runtime != runtime:
        raise SearchError(
            f"{where}: {name!r} runs on {target.runtime}, the search on {runtime} (search.runtime): every candidate "
            f"runs in the runtime of the chosen variant's target {auto.name}"
        )
    options, auto_options = runtime_options(target, openvino_precision), runtime_options(auto, openvino_precision)
    if options != auto_options:
        raise SearchError(
            f"{where}: {name!r} runs with runtime options {options}, the chosen variant's target {auto.name} with "
            f"{auto_options}: it could not run this candidate as it was measured"
        )


def parse_setting(key: str, spec, where: str) -> list[Setting]:
    schema = compression_schema()
    if key not in schema:
        raise SearchError(f"{where}.{key}: not a compression setting (known: {', '.join(schema)})")
    prop = schema[key]
    if prop.get("type") == "object":  # per-layer settings: one range, list or value per layer
        if not isinstance(spec, dict) or not spec:
            raise SearchError(f"{where}.{key}: a mapping of layer name -> range, choices or value, got {spec!r}")
        return [
            parse_one(key, layer, value, prop["additionalProperties"], f"{where}.{key}.{layer}")
            for layer, value in spec.items()
        ]
    return [parse_one(key, None, spec, prop, f"{where}.{key}")]


def parse_one(key: str, layer: str | None, spec, prop: dict, where: str) -> Setting:
    def check(value, what: str):
        errors = schema_errors(value, prop)
        if errors:
            raise SearchError(f"{where}{what}: {value!r} is not a value of this setting ({'; '.join(errors)})")

    if isinstance(spec, dict) and "choices" in spec:
        choices = spec["choices"]
        if set(spec) != {"choices"} or not isinstance(choices, list) or not choices:
            raise SearchError(f"{where}: choices take a non-empty list and nothing beside it, got {spec!r}")
        for choice in choices:
            check(choice, ".choices")
        return Setting(key, layer, "choices", choices=tuple(choices))
    if isinstance(spec, dict) and ("low" in spec or "high" in spec):
        return parse_range(key, layer, spec, prop, where, check)
    check(spec, "")
    return Setting(key, layer, "fixed", value=spec)


def parse_range(key: str, layer: str | None, spec: dict, prop: dict, where: str, check) -> Setting:
    unknown = sorted(set(spec) - RANGE_KEYS)
    if unknown or not {"low", "high"} <= set(spec):
        raise SearchError(f"{where}: a range is {{low, high}} with optional log and step, got {spec!r}")
    low, high = spec["low"], spec["high"]
    check(low, ".low")
    check(high, ".high")
    if low > high:
        raise SearchError(f"{where}: low {low} > high {high}")
    log = bool(spec.get("log", False))
    if log and low <= 0:
        raise SearchError(f"{where}: a log range needs low > 0, got {low}")
    step = spec.get("step")
    if step is not None and (log or step <= 0):
        raise SearchError(f"{where}: step {step}: positive, and not with log")
    types = prop.get("type")
    kind = "int" if types == "integer" or (isinstance(types, list) and "integer" in types) else "float"
    return Setting(key, layer, kind, low=low, high=high, log=log, step=step)


def job_config(config: dict) -> dict:
    """The parts of the config a search job reads (its params): a change to any other setting does not
    rerun the search. SearchSettings.from_config and fingerprint read it like the whole config."""
    return {
        "search": config["search"],
        "dataset": {"validation_size": config["dataset"]["validation_size"]},
        "runtime": {"openvino_precision": config["runtime"]["openvino_precision"]},
        "compression": config["compression"],
        "export": config["export"],
    }


def fingerprint(config: dict) -> dict:
    """What makes two searches' trials comparable, from the config (the storage keeps it; the setup
    job adds the trained model's and validation split's digests)."""
    section = config["search"]
    return {
        "runtime": section["runtime"],
        "objectives": section["objectives"],
        "constraint": section["constraint"],
        "space": section["space"],
        "compression": config["compression"],
        "export": config["export"],
        "openvino_precision": config["runtime"]["openvino_precision"],
    }


# Where each part of the fingerprint is set, for the message when a storage holds another search.
FINGERPRINT_KEYS = {
    "runtime": "search.runtime",
    "objectives": "search.objectives",
    "constraint": "search.constraint",
    "space": "search.space",
    "compression": "compression",
    "export": "export",
    "openvino_precision": "runtime.openvino_precision",
    "model": "the trained model (results/model/weights.pt)",
    "validation": "the validation split (dataset)",
}


def differing_keys(stored: dict, current: dict) -> list[str]:
    names = sorted(set(stored) | set(current))
    return [FINGERPRINT_KEYS.get(name, name) for name in names if stored.get(name) != current.get(name)]


def settings_text(overrides: dict) -> str:
    """A trial's settings on one line of trials.tsv: `clusters=8; structured_layer_ratios.features.0=0.25`
    (per-layer settings as key.layer; compression keys hold no dot, layer names may)."""
    flat = []
    for key, value in overrides.items():
        items = value.items() if isinstance(value, dict) else [(None, value)]
        flat += [(key if layer is None else f"{key}.{layer}", item) for layer, item in items]
    return "; ".join(f"{name}={item if isinstance(item, str) else json.dumps(item)}" for name, item in flat)


def parse_settings_text(text: str | None) -> dict:
    """settings_text's overrides back (a value that is not JSON is the text itself)."""
    overrides: dict = {}
    for part in (text or "").split("; "):
        if not part:
            continue
        name, _, raw = part.partition("=")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        key, _, layer = name.partition(".")
        if layer:
            overrides.setdefault(key, {})[layer] = value
        else:
            overrides[key] = value
    return overrides


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def check_search(config: dict) -> None:
    """With a `search` section: the settings parse and the chosen variant's target is one of the
    run's targets (appended when missing). Without one: no target may be a search's."""
    searched = [name for name in config["targets"] if TARGETS[name].from_search]
    if "search" not in config:
        if searched:
            raise SearchError(f"targets: {searched[0]!r} is the variant a search chooses; add a `search` section")
        return
    settings = SearchSettings.from_config(config)
    other = [name for name in searched if name != settings.auto_target]
    if other:
        raise SearchError(
            f"targets: {other[0]!r} is another runtime's search target; search.runtime {settings.runtime} "
            f"chooses {settings.auto_target}"
        )
    if settings.auto_target not in config["targets"]:
        config["targets"] = [*config["targets"], settings.auto_target]

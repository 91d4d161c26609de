"""The workflow's config: loaded, filled with the schema's defaults and checked in one place.

workflow/schemas/config.schema.yaml is the only source of defaults. Everything else (the
Snakefile, scripts, tests) gets a full config from `validate_config`, `load_config` or
`default_config`, and the per-stage settings dataclasses are built from it with
`settings_from`, which rejects unknown and missing keys the same way the schema does.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path
from typing import ClassVar

import yaml

from .architectures import check_model_config, narrowing_obstacle
from .machine import physical_cores, usable_cpus
from .targets import TARGETS, family
from .targets.target_spec import NARROWER_METHODS

SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    pass


# Sections with a `threads` setting: the runtimes' (timing, evaluation) and training's (training
# and the builds), apart so that timing one thread does not retrain.
THREAD_SECTIONS = ("runtime", "train")


def check_threads(config: dict) -> None:
    """More threads than CPUs would time the OS scheduler, and runtimes would silently differ
    (OpenVINO caps itself at the cores it finds, PyTorch and ONNX Runtime do not)."""
    cpus = usable_cpus()
    for section in THREAD_SECTIONS:
        threads = config[section].get("threads")
        if threads is not None and threads > cpus:
            raise ConfigError(
                f"{section}.threads={threads}: more than the {cpus} CPUs this machine lets the workflow use; "
                f"set at most {cpus}, or null for one thread per physical core"
            )


def check_narrowing(config: dict) -> None:
    """Targets with a narrower network need a model that can lose channels."""
    narrower = [name for name in config["targets"] if family(name) in NARROWER_METHODS]
    obstacle = narrowing_obstacle(config["model"])
    if narrower and obstacle:
        raise ConfigError(
            f"targets: {', '.join(narrower)} remove channels from the network, but {obstacle}, "
            "or leave these targets out"
        )


def served_targets(config: dict) -> list[str]:
    """serve.targets, or every target when it is null."""
    served = config["serve"]["targets"]
    return list(config["targets"]) if served is None else list(served)


def check_served_targets(config: dict) -> None:
    missing = [name for name in served_targets(config) if name not in config["targets"]]
    if missing:
        raise ConfigError(
            f"serve.targets: {missing[0]!r} is not one of targets ({', '.join(config['targets'])}); "
            "a served target must be built, evaluated and benchmarked first"
        )


def check_config(config: dict) -> None:
    """What the JSON schema cannot express: target names, sources that need a folder, a search
    that can run (its chosen variant's target is appended to targets)."""
    from .search.settings import check_search  # it reads this module's schema path

    unknown = [name for name in config["targets"] if name not in TARGETS]
    if unknown:
        raise ConfigError(f"targets: unknown target {unknown[0]!r} (known: {', '.join(TARGETS)})")
    for name in config["parity"]["thresholds"]:
        if name not in TARGETS:
            raise ConfigError(f"parity.thresholds: unknown target {name!r} (known: {', '.join(TARGETS)})")
    check_served_targets(config)
    try:
        check_model_config(config["model"])
    except ValueError as error:
        raise ConfigError(str(error)) from None
    check_narrowing(config)
    dataset = config["dataset"]
    if dataset["name"] != "digits" and not dataset["root"]:
        raise ConfigError(f"dataset.root: required for dataset.name={dataset['name']!r}")
    check_threads(config)
    check_search(config)


def validate_config(config: dict) -> dict:
    """Fill the schema's defaults into `config` (in place), check it, and return it."""
    from snakemake.utils import validate  # the same validator (and messages) as the Snakefile's

    try:
        validate(config, str(SCHEMA))
    except Exception as error:  # snakemake's WorkflowError wraps jsonschema's message
        raise ConfigError(str(error)) from None
    check_config(config)
    return config


def load_config(*sources: str | Path | dict) -> dict:
    """YAML files and/or dicts merged in order, then validated: the config a run would use."""
    from snakemake.utils import update_config  # Snakemake's own merge of --configfile over configfile

    config: dict = {}
    for source in sources:
        values = source if isinstance(source, dict) else yaml.safe_load(Path(source).read_text(encoding="utf-8"))
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: a config file must be a mapping of sections, got {type(values).__name__}")
        update_config(config, copy.deepcopy(values))
    return validate_config(config)


def default_config() -> dict:
    """Every key at its schema default."""
    return load_config({})


def settings_from(cls, section: str, values: dict, **derived):
    """A settings dataclass from a config section plus derived values (e.g. threads).

    Unknown and missing keys fail with the section's name, as the schema fails on config.yaml.
    """
    fields = {field.name for field in dataclasses.fields(cls)}
    unknown = sorted(set(values) - fields)
    if unknown:
        raise ConfigError(f"{section}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(fields))})")
    missing = sorted(fields - set(values) - set(derived))
    if missing:
        raise ConfigError(f"{section}: missing key(s) {', '.join(missing)}")
    return cls(**values, **derived)


class FromConfig:
    """Mixin of a settings dataclass built from one config section: `section` names it."""

    section: ClassVar[str]

    @classmethod
    def from_config(cls, values: dict, **derived):
        return settings_from(cls, cls.section, values, **derived)


def thread_count(config: dict, section: str = "runtime") -> int:
    """runtime.threads (the runtimes, in evaluation and benchmarks; 1 by default) or train.threads (training
    and the targets' builds); null: the machine's physical cores."""
    return config[section]["threads"] or min(physical_cores(), usable_cpus())


def compute_claim(threads: int, cores: int | None, cpus: int) -> int:
    """Cores a compute job (`threads` busy threads) claims from Snakemake's --cores.

    `snakemake --cores 4` on a 2-CPU machine would run two 2-thread jobs side by side: 4 spinning
    OpenMP threads on 2 CPUs, which slowed a LeNet-5 fine-tune 50-fold in a test here. Scaling the
    claim by cores / CPUs keeps the threads of concurrent compute jobs within the CPUs. Without a
    --cores total (a cluster profile) the claim is the threads.
    """
    if not cores or cores <= cpus:
        return threads
    return min(cores, math.ceil(threads * cores / cpus))


def data_params(config: dict) -> dict:
    """The dataset settings a prepare_data job reads (its params). validation_size is left out at 0,
    its default: a config without a validation split keeps the params it had before the key
    existed, so its prepared data and trained model are not rebuilt."""
    dataset = dict(config["dataset"])
    if not dataset.get("validation_size"):
        dataset.pop("validation_size", None)
    return dataset


def parity_threshold(config: dict, target: str) -> float:
    return float(config["parity"]["thresholds"].get(target, TARGETS[target].parity_threshold))

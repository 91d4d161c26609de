"""Checks config.yaml cannot express in its JSON schema, and derived settings."""

from __future__ import annotations

import os
from pathlib import Path

from .architectures import check_model_config
from .targets import TARGETS


class ConfigError(ValueError):
    pass


def physical_cores() -> int:
    """Physical cores from /proc/cpuinfo (hyperthreads don't add speed to these models)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return os.cpu_count() or 1
    cores = set()
    physical_id = core_id = None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "physical id":
            physical_id = value
        elif key == "core id":
            core_id = value
        elif not line.strip() and core_id is not None:
            cores.add((physical_id, core_id))
            physical_id = core_id = None
    if core_id is not None:
        cores.add((physical_id, core_id))
    return len(cores) or os.cpu_count() or 1


def check_config(config: dict) -> None:
    unknown = [name for name in config["targets"] if name not in TARGETS]
    if unknown:
        raise ConfigError(f"targets: unknown target {unknown[0]!r} (known: {', '.join(TARGETS)})")
    for name in config["parity"]["thresholds"]:
        if name not in TARGETS:
            raise ConfigError(f"parity.thresholds: unknown target {name!r} (known: {', '.join(TARGETS)})")
    try:
        check_model_config(config["model"])
    except ValueError as error:
        raise ConfigError(str(error)) from None
    dataset = config["dataset"]
    if dataset["name"] != "digits" and not dataset.get("root"):
        raise ConfigError(f"dataset.root: required for dataset.name={dataset['name']!r}")


def thread_count(config: dict) -> int:
    return config["runtime"]["threads"] or physical_cores()


def parity_threshold(config: dict, target: str) -> float:
    return float(config["parity"]["thresholds"].get(target, TARGETS[target].parity_threshold))

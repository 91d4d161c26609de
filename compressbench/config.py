"""Checks config.yaml cannot express in its JSON schema, and derived settings."""

from __future__ import annotations

import math
import os
from pathlib import Path

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


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask, lowered by a cgroup CPU quota (containers)."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        return count
    return count if quota == "max" else max(1, min(count, math.ceil(int(quota) / int(period))))


def check_threads(config: dict) -> None:
    """More threads than CPUs would time the OS scheduler, and runtimes would silently differ
    (OpenVINO caps itself at the cores it finds, PyTorch and ONNX Runtime do not)."""
    threads, cpus = config["runtime"].get("threads"), usable_cpus()
    if threads is not None and threads > cpus:
        raise ConfigError(
            f"runtime.threads={threads}: more than the {cpus} CPUs this machine lets the workflow use; "
            f"set at most {cpus}, or null for one thread per physical core"
        )


def check_config(config: dict) -> None:
    unknown = [name for name in config["targets"] if name not in TARGETS]
    if unknown:
        raise ConfigError(f"targets: unknown target {unknown[0]!r} (known: {', '.join(TARGETS)})")
    for name in config["parity"]["thresholds"]:
        if name not in TARGETS:
            raise ConfigError(f"parity.thresholds: unknown target {name!r} (known: {', '.join(TARGETS)})")
    dataset = config["dataset"]
    if dataset["name"] != "digits" and not dataset.get("root"):
        raise ConfigError(f"dataset.root: required for dataset.name={dataset['name']!r}")
    check_threads(config)


def thread_count(config: dict) -> int:
    return config["runtime"]["threads"] or min(physical_cores(), usable_cpus())


def parity_threshold(config: dict, target: str) -> float:
    return float(config["parity"]["thresholds"].get(target, TARGETS[target].parity_threshold))

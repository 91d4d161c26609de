"""The machine a run happens on, read once from /proc/cpuinfo and the OS: the one place that describes it.

Nothing here is hard-coded about a CPU: every fact is detected, and an unknown one is None.
"""

from __future__ import annotations

import math
import os
import platform
import shutil
import socket
import sys
from importlib import metadata
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")

# /proc/cpuinfo flag -> name in the report. These decide which kernels the runtimes pick:
# AVX-512 BF16 / AMX make OpenVINO run FP32 models in bf16 by default; VNNI/AMX-INT8 speed up INT8.
ISA_FLAGS = {
    "avx2": "AVX2",
    "avx512f": "AVX-512F",
    "avx512_bf16": "AVX-512 BF16",
    "avx512_vnni": "AVX-512 VNNI",
    "avx512_fp16": "AVX-512 FP16",
    "avx_vnni": "AVX-VNNI",
    "amx_bf16": "AMX-BF16",
    "amx_int8": "AMX-INT8",
    "amx_fp16": "AMX-FP16",
}
# x86 VNNI: u8 x s8 products accumulate without int16 saturation; without it ONNX Runtime and
# PyTorch advise 7-bit ranges (reduce_range) on x86.
VNNI_FLAGS = {"avx512_vnni", "avx_vnni"}
LIBRARIES = ["torch", "onnxruntime", "openvino", "onnx", "numpy", "nncf", "scikit-learn", "snakemake"]


def read_cpuinfo(path: str | Path = CPUINFO) -> list[dict[str, str]]:
    """One dict per processor block of /proc/cpuinfo (key -> value); [] when it cannot be read."""
    try:
        text = Path(path).read_text()
    except OSError:
        return []
    blocks, block = [], {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            block.setdefault(key.strip(), value.strip())
        elif block:
            blocks.append(block)
            block = {}
    if block:
        blocks.append(block)
    return blocks


def cpu_flags(blocks: list[dict[str, str]]) -> set[str]:
    return set(blocks[0].get("flags", "").split()) if blocks else set()


def physical_cores(blocks: list[dict[str, str]] | None = None) -> int:
    """Distinct (physical id, core id) pairs: hyperthreads don't add speed to these models."""
    blocks = read_cpuinfo() if blocks is None else blocks
    cores = {(block.get("physical id"), block["core id"]) for block in blocks if "core id" in block}
    return len(cores) or os.cpu_count() or 1


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask (taskset), lowered by a cgroup CPU quota
    (containers), so it can be fewer than the machine has."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        return count
    return count if quota == "max" else max(1, min(count, math.ceil(int(quota) / int(period))))


def has_vnni(blocks: list[dict[str, str]] | None = None) -> bool:
    return bool(cpu_flags(read_cpuinfo() if blocks is None else blocks) & VNNI_FLAGS)


def isa_features(flags: set[str]) -> dict[str, bool | None]:
    """Report name -> present; all None (unknown, not absent) when no flags could be read."""
    if not flags:
        return dict.fromkeys(ISA_FLAGS.values())
    return {name: flag in flags for flag, name in ISA_FLAGS.items()}


def isa_flag_names(environment: dict) -> set[str]:
    """The /proc/cpuinfo names (ISA_FLAGS keys) of the features environment.json records as present."""
    present = {name for name, on in (environment.get("isa") or {}).items() if on}
    return {flag for flag, name in ISA_FLAGS.items() if name in present}


def library_versions(names: list[str] = LIBRARIES) -> dict[str, str | None]:
    """Installed distribution versions; None where a library is not installed."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def virtual_machine(blocks: list[dict[str, str]]) -> bool | None:
    """Whether the CPU reports the `hypervisor` flag, which a guest of a virtual machine sees (None without
    /proc/cpuinfo): on a VM the host decides how much of its CPUs the guest gets, which the report's
    timings are read against."""
    return "hypervisor" in cpu_flags(blocks) if blocks else None


def describe_machine(threads: int | None = None, cpuinfo_path: str | Path = CPUINFO) -> dict:
    """results/environment.json: CPU, ISA features, cores, host, OS, library versions."""
    blocks = read_cpuinfo(cpuinfo_path)
    first = blocks[0] if blocks else {}
    return {
        "hostname": socket.gethostname(),
        "cpu_model": first.get("model name") or platform.processor() or None,
        "cpu_vendor": first.get("vendor_id"),
        "physical_cores": physical_cores(blocks),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable_cpus(),
        "threads_configured": threads,
        "isa": isa_features(cpu_flags(blocks)),
        "virtual_machine": virtual_machine(blocks),
        "os": platform.platform(),
        "kernel": platform.release(),
        "machine": platform.machine(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "libraries": library_versions(),
    }


def host_fields(cpuinfo_path: str | Path = CPUINFO, environ: dict | None = None) -> dict:
    """The node a benchmark ran on, recorded with its numbers: on a cluster one run's jobs may land
    on different nodes, and timings from different nodes or CPUs are not comparable.
    slurm_job_id is None outside a SLURM job."""
    environ = os.environ if environ is None else environ
    blocks = read_cpuinfo(cpuinfo_path)
    return {
        "hostname": socket.gethostname(),
        "cpu_model": (blocks[0].get("model name") if blocks else None) or platform.processor() or None,
        "slurm_job_id": environ.get("SLURM_JOB_ID"),
    }


# What Snakemake's SLURM executor calls on the machine that submits: sbatch to submit, squeue or
# sacct for the status, scontrol for the cluster's configuration.
SLURM_COMMANDS = ("sbatch", "squeue", "scontrol")


def missing_cluster_commands(executor: str | None) -> str | None:
    """Why the jobs cannot be submitted with `executor`, or None (also for local runs)."""
    if executor != "slurm":
        return None
    missing = [command for command in SLURM_COMMANDS if shutil.which(command) is None]
    if not missing:
        return None
    return (
        f"--executor slurm (e.g. --profile profiles/slurm): SLURM's commands are not installed on this machine "
        f"({', '.join(missing)} not found on PATH). Start the workflow on the cluster's login node, or run it "
        "here without the profile (snakemake --cores N)"
    )

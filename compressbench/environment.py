"""The machine a benchmark ran on: CPU, the ISA features that decide speed, OS, library versions."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path

from .config import physical_cores

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
LIBRARIES = ["torch", "onnxruntime", "openvino", "onnx", "numpy", "nncf", "scikit-learn", "snakemake"]


def cpuinfo_fields(text: str) -> dict:
    """Model name and flags of the first processor block of /proc/cpuinfo text."""
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep:
            if fields:
                break
            continue
        if key in ("model name", "flags", "vendor_id") and key not in fields:
            fields[key] = value.strip()
    return fields


def isa_features(flags: str | set[str]) -> dict[str, bool]:
    present = set(flags.split()) if isinstance(flags, str) else set(flags)
    return {name: flag in present for flag, name in ISA_FLAGS.items()}


def library_versions(names: list[str] = LIBRARIES) -> dict[str, str | None]:
    """Installed distribution versions; None where a library is not installed."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def collect_environment(threads: int | None = None, cpuinfo_path: str | Path = "/proc/cpuinfo") -> dict:
    try:
        fields = cpuinfo_fields(Path(cpuinfo_path).read_text())
    except OSError:
        fields = {}
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count()
    flags = fields.get("flags", "")
    return {
        "cpu_model": fields.get("model name") or platform.processor() or None,
        "cpu_vendor": fields.get("vendor_id"),
        "physical_cores": physical_cores(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable,
        "threads_configured": threads,
        # None: unknown (no cpuinfo flags to read), not absent
        "isa": isa_features(flags) if flags else dict.fromkeys(ISA_FLAGS.values()),
        "os": platform.platform(),
        "kernel": platform.release(),
        "machine": platform.machine(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "libraries": library_versions(),
    }

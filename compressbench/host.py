"""Which machine a benchmark ran on, recorded with its numbers.

On a cluster the jobs of one study may land on different nodes; timings taken on different nodes or
CPUs are not comparable, so every benchmark summary names its node, CPU and (under SLURM) job.
"""

from __future__ import annotations

import os
import platform
import socket
from pathlib import Path

from .environment import cpuinfo_fields


def host_fields(cpuinfo_path: str | Path = "/proc/cpuinfo", environ: dict | None = None) -> dict:
    """host: the node's name; host_cpu: its CPU model; slurm_job_id: None outside a SLURM job."""
    environ = os.environ if environ is None else environ
    try:
        cpu = cpuinfo_fields(Path(cpuinfo_path).read_text()).get("model name")
    except OSError:  # no /proc (not Linux): the platform's own name, if it has one
        cpu = None
    return {
        "host": socket.gethostname(),
        "host_cpu": cpu or platform.processor() or None,
        "slurm_job_id": environ.get("SLURM_JOB_ID"),
    }

"""Resident memory of this process, as the kernel counts it.

On Linux ``/proc/self/status`` gives the current resident set (VmRSS) and its high-water
mark (VmHWM), and writing ``5`` to ``/proc/self/clear_refs`` resets the mark to the current
RSS (proc(5)), so a peak can be measured from a chosen moment on. Elsewhere the peak falls
back to ``resource.getrusage`` (not resettable) and the current RSS is unknown.
RSS counts every resident page of the process: the interpreter, imported libraries (a
runtime's shared libraries are a large part of a small model's figure), the model and
its buffers, and the input images.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")
RESET_PEAK = "5"  # proc(5): "reset the peak resident set size to the current value"


def parse_status_kib(text: str, key: str) -> int | None:
    """A `Key:  1234 kB` field of /proc/<pid>/status in KiB, None when absent."""
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name == key:
            number, *unit = value.split()
            if unit and unit[0] != "kB":
                raise ValueError(f"{key}: unexpected unit {unit[0]!r} in /proc status")
            return int(number)
    return None


def _status(key: str) -> int | None:
    try:
        return parse_status_kib(STATUS.read_text(), key)
    except OSError:
        return None


def rss_mb() -> float | None:
    """Current resident set size in MiB (None where /proc is unavailable)."""
    kib = _status("VmRSS")
    return kib / 1024.0 if kib is not None else None


def peak_rss_mb() -> float:
    """Peak resident set size in MiB: since the last reset_peak(), or since the process started."""
    kib = _status("VmHWM")
    if kib is not None:
        return kib / 1024.0
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max_rss / (1024.0 * 1024.0) if sys.platform == "darwin" else max_rss / 1024.0  # bytes vs KiB


def reset_peak() -> bool:
    """Reset the peak RSS to the current RSS; False where the kernel does not allow it."""
    try:
        CLEAR_REFS.write_text(RESET_PEAK)
    except OSError:
        return False
    return True

"""Timing the preparation, from the trained weights to a model a runtime loads: the ONNX export and each
target's build, timed in repeats so that each has a median and a range like every other timing.

The export is repeated `timings` times (workflow/scripts/export_onnx.py, onnx_export.export_repeatedly). A
build is repeated only while it is cheap: the target's folder is built once, and when that first timing,
`timings` times over, fits `build_budget_seconds`, it is built again into throw-away folders until it has
`timings` timings; otherwise it keeps its one timing (a quantization with calibration, a fine-tune or a
distillation is not rerun for its timing), and a figure with one timing has no range, so it resolves no
difference (analysis.rule). Light to import: the Snakefile and the aggregate read it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class PreparationTimings:
    """config.yaml's `preparation` section (defaults: the schema)."""

    timings: int
    build_budget_seconds: float

    @classmethod
    def from_config(cls, values: dict) -> PreparationTimings:
        from .config import settings_from  # config imports the target registry, whose builders import this module

        return settings_from(cls, "preparation", values)

    def build_timings(self, first_seconds: float) -> int:
        """How many timings a build gets, its first one included: all of them when that many of the first
        fit the budget, else only the first."""
        return self.timings if first_seconds * self.timings <= self.build_budget_seconds else 1


# A build timed once: the builds a search's trials make, and any caller that does not ask for repeats
ONCE = PreparationTimings(timings=1, build_budget_seconds=0.0)

PREPARATION_FIELDS = (
    "preparation_seconds",
    "preparation_seconds_low",
    "preparation_seconds_high",
    "preparation_timings",
)


def combined_preparation(parts: list[list[float] | None]) -> dict:
    """The preparation's figures from its parts' timings (the export's, for a target made from it, and the
    build's). The parts are timed apart, in their own jobs, never as pairs, so the sum has no timings of its
    own: its median is the sum of the parts' medians, its range pairs the fastest export with the fastest
    build and the slowest with the slowest (the widest any pairing of the timings could give), and
    `preparation_timings` is the fewest timings of a part (1: a part was timed once, so the figure has no
    range). All None when a part was not timed."""
    if not parts or any(not part for part in parts):
        return dict.fromkeys(PREPARATION_FIELDS)
    return {
        "preparation_seconds": sum(statistics.median(part) for part in parts),
        "preparation_seconds_low": sum(min(part) for part in parts),
        "preparation_seconds_high": sum(max(part) for part in parts),
        "preparation_timings": min(len(part) for part in parts),
    }

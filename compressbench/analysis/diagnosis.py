"""Findings of the "why is it (not) faster" section: each variant against its reference from their
per-layer profiles (compressbench.diagnosis), and each diagnosed target's profile.

The diagnosis ranks the measured causes and gains; whether a variant is faster, slower or not
resolved is the variants section's comparison (the one rule, analysis.rule), copied into the
diagnosis so the report never states two verdicts for one comparison. A run without profiles
(profile.enabled: false, or a target whose profile job has not run) has no diagnosis findings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .. import diagnosis as dx
from .. import paths
from ..opprofile import BatchProfile, OpRow, read_profile
from ..runtimes import PROFILER_TOOLS
from ..tables import read_json
from .findings import MEASURED, Finding, body, make
from .rule import Comparison, compare, time_ratio
from .view import Run

SECTION = "diagnosis"
SETTING_METRIC = {"batch1": "latency", "best": "throughput"}  # the benchmark figure of each setting

for _type in (
    dx.Diagnosis,
    dx.BatchDiagnosis,
    dx.Cause,
    dx.Gain,
    dx.LayerComparison,
    dx.MacExplanation,
    dx.UnmeasuredLayers,
    dx.Int8Layers,
    BatchProfile,
    OpRow,
):
    body(_type)  # the diagnosis's own dataclasses are the findings' bodies


@body
@dataclass(frozen=True)
class TargetProfile:
    """One target's per-layer profile at batch 1 and at its best batch, and the tool that took it."""

    target: str
    profiler: str  # as the profile's summary.json says it
    tool: str | None  # runtimes.PROFILER_TOOLS: the tool's language-free id
    batches: tuple[BatchProfile, ...]

    def statement(self) -> str:
        sizes = ", ".join(str(b.batch) for b in self.batches)
        return f"{self.target}: per-layer profile by {self.profiler} at batch {sizes}"


def verdict(comparison: Comparison, variant: str) -> str:
    """FASTER/SLOWER/UNRESOLVED/UNMEASURED of the variant, from the variants section's comparison."""
    if comparison.ratio is None:
        return dx.UNMEASURED
    if not comparison.resolved:
        return dx.UNRESOLVED
    return dx.FASTER if comparison.better == variant else dx.SLOWER


def with_run_verdicts(run: Run, found: dx.Diagnosis) -> dx.Diagnosis:
    """The diagnosis with each setting's speed ratio and verdict taken from the run's comparisons."""

    def setting(d: dx.BatchDiagnosis) -> dx.BatchDiagnosis:
        metric = SETTING_METRIC[d.setting]
        ratio = time_ratio(run, metric, found.variant, found.reference)
        status = verdict(compare(run, metric, found.variant, found.reference), found.variant)
        return replace(d, speed_ratio=ratio.value if ratio else None, status=status)

    return replace(found, batch1=setting(found.batch1), best=setting(found.best))


def statement(d: dx.Diagnosis) -> str:
    parts = []
    for s in d.settings:
        top = f"cause {s.top_cause.kind} {s.top_cause.share:.0%}" if s.top_cause else "no cause"
        gain = f", gain {s.gains[0].kind} {s.gains[0].share:.0%}" if s.gains else ""
        ratio = f"{s.speed_ratio:.3g}x" if s.speed_ratio else "unmeasured"
        parts.append(f"{s.setting} {s.status} ({ratio}): {top}{gain}")
    return f"{d.variant} against {d.reference}: " + "; ".join(parts)


def profiled(root: Path, target: str) -> bool:
    return all((root / paths.PROFILE[name].format(target=target)).is_file() for name in ("ops", "summary"))


def target_profile(run: Run, root: Path, target: str) -> TargetProfile:
    files = [root / paths.PROFILE[name].format(target=target) for name in ("ops", "summary")]
    batches = read_profile(*files)
    profiler, tool = read_json(files[1]).get("profiler", ""), PROFILER_TOOLS.get(run.runtime(target))
    return TargetProfile(target, profiler, tool, tuple(batches[b] for b in sorted(batches)))


def findings(run: Run) -> list[Finding]:
    """A diagnosis per variant whose reference is in the run, when both were profiled; then the
    profiles of the targets the diagnoses compare."""
    root = run.results.root
    if root is None:
        return []
    root = Path(root)
    pairs = [
        (t, run.reference_of(t))
        for t in run.variants
        if run.reference_of(t) in run.targets and profiled(root, t) and profiled(root, run.reference_of(t))
    ]
    results = root / paths.RESULTS
    out = []
    for variant, reference in pairs:
        found = with_run_verdicts(run, dx.diagnose(results, variant, reference))
        out.append(
            Finding(f"diagnosis.variant.{variant}", SECTION, MEASURED, statement(found), found, (variant, reference))
        )
    compared = {t for pair in pairs for t in pair}
    shown = [t for t in run.targets if t in compared]  # in the run's order
    out += [make(f"diagnosis.profile.{t}", SECTION, target_profile(run, root, t), sources=(t,)) for t in shown]
    return out

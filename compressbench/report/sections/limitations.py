"""Limitations: the machine, the seed, the model, the data copy, single measurements."""

from __future__ import annotations

from ...analysis.speed import parallel_latency
from ..tables import model_name
from ..writer import Writer
from .base import Section


def text(w: Writer) -> list[str]:
    run, s = w.run, w.s
    out = [s["limitations.limit_machine"]]
    if any((run.value(t, "repeats") or 0) > 1 for t in run.targets):
        out.append(s["limitations.limit_ranges" if parallel_latency(run) else "limitations.limit_ranges_one_thread"])
        out[-1] += states_in_run(w)
    seed = (run.results.spec.get("train") or {}).get("seed")
    out.append(
        s.say("limitations.limit_seed", seed=str(seed)) if seed is not None else s["limitations.limit_seed_unknown"]
    )
    if any("test_accuracy" in epoch for epoch in run.results.train_log):
        out.append(s["limitations.limit_test_curve"])
    out.append(s.say("limitations.limit_model", model=model_name(w)))
    if run.results.dataset.get("source") == "imagefolder":
        out.append(s["limitations.limit_jpeg"])
    if not any(run.value(t, "repeats") for t in run.targets):
        out.append(s["limitations.limit_no_repeats"])
    return out


def states_in_run(w: Writer) -> str:
    """How often this run's probes found the CPUs below full parallel speed (the appendix's count), where they did:
    the machine the ranges describe was itself changing."""
    found = w.finding("speed.cpu_states")
    if found is None or found.full_windows == found.windows:
        return ""
    below = found.windows - found.full_windows
    numbers = {"below": w.n.integer(below), "windows": w.n.integer(found.windows)}
    return " " + w.s.say("limitations.limit_states", **numbers, title=w.s["speed.state_title"])


SECTION = Section("limitations", "limitations.title", 1, ("list",), text=text)

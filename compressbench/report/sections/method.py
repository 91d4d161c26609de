"""Methodology: data and model, machine and threads, timers, repeats and the one rule for every
comparison, quality statistics, the parity gate, memory."""

from __future__ import annotations

import math

from ...analysis.rule import MCNEMAR_MIN_DISCORDANT, RANK_TEST_ROUNDS, ranges_apart_by_chance, weak_rounds
from ...analysis.speed import parallel_latency
from ...benchmark import latency_part_minimums
from ...repeats import rerun_coverage
from ..tables import is_lenet, model_name
from ..writer import Writer
from .base import Section
from .compression import preparations
from .speed import LATENCY_FIGURE, disagreeing


def text(w: Writer) -> list[str]:
    """What a reader needs to read the results: data and model, the variants, machine and threads, what the
    timers cover, the repeats and the one rule for every comparison, the quality statistics; the rest of the
    method is the appendix's (detail)."""
    run, s, n = w.run, w.s, w.n
    dataset_source = "sklearn_digits" if run.results.dataset.get("source") == "digits" else "cifar10"
    out = [
        s.say(
            "method.method_data",
            model=model_name(w),
            cite_data=w.cite(dataset_source),
            cite_model=f" {w.cite('lenet')}" if is_lenet(w) else "",  # the one registry model with a source
        )
    ]
    out.append(variants(w))
    out.append(s.say("method.method_machine", **machine_words(w), threads_counted=threads_counted(w, run_threads(w))))
    out.append(s["method.method_timers"] + best_batch(w))
    repeats = run_repeats(w)
    if repeats:
        counts = {"repeats": n.integer(repeats), "rounds": n.integer(RANK_TEST_ROUNDS)}
        text = s.say("method.method_repeats", **counts, cite=w.cite("wilcoxon"))
        few = repeats < RANK_TEST_ROUNDS  # the signed-rank test cannot decide: the ranges do
        out.append(text + (" " + s.say("method.method_few_rounds", repeats=n.integer(repeats)) if few else ""))
        full = run_full_rounds(w)
        if 0 < full < repeats:  # the slow figures come from the extended rounds only: defined before any use
            key = "method.method_full_rounds" if parallel_latency(run) else "method.method_full_rounds_one_thread"
            out[-1] += " " + s.say(key, full=n.integer(full), repeats=n.integer(repeats))
    else:
        out.append(s["method.method_single"])
    cites = {"cite_boot": w.cite("bootstrap"), "cite_mcnemar": w.cite("mcnemar")}
    out.append(s.say("method.method_quality", **cites, least=n.integer(MCNEMAR_MIN_DISCORDANT)))
    out.append(s.say("method.method_pointer", title=s["method.detail_title"]))
    return out


def detail(w: Writer) -> list[str]:
    """The appendix's part of the method: why one thread, the timed windows, how each runtime is called, what a
    range says about a rerun and how often ranges fall apart by chance, the parity gate, memory, and how long
    making each variant took."""
    s, n = w.s, w.n
    # the calls and their timed windows first: the section's reference (its figure of the calls) follows them
    out = [(s["method.method_tuned"] + latency_windows(w)).strip()]
    if run_threads(w) == {1}:
        out.append(s["method.method_one_thread"])
    repeats = run_repeats(w)
    if repeats:
        text = s.say("method.method_rerun", repeats=n.integer(repeats), coverage=n.percent(rerun_coverage(repeats), 0))
        full = run_full_rounds(w)
        if 0 < full < repeats:  # the main method says which figures only the extended rounds time
            counts = {"full": n.integer(full), "repeats": n.integer(repeats)}
            chance = [ranges_apart_by_chance(r) for r in (full, repeats)]
            chance_full, chance_all = (n.chance(p) for p in chance)
            consequence = s["method.method_range_weaker" if weak_rounds(full) else "method.method_range_within"]
            text += " " + s.say(
                "method.method_range_chance",
                **counts,
                chance_full=chance_full,
                chance=chance_all,
                consequence=consequence,
            )
        out.append(text)
    out += disagreeing(w)
    gates = parity_gates(w)
    if gates:
        out.append(s.say("method.method_parity", gates=gates))
    out.append(s["method.method_memory"])
    return out + preparations(w)


def run_repeats(w: Writer) -> int:
    """The most benchmark repeats (rounds) of any target in this run; 0 without repeats."""
    return max((w.run.value(t, "repeats") or 0 for t in w.run.targets), default=0)


def run_full_rounds(w: Writer) -> int:
    """The most extended rounds (benchmark.full_repeats) of any target in this run; 0 without repeats."""
    return max((w.run.value(t, "full_repeats") or 0 for t in w.run.targets), default=0)


def run_threads(w: Writer) -> set:
    """The runtimes' thread counts in this run: one, unless its targets were measured apart."""
    return {w.run.value(t, "threads") for t in w.run.targets} - {None}


def machine_words(w: Writer) -> dict[str, str]:
    """The machine as the method and the conclusions name it: its CPU model and its logical CPUs counted."""
    env = w.environment
    return {
        "cpu": str(env.get("cpu_model") or w.n.missing),
        "cpus": w.s.count(env.get("logical_cpus"), "common.forms_cpus"),
    }


def threads_counted(w: Writer, threads: set) -> str:
    """ "1 thread", "2 threads"; several counts (targets measured apart) as a list with the plural noun."""
    if len(threads) == 1:
        return w.s.count(next(iter(threads)), "common.forms_threads_at")
    return f"{', '.join(w.n.integer(x) for x in sorted(threads)) or w.n.missing} {w.s['common.forms_threads_at'][-1]}"


def best_batch(w: Writer) -> str:
    """ " Throughput was measured at batch sizes ...": the sizes the repeats timed and which one is the best."""
    sizes = sorted({int(size) for t in w.run.targets for size in w.run.record(t).throughput_by_batch or {}})
    if not sizes:
        return ""
    return " " + w.s.say("method.method_best_batch", sizes=", ".join(w.n.integer(x) for x in sizes))


def latency_windows(w: Writer) -> str:
    """ " Each batch-1 window first ...": the warm-up and the least calls and seconds of a timed window (the
    benchmark's settings), and how many calls the windows timed here (a variant's mean over its repeats)."""
    run, n = w.run, w.n
    settings = next((run.record(t).benchmark_settings for t in run.targets if run.record(t).benchmark_settings), {})
    per_window = [
        run.value(t, "latency_calls") / run.value(t, "repeats")
        for t in run.targets
        if run.value(t, "latency_calls") and run.value(t, "repeats")
    ]
    if not settings or not per_window:
        return ""
    parts = settings.get("latency_parts") or 1  # a run from before the window had parts: one piece
    part_calls, part_seconds = latency_part_minimums(
        settings.get("latency_min_calls", 0), settings.get("latency_min_seconds", 0), parts
    )
    return " " + w.s.say(
        "method.method_windows" if parts == 1 else "method.method_windows_parts",
        parts=n.integer(parts),
        part_calls=n.integer(part_calls),
        part_seconds=n.fixed(part_seconds, 1)
        if math.isclose(round(part_seconds, 1), part_seconds)
        else n.sig(part_seconds, 2),
        warmup=n.fixed(settings.get("warmup_seconds"), 2),
        calls=n.integer(settings.get("latency_min_calls")),
        seconds=n.fixed(settings.get("latency_min_seconds"), 1),
        timed="–".join(dict.fromkeys(n.integer(round(x, -2)) for x in (min(per_window), max(per_window)))),
    )


def variants(w: Writer) -> str:
    """Which variants the run compares, each label with its abbreviation spelled out: the first
    place a reader meets them all (the parity gates below name them too)."""
    baselines = [w.introduced(t) for t in w.run.base]
    derived = [w.introduced(t) for t in w.run.variants]
    if not derived:
        return w.s.say("method.method_variants_baselines", baselines=w.s.join(baselines))
    return w.s.say(
        "method.method_variants",
        baselines=w.s.join(baselines) or w.n.missing,
        derived=w.s.join(derived),
        section=w.s["compression.title"],
    )


def parity_gates(w: Writer) -> str:
    """ "99.9 % (PyTorch, ONNX Runtime), 97 % (OpenVINO INT8)": each parity threshold with its targets."""
    by_threshold: dict[float, list[str]] = {}
    for t in w.run.targets:
        threshold = w.run.value(t, "parity_threshold")
        if threshold is not None:
            by_threshold.setdefault(threshold, []).append(w.label(t))
    return "; ".join(
        f"{w.n.percent(threshold, 1)} ({', '.join(labels)})"
        for threshold, labels in sorted(by_threshold.items(), reverse=True)
    )


SECTION = Section("method", "method.title", 1, ("text",), text=text)
# the rest of the method, in the appendix: the main text keeps what reading the results needs
DETAIL = Section(
    "method_detail",
    "method.detail_title",
    2,
    ("text", "figure:latency"),
    text=detail,
    figures=(LATENCY_FIGURE,),
    appendix=True,
)

"""The paragraphs of each report section, chosen from the facts; the wording lives in templates/i18n.

Every function takes a Writer (the run, its language and the citation list) and returns the
section's paragraphs. Comparison words come only through Writer.comparison / Writer.leader,
which say "not resolved" and why when the intervals or the test do not support them.
"""

from __future__ import annotations

from . import explain
from . import facts as f
from .facts import Run
from .writer import Writer

DRIFT = 0.10  # quarter-to-quarter change of the batch-1 median that the report points out


def speed(w: Writer) -> list[str]:
    run, s, n = w.run, w.s, w.n
    if not run.measured("latency") and not run.measured("throughput"):
        return [s.no_bench]
    out = []
    machines = f.same_machine(run, run.measured("latency"))
    if machines is False:
        items = sorted({f"{run.text(t, 'hostname')} ({run.text(t, 'cpu_model')})" for t in run.targets})
        out.append(s.say("machines_differ", items="; ".join(items)))
    if len(run.measured("latency")) >= 2:
        out.append(w.leader(f.leader(run, "latency"), "lead_latency"))
    if len(run.measured("throughput")) >= 2:
        out.append(w.leader(f.leader(run, "throughput"), "lead_throughput"))
    times = [(t, f.test_set_time(run, t)) for t in run.targets]
    times = [(t, x) for t, x in times if x]
    if times:
        fast = min(times, key=lambda item: item[1].seconds)
        slow = max(times, key=lambda item: item[1].seconds)
        out.append(
            s.say(
                "test_set_derived",
                images=n.integer(f.test_images(run)),
                fast=w.label(fast[0]),
                fast_s=n.seconds(fast[1].seconds),
                fast_batch=n.integer(fast[1].batch),
                slow=w.label(slow[0]),
                slow_s=n.seconds(slow[1].seconds),
                slow_batch=n.integer(slow[1].batch),
            )
        )
    out += eager(w) + outliers(w) + drift(w) + threads(w)
    return out


def eager(w: Writer) -> list[str]:
    """PyTorch's batch-1 gap: a per-call cost when it shrinks at the best batch size, otherwise per-image."""
    gap = explain.eager_gap(w.run)
    if gap is None or gap.ratio_batch1 <= 1 or gap.ratio_best is None:
        return []
    s, n = w.s, w.n
    fixed = gap.ratio_best < gap.ratio_batch1 / explain.FIXED_COST_FACTOR
    return [
        s.say(
            "eager_gap_fixed" if fixed else "eager_gap",
            other=w.label(gap.other),
            ratio1=s.times(gap.ratio_batch1),
            ratio_best=s.times(gap.ratio_best),
            share=n.percent(gap.overhead_share, 0),
            cite=w.cite("torch_tuning") if fixed else "",
            resolved="" if gap.resolved else s.eager_unresolved,
        )
    ]


def outliers(w: Writer) -> list[str]:
    found = explain.throughput_outliers(w.run)
    if not found:
        return []
    s, n = w.s, w.n
    items = "; ".join(f"{w.label(t)}, {s.batch_word} {n.integer(b)}: −{n.percent(dip, 0)}" for t, b, dip in found)
    return [s.say("throughput_outliers", items=items)]


def drift(w: Writer) -> list[str]:
    s, n = w.s, w.n
    drifting = [
        f"{w.label(t)}: {' / '.join(n.ms(q) for q in b['latency_quarter_p50_ms'])}"
        for t, b in w.run.data.bench.items()
        if f.is_number(b.get("latency_drift")) and b["latency_drift"] > DRIFT and b.get("latency_quarter_p50_ms")
    ]
    return [s.say("latency_drift", drift=n.percent(DRIFT, 0), items="; ".join(drifting))] if drifting else []


def threads(w: Writer) -> list[str]:
    """Batch-1 latency at one thread beside the run's threads: which one a rerun reproduces."""
    spreads = f.thread_spreads(w.run)
    steadier = f.one_thread_steadier(spreads)
    if steadier is None:
        return []
    s, n = w.s, w.n
    items = "; ".join(
        f"{w.label(x.target)}: {n.ms(x.p50_1thread_ms)} (±{n.percent(x.spread_1thread / 2, 0)}) / "
        f"{n.ms(x.p50_ms)} (±{n.percent(x.spread / 2, 0)})"
        for x in spreads
    )
    key = "threads_one_steadier" if steadier else "threads_one_not_steadier"
    return [s.say(key, threads=n.integer(spreads[0].threads), items=items)]


def quality(w: Writer) -> list[str]:
    run, s, n = w.run, w.s, w.n
    order = f.ranking(run, "accuracy")
    if not order:
        return []
    out = [w.leader(f.leader(run, "accuracy"), "lead_accuracy")] if len(order) >= 2 else []
    changed = []
    for t in run.targets:
        p, count = run.value(t, "mcnemar_p"), run.value(t, "changed_predictions")
        if t != "pytorch" and p is not None:
            word = s.significant if p < f.SIGNIFICANCE else s.not_significant
            changed.append(
                s.say("mcnemar_item", target=w.label(t), changed=n.integer(count), p=n.p_value(p), word=word)
            )
    if changed:
        out.append(s.say("mcnemar", items="; ".join(changed), cite=w.cite("mcnemar")))
    elif len(order) >= 2:
        out.append(s.mcnemar_missing)
    balanced = f.class_balance(run)
    same = all(f.macro_equals_weighted(run, t) for t in run.targets)
    if balanced:
        key = "balanced_same" if same else "balanced"
        per_class = run.data.per_class[0].get("support")
        out.append(s.say(key, support=n.integer(per_class), cite=w.cite("sklearn_prf")))
    else:
        out.append(s.say("unbalanced", cite=w.cite("sklearn_prf")))
    return out


def memory(w: Writer) -> list[str]:
    run, s, n = w.run, w.s, w.n
    measured = [t for t in run.targets if f.model_memory_mb(run, t) is not None]
    if not measured:
        return [s.memory_missing]
    out = [s.memory_what]
    low = min(measured, key=lambda t: run.value(t, "peak_rss_mb"))
    high = max(measured, key=lambda t: run.value(t, "peak_rss_mb"))
    out.append(
        s.say(
            "memory_range",
            low=w.label(low),
            low_mb=n.mb(run.value(low, "peak_rss_mb")),
            high=w.label(high),
            high_mb=n.mb(run.value(high, "peak_rss_mb")),
            model_low=n.mb(min(f.model_memory_mb(run, t) for t in measured)),
            model_high=n.mb(max(f.model_memory_mb(run, t) for t in measured)),
        )
    )
    return out


def startup(w: Writer) -> list[str]:
    run, s, n = w.run, w.s, w.n
    loads = run.measured("load")
    if not loads:
        return [s.startup_missing]
    out = [s.startup_what]
    if len(loads) >= 2:
        lead = f.leader(run, "load")
        out.append(w.leader(lead, "lead_load"))
    cold = [t for t in run.targets if run.value(t, "first_call_ms") and run.value(t, "latency_p50_ms")]
    if cold:
        items = [
            f"{w.label(t)} {n.ms(run.value(t, 'first_call_ms'))} "
            f"({s.times(run.value(t, 'first_call_ms') / run.value(t, 'latency_p50_ms'), 0)})"
            for t in cold
        ]
        out.append(s.say("first_call", items="; ".join(items)))
    return out


def size(w: Writer) -> list[str]:
    run, s, n = w.run, w.s, w.n
    order = f.ranking(run, "size")
    if not order:
        return []
    small, large = order[0], order[-1]
    out = [
        s.say(
            "size_smallest",
            small=w.label(small),
            small_kib=n.kib_unit(run.value(small, "size_bytes")),
            params=n.integer(run.value(small, "params")),
            small_bpp=n.fixed(f.bytes_per_param(run, small), 2),
            large=w.label(large),
            large_kib=n.kib_unit(run.value(large, "size_bytes")),
            large_bpp=n.fixed(f.bytes_per_param(run, large), 2),
        )
    ]
    out.append(s.size_why)
    return out


def precision_name(run: Run, target: str) -> str:
    """Execution precision as printed; a quantized OpenVINO model runs its quantized layers in INT8 and the
    rest in the precision hint ("INT8 + FP32")."""
    bench = run.data.bench.get(target) or {}
    code = bench.get("precision") or (run.data.row(target) or {}).get("precision") or "unknown"
    name = f.PRECISION_NAMES.get(code, str(code).upper())
    weights = str((run.data.row(target) or {}).get("weights") or "").lower()
    return f"INT8 + {name}" if name != "INT8" and "int8" in weights else name


def precision(w: Writer) -> list[str]:
    run, s = w.run, w.s
    out = [s.say("precision_list", items="; ".join(f"{w.label(t)}: {precision_name(run, t)}" for t in run.targets))]
    mixed = [t for t in run.targets if precision_name(run, t).startswith("INT8 + ")]
    if mixed:
        out.append(s.say("precision_mixed", targets=w.labels(mixed), cite=w.cite("ov_lowp")))
    has_bf16 = f.has_flag(run, "avx512bf16", "amxbf16")
    key = {True: "bf16_present", False: "bf16_absent", None: "bf16_unknown"}[has_bf16]
    if any(run.runtime(t) == "openvino" for t in run.targets):
        out.append(s.say(key, cite=w.cite("ov_precision")))
    return out


NAIVE_OVERHEAD = 1.2  # naive / tuned counted as "the naive loop is slower"


def naive(w: Writer) -> list[str]:
    run, s, n = w.run, w.s, w.n
    rows = []
    for t in run.targets:
        naive_s, tuned = run.value(t, "naive_test_set_seconds"), run.value(t, "tuned_test_set_seconds")
        if naive_s and tuned:
            rows.append((t, naive_s / tuned))
    if not rows:
        return [s.naive_missing]
    slower = [t for t, r in rows if r >= NAIVE_OVERHEAD]
    close = [(t, r) for t, r in rows if r < NAIVE_OVERHEAD]
    out = []
    if slower:
        out.append(s.say("naive_overhead", targets=w.labels(slower), threshold=s.times(NAIVE_OVERHEAD, 1)))
    if close:
        items = ", ".join(f"{w.label(t)} {n.ratio(r)}" for t, r in close)
        out.append(s.say("naive_close", items=items, threshold=s.times(NAIVE_OVERHEAD, 1)))
    best = [
        run.value(t, "naive_test_set_seconds") / f.test_set_time(run, t).seconds
        for t, _ in rows
        if f.test_set_time(run, t)
    ]
    if best:
        out.append(s.say("naive_batching", low=n.fixed(min(best), 0), high=n.fixed(max(best), 0)))
    return out


def benchmark_app(w: Writer) -> list[str]:
    run, s, n = w.run, w.s, w.n
    items, ratios = [], []
    for t, app in run.data.benchmark_app.items():
        one = {row.get("batch_size"): row for row in app.get("comparison", [])}.get(1, {})
        app_ms, own = one.get("benchmark_app_latency_median_ms"), run.value(t, "latency_p50_ms")
        if f.is_number(app_ms) and app_ms > 0 and own:
            items.append(s.say("benchmark_app_item", target=w.label(t), app=n.ms(app_ms), own=n.ms(own)))
            ratios.append(max(own / app_ms, app_ms / own))
    if not items:
        return []
    close = max(ratios) <= BENCHMARK_APP_CLOSE
    key = "benchmark_app" if close else "benchmark_app_far"
    return [s.say(key, items="; ".join(items), threshold=s.times(BENCHMARK_APP_CLOSE, 1))]


BENCHMARK_APP_CLOSE = 1.5  # the two timers agree when neither median is more than this factor of the other

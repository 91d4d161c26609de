"""The analysis on synthetic records: each claim flips when its own number crosses its threshold,
comparisons are resolved only by intervals that do not overlap, findings survive findings.json."""

from __future__ import annotations

import numpy as np
import pytest
from results_fixtures import run_of

from compressbench.analysis import coursework as cw
from compressbench.analysis import explain, load_coursework, resources, rule, speed
from compressbench.analysis.claims import CHECKS, judge
from compressbench.analysis.findings import NOT_APPLICABLE, NOT_MEASURED, NOT_RESOLVED, RESOLVED
from compressbench.analysis.resources import resolved_pareto

BASE_ROW = {
    "accuracy": 0.58,
    "accuracy_ci_low": 0.57,
    "accuracy_ci_high": 0.59,
    "f1_macro": 0.578,
    "f1_weighted": 0.578,
    "size_bytes": 250_000,
    "params": 62_006,
    "latency_p50_ms": 0.2,
    "latency_p50_ci_low_ms": 0.19,
    "latency_p50_ci_high_ms": 0.21,
    "throughput_ips": 10_000,
    "throughput_ips_low": 9_800,
    "throughput_ips_high": 10_200,
    "batch_size_best": 256,
    "repeats": 3,
    "agreement": 1.0,
    "accuracy_delta_pp": 0.0,
}
RUNTIMES = {
    "pytorch": "pytorch",
    "onnxruntime": "onnxruntime",
    "openvino": "openvino",
    "openvino_int8": "openvino",
    "onnxruntime_int8": "onnxruntime",
    "onnxruntime_noopt": "onnxruntime",
}


def make_run(changes: dict[str, dict] | None = None, environment=None, per_class=None, bench=None):
    """Five targets with identical numbers, except `changes` and `bench` (target -> field -> value; None
    deletes)."""
    rows = {}
    for target in RUNTIMES:
        row = dict(BASE_ROW)
        for source in (changes or {}, bench or {}):
            for key, value in source.get(target, {}).items():
                if value is None:
                    row.pop(key, None)
                else:
                    row[key] = value
        rows[target] = row
    return run_of(rows, environment=environment, per_class=per_class)


# ---- comparisons -----------------------------------------------------------------------------------


def test_compare_resolves_only_separate_intervals():
    fast = {"latency_p50_ms": 0.1, "latency_p50_ci_low_ms": 0.09, "latency_p50_ci_high_ms": 0.11}
    c = rule.compare(make_run({"onnxruntime": fast}), "latency", "onnxruntime", "pytorch")
    assert c.better == "onnxruntime" and c.resolved and c.ratio == pytest.approx(2.0)
    close = {"latency_p50_ms": 0.195, "latency_p50_ci_low_ms": 0.185, "latency_p50_ci_high_ms": 0.2}
    c = rule.compare(make_run({"onnxruntime": close}), "latency", "onnxruntime", "pytorch")
    assert c.better == "onnxruntime" and not c.resolved and c.status == rule.OVERLAP


def test_single_process_intervals_resolve_nothing():
    fast = {"latency_p50_ms": 0.1, "latency_p50_ci_low_ms": 0.09, "latency_p50_ci_high_ms": 0.11, "repeats": 1}
    c = rule.compare(make_run({"onnxruntime": fast}), "latency", "onnxruntime", "pytorch")
    assert c.status == rule.NO_INTERVAL


def test_different_machines_are_not_ranked():
    bench = {"pytorch": {"hostname": "a", "cpu_model": "X"}, "onnxruntime": {"hostname": "b", "cpu_model": "X"}}
    fast = {"latency_p50_ms": 0.1, "latency_p50_ci_low_ms": 0.09, "latency_p50_ci_high_ms": 0.11}
    run = make_run({"onnxruntime": fast}, bench=bench)
    assert rule.compare(run, "latency", "onnxruntime", "pytorch").status == rule.MACHINES
    assert rule.compare(run, "size", "onnxruntime", "pytorch").status != rule.MACHINES  # size does not depend on it


def test_leader_lists_the_targets_it_does_not_beat():
    run = make_run(
        {"openvino": {"throughput_ips": 11_000, "throughput_ips_low": 10_100, "throughput_ips_high": 12_000}}
    )
    lead = rule.leader(run, "throughput")
    assert lead.best == "openvino" and not lead.resolved and set(lead.ties) == set(RUNTIMES) - {"openvino"}
    run = make_run(
        {"openvino": {"throughput_ips": 15_000, "throughput_ips_low": 14_000, "throughput_ips_high": 16_000}}
    )
    assert rule.leader(run, "throughput").resolved


def test_pareto_needs_resolved_dominance():
    # onnxruntime is a hair faster but inside pytorch's range: it does not push pytorch off the front
    run = make_run({"onnxruntime": {"latency_p50_ms": 0.199}})
    front = resolved_pareto(run).front
    assert front["pytorch"] and front["onnxruntime"]
    run = make_run(
        {"onnxruntime": {"latency_p50_ms": 0.1, "latency_p50_ci_low_ms": 0.09, "latency_p50_ci_high_ms": 0.11}}
    )
    front = resolved_pareto(run).front
    assert not front["pytorch"] and front["onnxruntime"]


def test_memory_range_says_how_much_of_the_peak_was_held_before_the_model():
    # the peaks at the largest batch size; those at each one's best batch (peak_rss_mb) are not compared
    memory = {t: {"peak_rss_largest_mb": 100.0, "peak_rss_mb": 90.0, "baseline_rss_mb": 70.0} for t in RUNTIMES}
    memory["pytorch"] = {"peak_rss_largest_mb": 500.0, "peak_rss_mb": 480.0, "baseline_rss_mb": 450.0}
    memory["openvino"] = {"peak_rss_largest_mb": 130.0, "baseline_rss_mb": 65.0}  # half: not "most of it"
    (found,) = [f for f in resources.findings(make_run(memory)) if f.id == "memory.range"]
    assert found.body.baseline_share_low == pytest.approx(0.5) and found.body.baseline_share_high == pytest.approx(0.9)
    assert (found.body.model_low_mb, found.body.model_high_mb) == (pytest.approx(30.0), pytest.approx(65.0))


# ---- each claim on its own quantity ------------------------------------------------------------------


# check -> (changes where it holds, changes where it does not); the only difference is the claim's quantity
def ready(prep: float, load: float, timings: int = 5) -> dict:
    """Preparation over `timings` timings and load, each with a narrow range, a 1 ms first call."""
    return {
        "preparation_seconds": prep,
        "preparation_seconds_low": prep * 0.9,
        "preparation_seconds_high": prep * 1.1,
        "preparation_timings": timings,
        "load_seconds": load,
        "load_seconds_low": load * 0.9,
        "load_seconds_high": load * 1.1,
        "first_call_ms": 1.0,
        "first_call_ms_low": 0.9,
        "first_call_ms_high": 1.1,
    }


def latency(ms: float) -> dict:
    return {"latency_p50_ms": ms, "latency_p50_ci_low_ms": ms * 0.97, "latency_p50_ci_high_ms": ms * 1.03}


def stored(**dtypes) -> dict:
    return {"weights_by_dtype": {dtype: {"values": n, "bytes": n} for dtype, n in dtypes.items()}}


ALL_READY = {t: ready(1.0, 0.05) for t in ("onnxruntime", "openvino")}

# check -> (changes where it holds, changes where it does not); the only difference is the claim's quantity
FLIPS = {
    "pytorch_no_export_step": (
        {**ALL_READY, "pytorch": ready(0.0, 0.01)},
        {**ALL_READY, "pytorch": ready(0.0, 3.0)},
    ),
    "pytorch_largest_file": ({"pytorch": {"size_bytes": 260_000}}, {"pytorch": {"size_bytes": 240_000}}),
    "onnxruntime_graph_optimizations": (
        {"onnxruntime": latency(0.1)},
        {"onnxruntime_noopt": latency(0.1)},
    ),
    "onnxruntime_reproduces_pytorch": (
        {"onnxruntime": {"agreement": 0.9995, "parity_threshold": 0.999}},
        {"onnxruntime": {"agreement": 0.998, "parity_threshold": 0.999}},
    ),
    "onnx_stores_fp32": ({"onnxruntime": stored(float32=62_006)}, {"onnxruntime": stored(float16=62_006)}),
    "onnxruntime_int8_one_byte": (
        {"onnxruntime_int8": stored(int8=61_000, float32=200)},
        {"onnxruntime_int8": stored(int8=100, float32=61_000)},
    ),
    "openvino_fp16_weights_half": ({"openvino": stored(float16=62_006)}, {"openvino": stored(float32=62_006)}),
    "openvino_fastest_best_batch": (
        {"openvino": {"throughput_ips": 15_000, "throughput_ips_low": 14_000, "throughput_ips_high": 16_000}},
        {"openvino": {"throughput_ips": 5_000, "throughput_ips_low": 4_900, "throughput_ips_high": 5_100}},
    ),
    "openvino_naive_slower_than_tuned": (
        {
            "openvino": {
                "naive_test_set_seconds": 3.0,
                "naive_test_set_seconds_low": 2.8,
                "naive_test_set_seconds_high": 3.2,
            }
        },
        {
            "openvino": {
                "naive_test_set_seconds": 1.0,
                "naive_test_set_seconds_low": 0.9,
                "naive_test_set_seconds_high": 1.1,
            }
        },
    ),
    "openvino_int8_accuracy_within_1pp": (
        {"openvino_int8": {"accuracy_delta_pp": -0.3, "accuracy_delta_low_pp": -0.7, "accuracy_delta_high_pp": 0.1}},
        {"openvino_int8": {"accuracy_delta_pp": -2.0, "accuracy_delta_low_pp": -2.5, "accuracy_delta_high_pp": -1.5}},
    ),
}
TUNED = {"tuned_test_set_seconds": 2.0, "tuned_test_set_seconds_low": 1.9, "tuned_test_set_seconds_high": 2.1}


def claim_run(changes=None, **kwargs):
    """make_run with the tuned loop's times, which only the naive-loop claim reads."""
    changes = {t: dict(v) for t, v in (changes or {}).items()}
    changes.setdefault("openvino", {})
    changes["openvino"] = {**TUNED, **changes["openvino"]}
    return make_run(changes, **kwargs)


def test_every_check_has_a_flip_test():
    assert set(FLIPS) | {"openvino_default_bf16", "pytorch_batch1_overhead"} == set(CHECKS)


def six_rounds(latency_ms: list[float], ips: float | None = None) -> dict:
    """A target's batch-1 medians over six rounds, and its throughput within ±5 % when given."""
    values = {
        "repeats": 6,
        "latency_p50_ms": sorted(latency_ms)[3],
        "latency_p50_ci_low_ms": min(latency_ms),
        "latency_p50_ci_high_ms": max(latency_ms),
        "latency_repeat_p50_ms": latency_ms,
    }
    if ips is not None:
        values |= {"throughput_ips": ips, "throughput_ips_low": ips * 0.95, "throughput_ips_high": ips * 1.05}
    return values


def test_graph_optimizations_claim_names_the_signed_rank_test_where_the_ranges_overlap():
    """Six rounds, each faster with the optimizations, though one slow round makes the ranges overlap."""
    rows = {
        "onnxruntime": six_rounds([0.019, 0.0187, 0.032, 0.0195, 0.019, 0.0188], 20_000),
        "onnxruntime_noopt": six_rounds([0.030, 0.0301, 0.036, 0.0305, 0.030, 0.0302]),
    }
    verdict = CHECKS["onnxruntime_graph_optimizations"](claim_run(rows))
    assert (verdict.status, verdict.holds, verdict.detail) == (RESOLVED, True, "optimizations_by_rounds")
    assert verdict.numbers["in_rounds"].value == (6, 6)  # ahead in all 6 rounds
    assert verdict.numbers["p"].value == pytest.approx(2 / 2**6)
    assert verdict.numbers["on_range"].value == [0.0187, 0.032]


def test_graph_optimizations_faster_at_the_best_batch_only_say_so():
    """Throughput resolved in the optimizations' favour, batch-1 latency not (rounds on both sides)."""
    rows = {
        "onnxruntime": six_rounds([0.019, 0.031, 0.020, 0.032, 0.019, 0.030], 100_000),
        "onnxruntime_noopt": six_rounds([0.023, 0.024, 0.036, 0.023, 0.037, 0.024], 70_000),
    }
    verdict = CHECKS["onnxruntime_graph_optimizations"](claim_run(rows))
    assert (verdict.status, verdict.holds, verdict.detail) == (RESOLVED, True, "optimizations_best_only")
    assert verdict.reason == rule.ROUNDS_DISAGREE  # the rounds go both ways at batch 1
    claim = {"id": "onnxruntime_graph_optimizations", "runtime": "onnxruntime"}
    assert judge(claim, verdict).verdict == "partly_supports"
    rows["onnxruntime"] |= {"throughput_ips": 70_000, "throughput_ips_low": 66_500, "throughput_ips_high": 73_500}
    verdict = CHECKS["onnxruntime_graph_optimizations"](claim_run(rows))  # neither setting resolved
    assert (verdict.status, verdict.holds, verdict.detail) == (NOT_RESOLVED, None, "optimizations")


def test_batch1_overhead_bounded_from_above_can_fail_but_not_hold():
    """0.1 ms per image at the best batch: a 0.3 ms call leaves up to 0.2 ms that is not per-image work,
    which an upper bound cannot show to dominate; a 0.15 ms call leaves at most 0.05 ms, which does not."""
    check = CHECKS["pytorch_batch1_overhead"]
    bounded = check(claim_run({"pytorch": latency(0.3)}))
    assert (bounded.status, bounded.holds, bounded.reason) == (NOT_RESOLVED, None, rule.UPPER_BOUND)
    small = check(claim_run({"pytorch": latency(0.15)}))
    assert (small.status, small.holds) == (RESOLVED, False)
    assert check(claim_run({"pytorch": {"latency_p50_ms": None}})).status == NOT_MEASURED


def bracketed(calls_ms: list[float], empty_ms: list[float]) -> dict:
    """The trained model's batch-1 rounds, 0.1 ms per image at the best batch, and its empty-batch calls."""
    return {
        "repeats": len(calls_ms),
        "latency_p50_ms": float(np.median(calls_ms)),
        "latency_p50_ci_low_ms": min(calls_ms),
        "latency_p50_ci_high_ms": max(calls_ms),
        "latency_repeat_p50_ms": calls_ms,
        "empty_call_p50_ms": float(np.median(empty_ms)),
        "empty_call_p50_low_ms": min(empty_ms),
        "empty_call_p50_high_ms": max(empty_ms),
        "empty_call_repeat_ms": empty_ms,
    }


def test_batch1_overhead_holds_when_even_an_empty_batch_call_is_most_of_a_call():
    """A call on an empty batch is a lower bound on the overhead: above half the call in every round, the
    claim holds; below half in one round, with the upper bound above half, the bounds do not decide."""
    check = CHECKS["pytorch_batch1_overhead"]
    dominant = check(claim_run({"pytorch": bracketed([0.30, 0.31, 0.29, 0.30], [0.20, 0.19, 0.18, 0.21])}))
    assert (dominant.status, dominant.holds, dominant.detail) == (RESOLVED, True, "overhead_bracket")
    assert dominant.numbers["floor"].value == pytest.approx(np.median([0.2 / 0.3, 0.19 / 0.31, 0.18 / 0.29, 0.7]))
    assert dominant.numbers["floor_range"].value == pytest.approx([0.19 / 0.31, 0.7])
    between = check(claim_run({"pytorch": bracketed([0.30, 0.31, 0.29, 0.30], [0.20, 0.19, 0.12, 0.21])}))
    assert (between.status, between.reason) == (NOT_RESOLVED, rule.BETWEEN_BOUNDS)
    # a 0.15 ms call leaves at most 0.05 ms beside 0.1 ms of work: the upper bound contradicts it
    small = check(claim_run({"pytorch": bracketed([0.15, 0.15, 0.14, 0.155], [0.03, 0.03, 0.03, 0.03])}))
    assert (small.status, small.holds, small.detail) == (RESOLVED, False, "overhead_bracket")


@pytest.mark.parametrize("name", sorted(FLIPS))
def test_claim_flips_when_its_number_crosses_the_threshold(name):
    holds, fails = FLIPS[name]
    assert CHECKS[name](claim_run(holds)) == CHECKS[name](claim_run(holds))  # deterministic
    yes, no = CHECKS[name](claim_run(holds)), CHECKS[name](claim_run(fails))
    assert (yes.status, yes.holds) == (RESOLVED, True), yes
    assert (no.status, no.holds) == (RESOLVED, False), no


@pytest.mark.parametrize("name", sorted(FLIPS))
def test_claim_is_not_measured_without_its_quantity(name):
    holds, _ = FLIPS[name]
    keys = {key for changes in holds.values() for key in changes}
    removed = {t: dict.fromkeys(keys) for t in RUNTIMES}
    assert CHECKS[name](make_run(removed)).status == NOT_MEASURED


def test_ready_sooner_follows_the_rule_on_the_ranges_of_preparation_load_and_first_call():
    """Supported where PyTorch's range ends before every other's begins; not resolved where they overlap, or
    where a preparation was timed once (no range: it resolves nothing)."""
    check = CHECKS["pytorch_no_export_step"]
    apart = check(claim_run({**ALL_READY, "pytorch": ready(0.0002, 0.01)}))
    assert (apart.status, apart.holds) == (RESOLVED, True)
    rows = apart.numbers["items"].value  # label, total, its range, preparation, its range, timings
    assert [row[0] for row in rows] == ["PyTorch", "ONNX Runtime", "OpenVINO"]
    assert rows[1][1:] == pytest.approx([1.051, 0.9459, 1.1561, 1.0, 0.9, 1.1, 5])
    # ranges overlapping ONNX Runtime's alone: sooner than OpenVINO, not resolved against ONNX Runtime
    overlapping = {**ALL_READY, "onnxruntime": ready(0.0002, 0.01), "pytorch": ready(0.0002, 0.0105)}
    verdict = check(claim_run(overlapping))
    assert (verdict.status, verdict.holds, verdict.partial, verdict.detail) == (
        RESOLVED,
        True,
        True,
        "readiness_partly",
    )
    assert verdict.numbers["unsettled"].value == ["onnxruntime"] and verdict.numbers["sooner"].value == ["openvino"]
    every = check(claim_run({**overlapping, "openvino": ready(0.0002, 0.01)}))
    assert (every.status, every.holds, every.detail) == (NOT_RESOLVED, None, "readiness_unresolved")
    assert every.numbers["unsettled"].value == ["onnxruntime", "openvino"]
    for once, label in (("pytorch", "PyTorch"), ("openvino", "OpenVINO")):  # either side timed once
        rows = {**ALL_READY, "pytorch": ready(0.0002, 0.01)}
        rows[once] = {**rows[once], "preparation_timings": 1}
        verdict = check(claim_run(rows))
        assert (verdict.status, verdict.holds, verdict.reason) == (NOT_RESOLVED, None, rule.NO_INTERVAL), once
        (row,) = [r for r in verdict.numbers["items"].value if r[0] == label]
        assert row[2:4] == [None, None] and row[5:] == [None, None, 1]  # no range for the total nor the preparation
    # resolved against PyTorch by one runtime: contradicted, whatever the once-timed one leaves open
    rows = {**ALL_READY, "onnxruntime": ready(0.0001, 0.001), "openvino": ready(1.0, 0.05, 1), "pytorch": ready(0, 1)}
    assert (check(claim_run(rows)).status, check(claim_run(rows)).holds) == (RESOLVED, False)


def test_overlapping_speed_claim_is_not_resolved():
    tiny_lead = {"openvino": {"throughput_ips": 10_500, "throughput_ips_low": 10_100, "throughput_ips_high": 10_900}}
    verdict = CHECKS["openvino_fastest_best_batch"](make_run(tiny_lead))
    assert verdict.status == NOT_RESOLVED and verdict.reason == rule.OVERLAP


def test_a_claim_about_intel_processors_does_not_apply_elsewhere():
    check = CHECKS["openvino_fastest_best_batch"]
    assert check(make_run(environment={"cpu_vendor": "AuthenticAMD"})).status == NOT_APPLICABLE
    assert check(make_run(environment={"cpu_vendor": "GenuineIntel"})).status != NOT_APPLICABLE


def test_overlapping_naive_and_tuned_loops_are_not_resolved():
    overlapping = {"openvino": {"naive_test_set_seconds_low": 1.95, "naive_test_set_seconds_high": 2.5}}
    overlapping["openvino"]["naive_test_set_seconds"] = 2.2
    assert CHECKS["openvino_naive_slower_than_tuned"](claim_run(overlapping)).status == NOT_RESOLVED


def test_an_accuracy_interval_across_the_claimed_bound_is_not_resolved():
    across = {
        "openvino_int8": {"accuracy_delta_pp": -0.8, "accuracy_delta_low_pp": -1.3, "accuracy_delta_high_pp": -0.3}
    }
    assert CHECKS["openvino_int8_accuracy_within_1pp"](make_run(across)).status == NOT_RESOLVED


def test_bf16_default_is_tested_only_where_it_applies():
    check = CHECKS["openvino_default_bf16"]
    bf16_cpu = {"isa": {"AVX-512 BF16": True}}
    forced = {"openvino": {"precision_requested": "f32", "precision": "f32"}}
    assert check(make_run(environment=bf16_cpu, bench=forced)).status == NOT_MEASURED  # the run forced FP32
    no_bf16 = {"isa": {"AVX-512 BF16": False, "AVX2": True}}
    default = {"openvino": {"precision_requested": "auto", "precision": "bf16"}}
    assert check(make_run(environment=no_bf16, bench=default)).status == NOT_APPLICABLE
    assert check(make_run(environment=bf16_cpu, bench=default)).holds is True
    default_f32 = {"openvino": {"precision_requested": "auto", "precision": "f32"}}
    assert check(make_run(environment=bf16_cpu, bench=default_f32)).holds is False


# ---- explanations ---------------------------------------------------------------------------------


def throughput(ips: float) -> dict:
    return {"throughput_ips": ips, "throughput_ips_low": ips - 100, "throughput_ips_high": ips + 100}


@pytest.mark.parametrize(("ips", "fixed"), [(9_000, True), (6_700, None), (5_000, False)])
def test_int8_slowdown_per_call_only_when_it_shrinks_beyond_the_ranges(ips, fixed):
    """1.5x at batch 1 (1.38-1.63 by the ranges): 1.11x at the best batch is a per-call cost, 1.49x is
    not resolved, 2.0x is per image."""
    slow = {"latency_p50_ms": 0.3, "latency_p50_ci_low_ms": 0.29, "latency_p50_ci_high_ms": 0.31}
    run = make_run({"onnxruntime_int8": {**slow, **throughput(ips)}}, environment={"isa": {"AVX2": True}})
    result = explain.int8_slowdown(run, "onnxruntime_int8")
    assert result.ratio_batch1.value == pytest.approx(1.5) and result.batch1.resolved
    assert result.fixed_cost is fixed and result.vnni is False


def test_coursework_ordering_hypotheses():
    coursework = load_coursework()
    naive = {
        "pytorch": {"naive_test_set_seconds": 5.0},
        "onnxruntime": {"naive_test_set_seconds": 6.0},
        "openvino": {"naive_test_set_seconds": 7.0},
    }
    found = {o.hypothesis: o for o in cw.orderings(coursework, make_run(naive))}
    assert found["naive_loop"].matches and found["naive_loop"].order == ["pytorch", "onnxruntime", "openvino"]
    naive["pytorch"]["naive_test_set_seconds"] = 8.0
    found = {o.hypothesis: o for o in cw.orderings(coursework, make_run(naive))}
    assert not found["naive_loop"].matches


def test_coursework_first_pass_is_a_hypothesis_only_where_it_differs_from_the_loop():
    loop = {"pytorch": 5.0, "onnxruntime": 6.0, "openvino": 7.0}
    one_pass = {t: {"naive_test_set_seconds": v, "naive_first_pass_seconds": v} for t, v in loop.items()}
    found = {o.hypothesis for o in cw.orderings(load_coursework(), make_run(one_pass))}
    assert "naive_loop" in found and "first_pass" not in found  # one pass per job: the same figure
    colder = {t: {"naive_test_set_seconds": v, "naive_first_pass_seconds": v + 1} for t, v in loop.items()}
    (first,) = [o for o in cw.orderings(load_coursework(), make_run(colder)) if o.hypothesis == "first_pass"]
    assert first.resolved is None  # no range is kept for it


def test_coursework_ordering_names_the_neighbours_its_ranges_do_not_resolve():
    def naive(seconds, low, high):
        return {
            "naive_test_set_seconds": seconds,
            "naive_test_set_seconds_low": low,
            "naive_test_set_seconds_high": high,
        }

    run = make_run(
        {"pytorch": naive(5.0, 4.9, 5.1), "onnxruntime": naive(6.0, 5.9, 6.6), "openvino": naive(6.5, 6.4, 6.7)}
    )
    (loop,) = [o for o in cw.orderings(load_coursework(), run) if o.hypothesis == "naive_loop"]
    assert loop.resolved is False and loop.unresolved_pairs == (("onnxruntime", "openvino"),)
    apart = make_run(
        {"pytorch": naive(5.0, 4.9, 5.1), "onnxruntime": naive(6.0, 5.9, 6.1), "openvino": naive(6.5, 6.4, 6.7)}
    )
    (loop,) = [o for o in cw.orderings(load_coursework(), apart) if o.hypothesis == "naive_loop"]
    assert loop.resolved is True and loop.unresolved_pairs == ()


def test_averaging_of_the_coursework_f1():
    coursework = load_coursework()
    balanced = [{"class": c, "support": 1000} for c in "ab"]
    found = cw.averaging(coursework, make_run(per_class=balanced))
    assert found.verdict == "macro_or_weighted" and found.micro_precision is True  # precision = accuracy there
    own = {"runtimes": {"pytorch": {**coursework["runtimes"]["pytorch"], "precision": 0.60}}}
    assert cw.averaging(own, make_run(per_class=balanced)).micro_precision is False
    bare = {"runtimes": {"pytorch": {"accuracy": 0.58, "f1": 0.57}}}  # a coursework without precision
    assert cw.averaging(bare, make_run(per_class=balanced)).micro_precision is None
    unbalanced = [{"class": "a", "support": 900}, {"class": "b", "support": 1100}]
    macro_like = {"pytorch": {"f1_macro": 0.578, "f1_weighted": 0.585}}  # coursework gap -0.0019
    assert cw.averaging(coursework, make_run(macro_like, per_class=unbalanced)).verdict == "macro"
    weighted_like = {"pytorch": {"f1_macro": 0.570, "f1_weighted": 0.578}}
    assert cw.averaging(coursework, make_run(weighted_like, per_class=unbalanced)).verdict == "weighted"


def by_batch(medians: dict, spread: float) -> dict:
    """Throughput per batch size with a range of +-spread around each median."""
    return {
        "throughput_by_batch": medians,
        "throughput_by_batch_low": {b: v * (1 - spread) for b, v in medians.items()},
        "throughput_by_batch_high": {b: v * (1 + spread) for b, v in medians.items()},
    }


def test_eager_gap_shrinking_beyond_the_ranges_is_a_per_call_cost():
    run = make_run({"pytorch": {"latency_p50_ms": 1.0, "latency_p50_ci_low_ms": 0.9, "latency_p50_ci_high_ms": 1.1}})
    gap = explain.eager_gap(run)
    assert gap.ratio_batch1.value == pytest.approx(5.0) and gap.resolved and gap.overhead_share == pytest.approx(0.9)
    assert gap.fixed_cost is True  # 5x at batch 1 (4.3-5.8), 1x at the best batch (0.96-1.04)


@pytest.mark.parametrize(("spread", "found"), [(0.05, True), (0.5, False)])
def test_a_throughput_dip_counts_only_beyond_the_ranges(spread, found):
    medians = {"1": 5000, "8": 9000, "64": 4000, "256": 10_000}
    dips = explain.throughput_outliers(make_run(bench={"openvino": by_batch(medians, spread)}))
    assert [(d.target, d.batch) for d in dips] == ([("openvino", 64)] if found else [])


def _thread_run(one_thread_range_us: float, openvino_one_thread_ms: float | None = None):
    """Six rounds at 2 threads, the first three also on one thread; round 5 caught the slow state.
    openvino_one_thread_ms: OpenVINO's one-thread rounds at that latency instead (1 % apart)."""
    rows = {}
    for target, base in (("onnxruntime", 0.032), ("openvino", 0.047)):
        top = base * (1.8 if target == "onnxruntime" else 1.02)
        one = [base, base + one_thread_range_us / 1000, base]
        if target == "openvino" and openvino_one_thread_ms is not None:
            one = [openvino_one_thread_ms, openvino_one_thread_ms * 1.01, openvino_one_thread_ms]
        rows[target] = {
            "threads": 2,
            "repeats": 6,
            "latency_p50_ms": base,
            "latency_repeat_p50_ms": [base, top, base, base, base * 2.5, base],
            "latency_1thread_p50_ms": one[0],
            "latency_1thread_repeat_p50_ms": [*one, None, None, None],
        }
    return run_of(rows)


@pytest.mark.parametrize(
    ("one_thread_range_us", "steadier"), [(0.5, ["onnxruntime", "openvino"]), (1.0, ["onnxruntime"]), (30.0, [])]
)
def test_one_thread_is_steadier_only_where_its_own_range_is_narrower(one_thread_range_us, steadier):
    [found] = [f for f in speed.findings(_thread_run(one_thread_range_us)) if f.id == "speed.threads"]
    spreads = found.body.spreads
    assert [x.target for x in spreads] == ["onnxruntime", "openvino"]
    # over the three rounds both ran in: round 5's slow state at 2 threads is not compared with one thread
    assert spreads[0].spread == pytest.approx(0.8) and spreads[0].rounds == 3
    assert found.body.steadier_at_one_thread == steadier


@pytest.mark.parametrize(("one_thread_ms", "outcome"), [(0.020, "faster"), (0.060, "slower"), (0.0475, "unresolved")])
def test_one_thread_against_the_runs_threads_by_the_one_rule(one_thread_ms, outcome):
    """OpenVINO at 2 threads: 0.047-0.048 ms over the three shared rounds; one thread beside it."""
    run = _thread_run(0.5, openvino_one_thread_ms=one_thread_ms)
    [found] = [f for f in speed.findings(run) if f.id == "speed.threads"]
    assert "openvino" in found.body.by_one_thread(outcome)
    # onnxruntime's 2-thread range (0.032-0.058 ms) holds its one-thread rounds: not resolved
    assert "onnxruntime" in found.body.by_one_thread("unresolved")


def test_no_target_name_is_spelled_outside_the_registry():
    """The report, aggregate and the plots learn what a target is from its TargetSpec, never its name."""
    import ast
    from pathlib import Path

    from compressbench.targets import TARGETS

    package = Path(__file__).resolve().parents[1] / "compressbench"
    files = [*(package / "report").rglob("*.py"), package / "aggregate.py", package / "plots.py"]
    spelled = [
        f"{path.name}:{node.lineno} {node.value}"
        for path in files
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in TARGETS
    ]
    assert spelled == []


def test_findings_survive_their_file(tmp_path):
    """What the report reads back from findings.json is what the analysis made: same ids, outcomes, bodies."""
    from test_report import fabricate

    from compressbench.analysis import analyze_run, read_findings

    fabricate(tmp_path)
    made = analyze_run(tmp_path)
    read = read_findings(tmp_path / "results" / "findings.json")
    assert [f.id for f in read] == [f.id for f in made] and len(made) > 20
    assert all(a.body == b.body and a.outcome == b.outcome for a, b in zip(made, read, strict=True))


def test_a_finding_body_type_is_declared_once():
    from dataclasses import dataclass

    from compressbench.analysis.findings import body

    with pytest.raises(TypeError, match="declared twice"):

        @body
        @dataclass(frozen=True)
        class Comparison:  # the rule's own is registered already
            x: int


def test_findings_of_an_earlier_format_ask_for_a_new_analysis(tmp_path):
    """A findings.json whose bodies are tagged the old way would read back as plain dicts: refused."""
    import json

    from compressbench.analysis import read_findings

    old = [{"id": "x", "section": "speed", "outcome": "measured", "statement": "", "body": {"type": "Comparison"}}]
    (tmp_path / "findings.json").write_text(json.dumps(old))
    with pytest.raises(ValueError, match="forcerun analyze"):
        read_findings(tmp_path / "findings.json")


def rounds_row(p50s: list[float], ips: list[float]) -> dict:
    """A target's speed from three rounds of repeats: its per-round figures, their median and range."""
    return {
        "repeats": len(p50s),
        "repeat_indices": list(range(len(p50s))),
        "latency_repeat_p50_ms": p50s,
        "latency_p50_ms": sorted(p50s)[len(p50s) // 2],
        "latency_p50_ci_low_ms": min(p50s),
        "latency_p50_ci_high_ms": max(p50s),
        "throughput_repeat_ips": ips,
        "throughput_ips": sorted(ips)[len(ips) // 2],
        "throughput_ips_low": min(ips),
        "throughput_ips_high": max(ips),
    }


def test_speed_is_compared_round_by_round():
    """Round 2 caught the machine in its slow state: the ranges overlap, yet ONNX Runtime is faster than
    OpenVINO in each of six rounds, which the signed-rank test resolves (2/64 < 5 %); PyTorch is faster in some
    rounds only, so not."""
    run = run_of(
        {
            "onnxruntime": rounds_row([0.020, 0.021, 0.036, 0.020, 0.021, 0.022], [9000, 8800, 5000, 9000, 8900, 8800]),
            "openvino": rounds_row([0.030, 0.031, 0.052, 0.030, 0.031, 0.032], [8000, 7900, 4500, 8000, 7900, 7800]),
            "pytorch": rounds_row([0.029, 0.030, 0.060, 0.029, 0.032, 0.033], [8100, 8000, 4000, 8100, 7800, 7700]),
        }
    )
    assert run.interval("onnxruntime", "latency")[1] > run.interval("openvino", "latency")[0]  # ranges overlap
    faster = rule.compare(run, "latency", "onnxruntime", "openvino")
    assert faster.resolved and faster.better == "onnxruntime"
    # resolved by the rounds alone: the comparison carries what the report says beside the ratio
    assert (faster.rank_test_rounds, faster.rank_test_ahead) == (6, 6)
    assert faster.rank_test_p == pytest.approx(2 / 64)
    assert rule.compare(run, "throughput", "onnxruntime", "openvino").resolved
    mixed = rule.compare(run, "latency", "pytorch", "openvino")
    assert not mixed.resolved and mixed.status == rule.ROUNDS_DISAGREE
    ratio = rule.time_ratio(run, "latency", "onnxruntime", "openvino")
    assert ratio.high < 1 and ratio.low == pytest.approx(min(0.020 / 0.030, 0.021 / 0.031, 0.036 / 0.052))
    # a leader resolved against the runner-up by the rounds says so (the report names the test, not the ranges)
    lead = rule.leader(run, "latency", ["onnxruntime", "openvino"])
    assert lead.resolved and (lead.rank_test_rounds, lead.rank_test_p) == (6, pytest.approx(2 / 64))
    single = rule.leader(run_of({"openvino": {"latency_p50_ms": 1.0}}), "latency")
    assert single.rank_test_p is None


def test_one_round_a_little_the_other_way_does_not_undo_seven():
    """Eight rounds: OpenVINO INT8 ahead of ONNX Runtime by about 5 % in seven, 1 % behind in one (a slow
    spell in its part of that round). The signed-rank test resolves it (p = 4 / 256) and the comparison
    says in how many rounds it was ahead; the same round 40 % behind leaves it open."""
    ort = [0.0380, 0.0382, 0.0379, 0.0381, 0.0380, 0.0383, 0.0380, 0.0360]
    close = [0.0361, 0.0362, 0.0360, 0.0362, 0.0361, 0.0364, 0.0361, 0.0364]
    run = run_of({"onnxruntime": rounds_row(ort, [1.0] * 8), "openvino_int8": rounds_row(close, [1.0] * 8)})
    ahead = rule.compare(run, "latency", "onnxruntime", "openvino_int8")
    assert ahead.resolved and ahead.better == "openvino_int8"
    assert (ahead.rank_test_rounds, ahead.rank_test_ahead) == (8, 7)
    assert ahead.rank_test_p == pytest.approx(4 / 256)
    behind = close[:7] + [0.0504]
    far = run_of({"onnxruntime": rounds_row(ort, [1.0] * 8), "openvino_int8": rounds_row(behind, [1.0] * 8)})
    open_ = rule.compare(far, "latency", "onnxruntime", "openvino_int8")
    assert not open_.resolved and open_.status == rule.ROUNDS_DISAGREE
    # the report gives the count and the p as the reason, rather than "the rounds disagree"
    assert open_.rank_test_ahead == 7 and open_.rank_test_p > rule.SIGNIFICANCE


def test_three_rounds_on_one_side_are_not_enough_when_the_ranges_overlap():
    """All three rounds on one side happen by chance one time in four (signed-rank test p = 0.25): the ranges decide."""
    run = run_of(
        {
            "onnxruntime": rounds_row([0.020, 0.021, 0.036], [9000, 8800, 5000]),
            "openvino": rounds_row([0.030, 0.031, 0.052], [8000, 7900, 4500]),
        }
    )
    verdict = rule.compare(run, "latency", "onnxruntime", "openvino")
    assert not verdict.resolved and verdict.status == rule.OVERLAP
    apart = run_of(
        {
            "onnxruntime": rounds_row([0.020, 0.021, 0.022], [9000, 8800, 8700]),
            "openvino": rounds_row([0.030, 0.031, 0.032], [8000, 7900, 7800]),
        }
    )
    by_ranges = rule.compare(apart, "latency", "onnxruntime", "openvino")
    assert by_ranges.resolved and by_ranges.rank_test_p is None  # the ranges do not overlap
    # ranges of 3 rounds a side fall apart by chance 2 / C(6, 3) = 10 % of the time: the weaker finding
    assert by_ranges.weak_rounds == 3 and by_ranges.range_chance == pytest.approx(0.1)


def test_ranges_of_four_rounds_or_more_are_not_the_weaker_finding():
    """2 / C(8, 4) = 2.9 % is below the exact tests' 5 % level: ranges of four rounds a side resolve in full."""
    assert rule.weak_rounds(3) == 3 and rule.weak_rounds(4) is None and rule.weak_rounds(0) is None
    apart = run_of(
        {
            "onnxruntime": rounds_row([0.020, 0.021, 0.022, 0.023], [9000, 8800, 8700, 8600]),
            "openvino": rounds_row([0.030, 0.031, 0.032, 0.029], [8000, 7900, 7800, 8100]),
        }
    )
    four = rule.compare(apart, "latency", "onnxruntime", "openvino")
    assert four.resolved and four.weak_rounds is None and four.range_chance is None


def test_speed_without_rounds_falls_back_to_the_ranges():
    rows = {t: rounds_row([0.020, 0.021, 0.036], [9000, 8800, 5000]) for t in ("onnxruntime", "openvino")}
    rows["openvino"] = {**rounds_row([0.030, 0.031, 0.052], [8000, 7900, 4500]), "latency_repeat_p50_ms": None}
    assert rule.compare(run_of(rows), "latency", "onnxruntime", "openvino").status == rule.OVERLAP


def test_a_figure_of_the_full_rounds_only_has_a_range_when_two_of_them_measured_it():
    one_thread = {
        "repeats": 6,
        "latency_1thread_p50_ms": 0.05,
        "latency_1thread_p50_ci_low_ms": 0.05,
        "latency_1thread_p50_ci_high_ms": 0.05,
    }
    run = run_of({"onnxruntime": {**one_thread, "latency_1thread_repeat_p50_ms": [0.05, None, None, None, None, None]}})
    assert run.repeats_of("onnxruntime", "latency_1thread") == 1
    assert run.interval("onnxruntime", "latency_1thread") is None  # one full round: no range, whatever `repeats` says
    run = run_of({"onnxruntime": {**one_thread, "latency_1thread_repeat_p50_ms": [0.05, 0.05, None, None, None, None]}})
    assert run.repeats_of("onnxruntime", "latency_1thread") == 2
    assert run.interval("onnxruntime", "latency_1thread") == (0.05, 0.05)


def test_the_probe_finding_counts_the_windows_and_compares_each_targets_rounds_of_both_kinds():
    probed = {
        "repeats": 6,
        "latency_p50_ms": 0.0305,
        "latency_cpu_states": ["full", "reduced", "full", "full", "changed", "full"],
        "latency_repeat_p50_ms": [0.030, 0.046, 0.031, 0.029, 0.040, 0.030],
        "parallel_efficiency_by_repeat": [[0.95, 0.93, 0.9], [0.7, 0.66, 0.7], [0.9, 0.9, 0.9]] + [[0.9, 0.9, 0.9]] * 3,
    }
    steady = {
        "repeats": 6,
        "latency_p50_ms": 0.045,
        "latency_cpu_states": ["full"] * 6,
        "latency_repeat_p50_ms": [0.045] * 6,
    }
    found = speed.cpu_states(run_of({"openvino": probed, "onnxruntime": steady}))
    assert (found.windows, found.full_windows) == (12, 10)
    assert found.efficiency_below == (0.66, 0.7) and found.efficiency_full == (0.9, 0.95)
    (gap,) = found.gaps  # only a target with rounds of both kinds
    assert (gap.target, gap.full_ms, gap.other_ms) == ("openvino", 0.030, 0.043)
    assert (gap.full_rounds, gap.other_rounds) == (4, 2) and gap.ratio == pytest.approx(0.043 / 0.030)
    assert found.none_full == []
    reduced = {**steady, "latency_cpu_states": ["reduced"] * 5 + ["changed"]}
    assert speed.cpu_states(run_of({"openvino": probed, "onnxruntime": reduced})).none_full == ["onnxruntime"]
    # a run from before the probe has no such finding
    assert speed.cpu_states(run_of({"openvino": {"repeats": 6, "latency_p50_ms": 0.03}})) is None
    # a window the probe could not measure counts neither way
    unprobed = {**steady, "latency_cpu_states": ["unmeasured"] * 5 + ["full"]}
    found = speed.cpu_states(run_of({"openvino": probed, "onnxruntime": unprobed}))
    assert (found.windows, found.full_windows) == (7, 5) and found.none_full == []
    unprobed = {**probed, "latency_cpu_states": ["full", "unmeasured", "full", "full", "unmeasured", "full"]}
    assert speed.state_gap(run_of({"openvino": unprobed}), "openvino") is None


def test_a_ratio_compared_round_by_round_is_the_median_of_the_rounds_ratios():
    """Rounds 4-6 caught the first target slow and the second not: the ratio of the two medians (1.10)
    understates what every round says; the median of the per-round ratios does not."""
    run = run_of(
        {
            "onnxruntime": rounds_row([0.020, 0.020, 0.020, 0.030, 0.030, 0.030], [9000] * 6),
            "openvino": rounds_row([0.030, 0.031, 0.032, 0.033, 0.045, 0.046], [8000] * 6),
        }
    )
    per_round = [0.030 / 0.020, 0.031 / 0.020, 0.032 / 0.020, 0.033 / 0.030, 0.045 / 0.030, 0.046 / 0.030]
    verdict = rule.compare(run, "latency", "onnxruntime", "openvino")
    assert verdict.better == "onnxruntime" and verdict.ratio == pytest.approx(float(np.median(per_round)))
    ratio = rule.time_ratio(run, "latency", "openvino", "onnxruntime")
    assert ratio.value == pytest.approx(float(np.median(per_round)))
    assert (ratio.low, ratio.high) == (pytest.approx(min(per_round)), pytest.approx(max(per_round)))
    # without rounds (one repeat each) it is the ratio of the two values
    single = run_of({"onnxruntime": {"latency_p50_ms": 0.02}, "openvino": {"latency_p50_ms": 0.03}})
    assert rule.compare(single, "latency", "onnxruntime", "openvino").ratio == pytest.approx(1.5)


def test_memory_is_compared_at_batch_1_for_the_recommendation():
    def at_batch1(peak: float, best_batch_peak: float) -> dict:
        return {
            "repeats": 3,
            "baseline_rss_mb": 100.0,
            "peak_rss_batch1_mb": peak,
            "peak_rss_batch1_mb_low": peak - 0.2,
            "peak_rss_batch1_mb_high": peak + 0.2,
            "peak_rss_mb": best_batch_peak,
        }

    # at their own best batches openvino peaks lower, at batch 1 onnxruntime does
    run = run_of({"onnxruntime": at_batch1(120.0, 160.0), "openvino": at_batch1(150.0, 155.0)})
    lead = rule.leader(run, "memory_batch1")
    assert lead.best == "onnxruntime" and lead.resolved
    close = run_of({"onnxruntime": at_batch1(120.0, 160.0), "openvino": at_batch1(120.3, 155.0)})
    assert not rule.leader(close, "memory_batch1").resolved  # 0.3 MiB apart, the ranges overlap


def test_the_int8_claim_counts_the_biases_as_32_bit_integers_apart_from_the_scales():
    run = claim_run({"onnxruntime_int8": stored(int8=62_006, uint8=6, int32=472, float32=478)})
    numbers = CHECKS["onnxruntime_int8_one_byte"](run).numbers
    assert (numbers["int8_values"].value, numbers["int32_values"].value, numbers["float_values"].value) == (
        62_012,
        472,
        478,
    )


def test_the_graph_optimization_claim_gives_the_paired_ratios_beside_the_medians():
    verdict = CHECKS["onnxruntime_graph_optimizations"](claim_run(FLIPS["onnxruntime_graph_optimizations"][0]))
    latency, ips = verdict.numbers["latency_ratio"], verdict.numbers["ips_ratio"]
    assert latency.unit == ips.unit == "ratio" and latency.value >= 1 and ips.value >= 1


def test_the_nncf_accuracy_claim_is_measured_against_the_float_model_it_quantized():
    own = {"accuracy_delta_pp": 0.08, "accuracy_delta_low_pp": -0.15, "accuracy_delta_high_pp": 0.31}
    against_reference = {
        "reference_accuracy_delta_pp": -1.8,
        "reference_accuracy_delta_low_pp": -2.2,
        "reference_accuracy_delta_high_pp": -1.4,
        "reference_mcnemar_p": 0.001,
    }
    run = make_run({"openvino_int8": {**own, **against_reference, "reference": "openvino"}})
    verdict = CHECKS["openvino_int8_accuracy_within_1pp"](run)
    assert (verdict.status, verdict.holds) == (RESOLVED, False) and verdict.numbers["delta"].value == -1.8
    assert verdict.numbers["against"].value == "OpenVINO" and verdict.detail == "delta_reference"
    trained = CHECKS["openvino_int8_accuracy_within_1pp"](make_run({"openvino_int8": own}))
    assert trained.holds is True and trained.detail == "delta"


def test_load_and_first_call_are_compared_round_by_round_where_their_ranges_overlap():
    """ORT without optimizations loaded faster in all 8 rounds though one slow round made the ranges overlap."""
    from compressbench.analysis.rule import compare

    fast = [3.9, 3.8, 4.0, 5.9, 3.9, 4.1, 3.8, 4.0]
    slow = [4.6, 4.5, 4.8, 6.4, 4.7, 4.9, 4.6, 4.7]

    def startup(load_ms):
        seconds = [ms / 1000 for ms in load_ms]
        return {
            "repeats": 8,
            "load_seconds": sorted(seconds)[4],
            "load_seconds_low": min(seconds),
            "load_seconds_high": max(seconds),
            "load_repeat_seconds": seconds,
            "first_call_ms": sorted(load_ms)[4] / 10,
            "first_call_ms_low": min(load_ms) / 10,
            "first_call_ms_high": max(load_ms) / 10,
            "first_call_repeat_ms": [ms / 10 for ms in load_ms],
        }

    run = make_run({"onnxruntime_noopt": startup(fast), "onnxruntime": startup(slow)})
    for metric in ("load", "first_call"):
        c = compare(run, metric, "onnxruntime_noopt", "onnxruntime")
        assert c.resolved and c.better == "onnxruntime_noopt" and c.rank_test_p == pytest.approx(2 / 2**8), metric
    # without the rounds the same ranges overlap and nothing is resolved
    unpaired = {k: v for k, v in startup(fast).items() if "repeat_" not in k}
    plain = make_run({"onnxruntime_noopt": unpaired, "onnxruntime": startup(slow)})
    assert not compare(plain, "load", "onnxruntime_noopt", "onnxruntime").resolved


# ---- the exact McNemar test of every pair of variants ------------------------------------------------


def _paired_run(tmp_path):
    """Twenty images of class 0. PyTorch and ONNX Runtime predict alike (right on the first ten), OpenVINO is
    also right on six more, OpenVINO INT8 is right where PyTorch is but wrong otherwise with another class."""
    from results_fixtures import write_predictions

    labels = np.zeros(20, dtype=np.int64)
    trained = np.array([0] * 10 + [1] * 10)
    write_predictions(
        tmp_path,
        {
            "pytorch": (labels, trained),
            "onnxruntime": (labels, trained.copy()),
            "openvino": (labels, np.array([0] * 16 + [1] * 4)),
            "openvino_int8": (labels, np.array([0] * 10 + [2] * 10)),
        },
    )
    rows = {t: dict(BASE_ROW) for t in ("pytorch", "onnxruntime", "openvino", "openvino_int8")}
    return run_of(rows, root=tmp_path)


def test_every_pair_of_variants_is_tested_once_with_identical_predictions_as_one(tmp_path):
    from compressbench.analysis.quality import mcnemar_pairs

    found = mcnemar_pairs(_paired_run(tmp_path))
    # the most accurate first; PyTorch and OpenVINO INT8 tie at 10 of 20, in run order
    assert found.groups == [("openvino",), ("pytorch", "onnxruntime"), ("openvino_int8",)]
    tested = {(pair.first, pair.second): (pair.only_first, pair.only_second, pair.p) for pair in found.pairs}
    # OpenVINO alone right on 6 images, the other alone on none: two-sided exact p = 2 / 2**6
    assert tested[("openvino",), ("pytorch", "onnxruntime")] == (6, 0, pytest.approx(2 / 2**6))
    assert tested[("openvino",), ("openvino_int8",)] == (6, 0, pytest.approx(2 / 2**6))
    assert all(pair.significant for pair in found.pairs[:2])
    # different predictions, but never exactly one of the two right: nothing to test, no p
    assert tested[("pytorch", "onnxruntime"), ("openvino_int8",)] == (0, 0, None)
    assert len(found.pairs) == 3 and not found.pairs[2].significant


def test_the_pairs_agree_with_the_tests_against_the_trained_model(tmp_path):
    """The same exact test as the leader's (rule.paired_mcnemar_p), on the predictions read once per target."""
    from compressbench.analysis.quality import mcnemar_pairs

    run = _paired_run(tmp_path)
    for pair in mcnemar_pairs(run).pairs:
        p = rule.paired_mcnemar_p(run, pair.first[0], pair.second[0])
        assert p == pytest.approx(1.0 if pair.p is None else pair.p)


def test_variants_on_other_images_or_without_predictions_are_not_paired(tmp_path):
    from results_fixtures import write_predictions

    from compressbench.analysis.quality import findings, mcnemar_pairs

    run = _paired_run(tmp_path)
    other = np.ones(20, dtype=np.int64)  # other labels: not the same test images
    write_predictions(tmp_path, {"openvino": (other, np.array([0] * 16 + [1] * 4))})
    found = mcnemar_pairs(run)
    assert [(pair.first, pair.second) for pair in found.pairs] == [(("pytorch", "onnxruntime"), ("openvino_int8",))]
    write_predictions(tmp_path, {"openvino_int8": (np.zeros(20, dtype=np.int64), np.array([0] * 10 + [1] * 10))})
    assert mcnemar_pairs(run) is None  # one group left on the same images: no pair
    assert "quality.mcnemar_pairs" not in [f.id for f in findings(run)]


def test_the_pairs_survive_findings_json(tmp_path):
    from compressbench.analysis import read_findings, write_findings
    from compressbench.analysis.findings import Findings
    from compressbench.analysis.quality import findings

    made = Findings(findings(_paired_run(tmp_path)))
    write_findings(made, tmp_path / "findings.json")
    pairs = read_findings(tmp_path / "findings.json").body("quality.mcnemar_pairs")
    assert pairs == made.body("quality.mcnemar_pairs") and pairs.pairs[2].p is None

"""The analysis on synthetic records: each claim flips when its own number crosses its threshold,
comparisons are resolved only by intervals that do not overlap, findings survive findings.json."""

from __future__ import annotations

import pytest
from results_fixtures import run_of

from compressbench.analysis import coursework as cw
from compressbench.analysis import explain, load_coursework, rule, speed
from compressbench.analysis.claims import CHECKS
from compressbench.analysis.findings import NOT_MEASURED, NOT_RESOLVED, RESOLVED
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


# ---- each claim on its own quantity ------------------------------------------------------------------

# check -> (changes where it holds, changes where it does not); the only difference is the claim's quantity
FLIPS = {
    "pytorch_loads_fastest": (
        {"pytorch": {"load_seconds": 0.01}, "onnxruntime": {"load_seconds": 0.05}, "openvino": {"load_seconds": 0.05}},
        {"pytorch": {"load_seconds": 0.10}, "onnxruntime": {"load_seconds": 0.05}, "openvino": {"load_seconds": 0.05}},
    ),
    "pytorch_batch1_overhead": (
        {"pytorch": {"latency_p50_ms": 0.3, "throughput_ips": 10_000}},  # 0.1 ms per image: 67 % overhead
        {"pytorch": {"latency_p50_ms": 0.15, "throughput_ips": 10_000}},  # 33 %
    ),
    "pytorch_largest_file": ({"pytorch": {"size_bytes": 260_000}}, {"pytorch": {"size_bytes": 240_000}}),
    "onnxruntime_faster_than_pytorch_batch1": (
        {"onnxruntime": {"latency_p50_ms": 0.1, "latency_p50_ci_low_ms": 0.09, "latency_p50_ci_high_ms": 0.11}},
        {"onnxruntime": {"latency_p50_ms": 0.4, "latency_p50_ci_low_ms": 0.39, "latency_p50_ci_high_ms": 0.41}},
    ),
    "onnxruntime_reproduces_pytorch": ({"onnxruntime": {"agreement": 0.9995}}, {"onnxruntime": {"agreement": 0.998}}),
    "onnx_about_pytorch_size": ({"onnxruntime": {"size_bytes": 240_000}}, {"onnxruntime": {"size_bytes": 200_000}}),
    "onnxruntime_int8_quarter_size": (
        {"onnxruntime_int8": {"size_bytes": 65_000}},  # 0.26 of 250,000
        {"onnxruntime_int8": {"size_bytes": 76_700}},  # 1/3.26: not a quarter
    ),
    "openvino_fp16_weights_half": ({"openvino": {"size_bytes": 143_000}}, {"openvino": {"size_bytes": 250_000}}),
    "openvino_fastest_best_batch": (
        {"openvino": {"throughput_ips": 15_000, "throughput_ips_low": 14_000, "throughput_ips_high": 16_000}},
        {"openvino": {"throughput_ips": 5_000, "throughput_ips_low": 4_900, "throughput_ips_high": 5_100}},
    ),
    "openvino_naive_slower_than_tuned": (
        {"openvino": {"naive_test_set_seconds": 2.5, "tuned_test_set_seconds": 2.0}},  # 1.25x
        {"openvino": {"naive_test_set_seconds": 2.04, "tuned_test_set_seconds": 2.0}},  # 1.02x: no cost
    ),
    "openvino_int8_accuracy_within_1pp": (
        {"openvino_int8": {"accuracy_delta_pp": -0.9}},
        {"openvino_int8": {"accuracy_delta_pp": -1.1}},
    ),
}


def test_every_check_has_a_flip_test():
    assert set(FLIPS) | {"openvino_default_bf16"} == set(CHECKS)


@pytest.mark.parametrize("name", sorted(FLIPS))
def test_claim_flips_when_its_number_crosses_the_threshold(name):
    holds, fails = FLIPS[name]
    assert CHECKS[name](make_run(holds)) == CHECKS[name](make_run(holds))  # deterministic
    yes, no = CHECKS[name](make_run(holds)), CHECKS[name](make_run(fails))
    assert (yes.status, yes.holds) == (RESOLVED, True), yes
    assert (no.status, no.holds) == (RESOLVED, False), no


@pytest.mark.parametrize("name", sorted(FLIPS))
def test_claim_is_not_measured_without_its_quantity(name):
    holds, _ = FLIPS[name]
    keys = {key for changes in holds.values() for key in changes}
    removed = {t: dict.fromkeys(keys) for t in RUNTIMES}
    assert CHECKS[name](make_run(removed)).status == NOT_MEASURED


def test_overlapping_speed_claim_is_not_resolved():
    tiny_lead = {"openvino": {"throughput_ips": 10_500, "throughput_ips_low": 10_100, "throughput_ips_high": 10_900}}
    verdict = CHECKS["openvino_fastest_best_batch"](make_run(tiny_lead))
    assert verdict.status == NOT_RESOLVED and verdict.reason == rule.OVERLAP


def test_naive_ratio_between_thresholds_is_not_resolved():
    run = make_run({"openvino": {"naive_test_set_seconds": 2.2, "tuned_test_set_seconds": 2.0}})
    assert CHECKS["openvino_naive_slower_than_tuned"](run).status == NOT_RESOLVED


def test_bf16_default_is_tested_only_where_it_applies():
    check = CHECKS["openvino_default_bf16"]
    bf16_cpu = {"isa": {"AVX-512 BF16": True}}
    forced = {"openvino": {"precision_requested": "f32", "precision": "f32"}}
    assert check(make_run(environment=bf16_cpu, bench=forced)).status == NOT_MEASURED  # the run forced FP32
    no_bf16 = {"isa": {"AVX-512 BF16": False, "AVX2": True}}
    default = {"openvino": {"precision_requested": "auto", "precision": "bf16"}}
    assert check(make_run(environment=no_bf16, bench=default)).status == NOT_MEASURED
    assert check(make_run(environment=bf16_cpu, bench=default)).holds is True
    default_f32 = {"openvino": {"precision_requested": "auto", "precision": "f32"}}
    assert check(make_run(environment=bf16_cpu, bench=default_f32)).holds is False


# ---- explanations ---------------------------------------------------------------------------------


def test_int8_slowdown_that_shrinks_with_batch_is_a_per_call_cost():
    slow = {"latency_p50_ms": 0.3, "latency_p50_ci_low_ms": 0.29, "latency_p50_ci_high_ms": 0.31}
    run = make_run({"onnxruntime_int8": {**slow, "throughput_ips": 9_000}}, environment={"isa": {"AVX2": True}})
    result = explain.int8_slowdown(run, "onnxruntime_int8")
    assert result.ratio_batch1 == pytest.approx(1.5) and result.batch1.resolved
    assert result.fixed_cost is True and result.vnni is False
    run = make_run({"onnxruntime_int8": {**slow, "throughput_ips": 6_700}})
    assert explain.int8_slowdown(run, "onnxruntime_int8").fixed_cost is False


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


def test_averaging_of_the_coursework_f1():
    coursework = load_coursework()
    balanced = [{"class": c, "support": 1000} for c in "ab"]
    assert cw.averaging(coursework, make_run(per_class=balanced)).verdict == "macro_or_weighted"
    unbalanced = [{"class": "a", "support": 900}, {"class": "b", "support": 1100}]
    macro_like = {"pytorch": {"f1_macro": 0.578, "f1_weighted": 0.585}}  # coursework gap -0.0019
    assert cw.averaging(coursework, make_run(macro_like, per_class=unbalanced)).verdict == "macro"
    weighted_like = {"pytorch": {"f1_macro": 0.570, "f1_weighted": 0.578}}
    assert cw.averaging(coursework, make_run(weighted_like, per_class=unbalanced)).verdict == "weighted"


def test_eager_gap_and_outliers():
    run = make_run(
        {"pytorch": {"latency_p50_ms": 1.0, "latency_p50_ci_low_ms": 0.9, "latency_p50_ci_high_ms": 1.1}},
        bench={"openvino": {"throughput_by_batch": {"1": 5000, "8": 9000, "64": 4000, "256": 10_000}}},
    )
    gap = explain.eager_gap(run)
    assert gap.ratio_batch1 == pytest.approx(5.0) and gap.resolved and gap.overhead_share == pytest.approx(0.9)
    [dip] = explain.throughput_outliers(run)
    assert (dip.target, dip.batch, dip.dip) == ("openvino", 64, pytest.approx(1 - 4000 / 9000))


def _thread_run(one_thread_range_us: float):
    rows = {}
    for target, base in (("onnxruntime", 0.032), ("openvino", 0.047)):
        rows[target] = {
            "threads": 2,
            "repeats": 3,
            "latency_p50_ms": base,
            "latency_p50_ci_low_ms": base,
            "latency_p50_ci_high_ms": base * (1.8 if target == "onnxruntime" else 1.02),
            "latency_1thread_p50_ms": base,
            "latency_1thread_p50_ci_low_ms": base,
            "latency_1thread_p50_ci_high_ms": base + one_thread_range_us / 1000,
        }
    return run_of(rows)


@pytest.mark.parametrize(("one_thread_range_us", "steadier"), [(1.0, True), (30.0, False)])
def test_one_thread_verdict_flips_with_its_spread(one_thread_range_us, steadier):
    [found] = [f for f in speed.findings(_thread_run(one_thread_range_us)) if f.id == "speed.threads"]
    spreads = found.body.spreads
    assert [x.target for x in spreads] == ["onnxruntime", "openvino"]
    assert spreads[0].spread == pytest.approx(0.8)
    assert found.body.one_thread_steadier is steadier


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

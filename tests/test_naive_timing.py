"""The naive loop against the tuned one by the one rule: both loops run in each repeat's process, so they
are compared repeat by repeat; a side is faster only when it is in every repeat."""

from __future__ import annotations

import pytest
from results_fixtures import run_of

from compressbench.analysis.claims import openvino_naive_slower_than_tuned
from compressbench.analysis.rule import ROUNDS_DISAGREE
from compressbench.analysis.timing import naive_cost


def loops(naive: list[float], tuned: list[float]) -> dict:
    """A target's naive and tuned whole-test-set seconds per repeat, with the medians and ranges."""
    middle = lambda values: sorted(values)[len(values) // 2]  # noqa: E731
    return {
        "repeats": len(naive),
        "naive_test_set_seconds": middle(naive),
        "naive_test_set_seconds_low": min(naive),
        "naive_test_set_seconds_high": max(naive),
        "naive_repeat_seconds": naive,
        "tuned_test_set_seconds": middle(tuned),
        "tuned_test_set_seconds_low": min(tuned),
        "tuned_test_set_seconds_high": max(tuned),
        "tuned_repeat_seconds": tuned,
    }


def test_paired_repeats_resolve_what_overlapping_ranges_cannot():
    # ranges overlap (naive 2.60-3.14, tuned 2.50-3.04), yet the naive loop is slower in each of six repeats
    run = run_of({"pytorch": loops([2.60, 2.63, 3.14, 2.61, 2.62, 2.64], [2.50, 2.52, 3.04, 2.51, 2.52, 2.53])})
    cost = naive_cost(run)
    assert cost.slower == ["pytorch"] and not cost.unresolved and not cost.faster
    low, high = cost.ratio_ranges["pytorch"]
    assert 1 < low <= high


def test_three_paired_repeats_leave_overlapping_ranges_unresolved():
    run = run_of({"pytorch": loops([2.60, 2.63, 3.14], [2.50, 2.52, 3.04])})  # signed-rank test p = 0.25
    assert naive_cost(run).unresolved == ["pytorch"]


def test_the_convenience_call_can_be_faster():
    run = run_of({"openvino": loops([0.348, 0.352, 0.357], [0.417, 0.430, 0.445])})
    assert naive_cost(run).faster == ["openvino"]
    assert openvino_naive_slower_than_tuned(run).holds is False  # the claim is contradicted


def test_ranges_of_three_rounds_resolve_only_as_the_weaker_finding_and_the_claim_says_so():
    """Ranges of 3 rounds a side fall apart by chance 10 % of the time, above the exact tests' 5 %."""
    run = run_of({"openvino": loops([0.443, 0.447, 0.461], [0.309, 0.319, 0.321])})
    cost = naive_cost(run)
    assert cost.slower == ["openvino"] and cost.weak_rounds == {"openvino": 3}
    verdict = openvino_naive_slower_than_tuned(run)
    assert verdict.holds is True and verdict.detail == "naive_weaker"
    assert verdict.numbers["rounds"].value == 3 and verdict.numbers["chance"].value == pytest.approx(0.1)
    four = run_of({"openvino": loops([0.443, 0.447, 0.461, 0.450], [0.309, 0.319, 0.321, 0.315])})
    assert naive_cost(four).weak_rounds == {} and openvino_naive_slower_than_tuned(four).detail == "naive"


def test_repeats_that_disagree_leave_it_unresolved():
    run = run_of({"openvino": loops([0.70, 0.76, 0.74], [0.72, 0.73, 0.75])})
    cost = naive_cost(run)
    assert cost.unresolved == ["openvino"] and not cost.slower and not cost.faster
    verdict = openvino_naive_slower_than_tuned(run)  # the claim reads the same verdict
    assert verdict.holds is None and verdict.reason == ROUNDS_DISAGREE


def test_without_per_repeat_figures_the_ranges_decide():
    rows = loops([2.60, 2.63, 3.14], [2.50, 2.52, 3.04])
    del rows["naive_repeat_seconds"], rows["tuned_repeat_seconds"]
    assert naive_cost(run_of({"pytorch": rows})).unresolved == ["pytorch"]


def test_the_ratio_is_the_median_of_the_per_repeat_ratios_as_the_method_states():
    """OpenVINO INT8 of a real run: per round 1.454, 1.363, 1.244; the medians' ratio alone read 1.24."""
    run = run_of({"openvino_int8": loops([0.6107, 0.6133, 0.4304], [0.4200, 0.4500, 0.3460])})
    cost = naive_cost(run)
    assert cost.ratios["openvino_int8"] == pytest.approx(0.6133 / 0.4500)  # the middle round's 1.363
    assert cost.ratio_ranges["openvino_int8"] == pytest.approx([0.4304 / 0.3460, 0.6107 / 0.4200])
    rows = loops([0.6107, 0.6133, 0.4304], [0.4200, 0.4500, 0.3460])
    del rows["naive_repeat_seconds"], rows["tuned_repeat_seconds"]
    assert naive_cost(run_of({"openvino_int8": rows})).ratios["openvino_int8"] == pytest.approx(0.6107 / 0.4200)

"""Quality uncertainty: bootstrap CIs against sklearn and by construction, exact McNemar by hand."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from compressbench.stats import accuracy_and_f1_macro, confusion_counts, mcnemar, quality_intervals


def noisy_classifier(n: int, classes: int, accuracy: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    predictions = np.where(rng.random(n) < accuracy, labels, rng.integers(0, classes, n))
    return labels, predictions


def test_confusion_counts_match_a_hand_count_per_leading_row():
    codes = np.array([[0 * 3 + 0, 1 * 3 + 2, 1 * 3 + 2], [2 * 3 + 2, 2 * 3 + 2, 0 * 3 + 1]])
    counts = confusion_counts(codes, 3)
    assert counts.shape == (2, 3, 3)
    assert counts[0].tolist() == [[1, 0, 0], [0, 0, 2], [0, 0, 0]]
    assert counts[1].tolist() == [[0, 1, 0], [0, 0, 0], [0, 0, 2]]


def test_accuracy_and_macro_f1_equal_sklearn_including_absent_classes():
    labels, predictions = noisy_classifier(500, 6, 0.6)
    predictions[predictions == 5] = 4  # class 5 is never predicted
    labels[labels == 3] = 2  # class 3 has no support
    counts = confusion_counts(labels * 6 + predictions, 6)
    accuracy, f1 = accuracy_and_f1_macro(counts)
    assert accuracy == pytest.approx(accuracy_score(labels, predictions))
    expected = f1_score(labels, predictions, labels=list(range(6)), average="macro", zero_division=0)
    assert f1 == pytest.approx(expected)


def test_bootstrap_intervals_contain_the_estimate_and_shrink_with_more_images():
    labels, predictions = noisy_classifier(4000, 10, 0.64)
    wide = quality_intervals(labels[:400], predictions[:400], 10, resamples=999, seed=0)
    narrow = quality_intervals(labels, predictions, 10, resamples=999, seed=0)
    accuracy = accuracy_score(labels, predictions)
    f1 = f1_score(labels, predictions, average="macro")
    assert narrow["accuracy_ci_low"] < accuracy < narrow["accuracy_ci_high"]
    assert narrow["f1_macro_ci_low"] < f1 < narrow["f1_macro_ci_high"]
    width = narrow["accuracy_ci_high"] - narrow["accuracy_ci_low"]
    # a binomial proportion: 95 % half-width ~ 1.96 sqrt(p (1 - p) / n)
    assert width == pytest.approx(2 * 1.96 * np.sqrt(accuracy * (1 - accuracy) / 4000), rel=0.15)
    assert wide["accuracy_ci_high"] - wide["accuracy_ci_low"] > 2 * width


def test_bootstrap_is_reproducible_with_its_seed():
    labels, predictions = noisy_classifier(300, 4, 0.7)
    first = quality_intervals(labels, predictions, 4, resamples=200, seed=3)
    assert first == quality_intervals(labels, predictions, 4, resamples=200, seed=3)
    assert first != quality_intervals(labels, predictions, 4, resamples=200, seed=4)


def test_bootstrap_rejects_unpaired_input():
    with pytest.raises(ValueError, match="paired"):
        quality_intervals(np.zeros(5, int), np.zeros(4, int), 3, resamples=100, seed=0)


def test_mcnemar_counts_each_direction_and_gives_the_exact_binomial_p():
    labels = np.zeros(20, int)
    reference = np.array([0] * 12 + [1] * 8)  # right on the first 12
    candidate = np.array([0] * 10 + [1] * 2 + [0] * 3 + [1] * 5)  # loses 2 of them, gains 3
    result = mcnemar(labels, reference, candidate)
    assert result["changed_to_wrong"] == 2 and result["changed_to_correct"] == 3
    assert result["discordant"] == 5
    # two-sided exact: P(X <= 2) + P(X >= 3) for X ~ Binomial(5, 1/2) = 1
    assert result["mcnemar_p"] == pytest.approx(1.0)


def test_mcnemar_one_sided_changes_are_significant():
    labels = np.zeros(30, int)
    reference = np.zeros(30, int)
    candidate = np.array([1] * 10 + [0] * 20)  # 10 newly wrong, none newly right
    result = mcnemar(labels, reference, candidate)
    assert result["mcnemar_p"] == pytest.approx(2 * 0.5**10)


def test_mcnemar_of_identical_predictions_has_nothing_to_test():
    labels = np.array([0, 1, 2])
    assert mcnemar(labels, labels, labels) == {
        "mcnemar_p": 1.0,
        "discordant": 0,
        "changed_to_correct": 0,
        "changed_to_wrong": 0,
    }


def test_signed_rank_test_needs_six_rounds_on_one_side_for_five_percent():
    from compressbench.stats import signed_rank_test

    assert signed_rank_test([0.9, 0.8, 0.95]) == pytest.approx(0.25)  # 2 / 2**3: chance one time in four
    assert signed_rank_test([0.9] * 5) > 0.05 > signed_rank_test([0.9] * 6) == pytest.approx(2 / 64)
    assert signed_rank_test([1.0, 1.0]) == 1.0  # rounds equal to 1 carry no side
    assert signed_rank_test([0.9, 1 / 0.9, 0.9, 1 / 0.9]) >= 0.5  # as far one way as the other


def test_signed_rank_test_weighs_how_far_each_round_lies():
    """Seven rounds 10 % one way and one 1 % the other: a sign test (7 of 8 rounds: p = 0.07) would not
    decide, the signed-rank test does (the reversed round has the smallest rank: p = 4 / 256); the
    same round 30 % the other way, the largest rank, leaves it open."""
    from compressbench.stats import signed_rank_test

    assert signed_rank_test([0.9] * 7 + [1.01]) == pytest.approx(4 / 256)
    assert signed_rank_test([0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 1.3]) > 0.05

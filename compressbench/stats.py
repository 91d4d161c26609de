"""Uncertainty of the quality figures: bootstrap confidence intervals and exact McNemar tests.

Both come from scipy. The bootstrap resamples test images (pairs of label and prediction):
each pair is encoded as one integer ``label * K + prediction`` so a resample's confusion
matrix is one ``np.bincount``, and accuracy and macro-F1 (as sklearn computes them, every
class counted, 0 where a class has no support and no predictions) follow from it.
The percentile interval is used: BCa's jackknife costs n more evaluations of the statistic,
and with thousands of test images the two differ in the fourth decimal.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


def confusion_counts(codes: np.ndarray, num_classes: int) -> np.ndarray:
    """Confusion matrices (..., K, K) of pair codes (..., n), one per leading index."""
    codes = np.asarray(codes)
    leading = codes.shape[:-1]
    rows = int(np.prod(leading)) if leading else 1
    cells = num_classes * num_classes
    offsets = codes.reshape(rows, -1).astype(np.int64) + (np.arange(rows, dtype=np.int64) * cells)[:, None]
    counts = np.bincount(offsets.ravel(), minlength=rows * cells)
    return counts.reshape(*leading, num_classes, num_classes)


def accuracy_and_f1_macro(counts: np.ndarray) -> np.ndarray:
    """[accuracy, macro-F1] from confusion matrices (..., K, K); shape (2, ...)."""
    true_positives = np.diagonal(counts, axis1=-2, axis2=-1).astype(np.float64)
    total = counts.sum(axis=(-2, -1))
    accuracy = true_positives.sum(axis=-1) / np.maximum(total, 1)
    # F1 = 2 TP / (2 TP + FP + FN) = 2 TP / (support + predicted count)
    denominator = counts.sum(axis=-1) + counts.sum(axis=-2)
    f1 = np.where(denominator > 0, 2.0 * true_positives / np.maximum(denominator, 1), 0.0)
    return np.stack([accuracy, f1.mean(axis=-1)])


def quality_intervals(labels: np.ndarray, predictions: np.ndarray, num_classes: int, resamples: int, seed: int) -> dict:
    """Percentile bootstrap 95 % CIs of accuracy and macro-F1 over the test images (seeded)."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    if labels.shape != predictions.shape or labels.ndim != 1 or len(labels) < 2:
        raise ValueError(f"quality_intervals: need two or more paired labels/predictions, got {labels.shape}")
    codes = labels * num_classes + predictions

    def statistic(sample, axis=-1):
        return accuracy_and_f1_macro(confusion_counts(np.moveaxis(sample, axis, -1), num_classes))

    result = stats.bootstrap(
        (codes,),
        statistic,
        vectorized=True,
        n_resamples=resamples,
        confidence_level=CONFIDENCE,
        method="percentile",
        batch=max(1, 5_000_000 // len(codes)),  # resamples per batch: ~40 MB of int64 indices
        rng=np.random.default_rng(seed),
    )
    low, high = result.confidence_interval
    return {
        "accuracy_ci_low": float(low[0]),
        "accuracy_ci_high": float(high[0]),
        "f1_macro_ci_low": float(low[1]),
        "f1_macro_ci_high": float(high[1]),
        "quality_ci": f"{CONFIDENCE:.0%} percentile bootstrap over test images, {resamples} resamples, seed {seed}",
    }


def mcnemar(labels: np.ndarray, reference: np.ndarray, candidate: np.ndarray) -> dict:
    """Exact McNemar test of two classifiers on the same images (a two-sided binomial test on the
    images where exactly one of them is right), with the discordant counts each way."""
    labels, reference, candidate = (np.asarray(a) for a in (labels, reference, candidate))
    if not labels.shape == reference.shape == candidate.shape:
        raise ValueError(f"mcnemar: shapes differ: {labels.shape}, {reference.shape}, {candidate.shape}")
    reference_right = reference == labels
    candidate_right = candidate == labels
    to_correct = int(np.sum(~reference_right & candidate_right))
    to_wrong = int(np.sum(reference_right & ~candidate_right))
    discordant = to_correct + to_wrong
    # With no discordant image there is nothing to test: the classifiers cannot be told apart.
    p_value = float(stats.binomtest(to_correct, discordant, 0.5).pvalue) if discordant else 1.0
    return {
        "mcnemar_p": p_value,
        "discordant": discordant,
        "changed_to_correct": to_correct,
        "changed_to_wrong": to_wrong,
    }


def signed_rank_test(ratios: list[float]) -> float:
    """Two-sided Wilcoxon signed-rank test of paired ratios against "no difference" (each round's log ratio
    as likely above 0 as below, symmetrically): unlike a sign test it weighs how far each round lies from 1,
    so one round a little on the other side does not undo seven clear ones (8 rounds: p = 4/256). Exact for
    few rounds; rounds equal to 1 carry no side and are dropped. With every round on one side it is 2 / 2**n,
    so at least six rounds can reach the 5 % level."""
    logs = [math.log(r) for r in ratios if r != 1]
    if not logs:
        return 1.0
    return float(stats.wilcoxon(logs, zero_method="wilcox", alternative="two-sided").pvalue)


def paired_difference_interval(to_correct: int, to_wrong: int, images: int) -> tuple[float, float]:
    """95 % interval of the accuracy difference of two classifiers on the same images (the candidate's
    minus the reference's), from the discordant counts: the Wald interval of a paired difference of
    proportions, (b - c) / n +- 1.96 sqrt(b + c - (b - c)^2 / n) / n."""
    if images <= 0:
        raise ValueError("paired_difference_interval: no images")
    difference = (to_correct - to_wrong) / images
    half = (
        stats.norm.ppf(0.5 + CONFIDENCE / 2)
        * math.sqrt(max(0.0, to_correct + to_wrong - (to_correct - to_wrong) ** 2 / images))
        / images
    )
    return difference - half, difference + half

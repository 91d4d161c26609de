"""Tests for compressbench.metrics and compressbench.preprocess against numbers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from compressbench.metrics import confusion, parity, per_class_metrics, summary_metrics
from compressbench.preprocess import channel_stats, normalize

# 3 classes, 8 samples; class 0 is twice as frequent as classes 1 and 2
LABELS = np.array([0, 0, 0, 0, 1, 1, 2, 2])
PREDICTIONS = np.array([0, 0, 1, 2, 1, 1, 1, 2])

# rows: true class, columns: predicted class
#   class 0 (4 samples) predicted 0, 0, 1, 2 -> [2, 1, 1]
#   class 1 (2 samples) predicted 1, 1       -> [0, 2, 0]
#   class 2 (2 samples) predicted 1, 2       -> [0, 1, 1]
CONFUSION = [[2, 1, 1], [0, 2, 0], [0, 1, 1]]

# per class, from the columns (precision) and rows (recall) of the confusion matrix:
#   class 0: precision 2/(2+0+0) = 1,   recall 2/4 = 0.5, f1 = 2*1*0.5/(1+0.5)   = 2/3
#   class 1: precision 2/(1+2+1) = 0.5, recall 2/2 = 1,   f1 = 2*0.5*1/(0.5+1)   = 2/3
#   class 2: precision 1/(1+0+1) = 0.5, recall 1/2 = 0.5, f1 = 2*0.5*0.5/(0.5+0.5) = 0.5
PER_CLASS = [
    {"class": "cat", "precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 4},
    {"class": "dog", "precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 2},
    {"class": "emu", "precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2},
]

SUMMARY = {
    # correct on the diagonal: (2 + 2 + 1) / 8
    "accuracy": 5 / 8,
    # macro: plain mean over the 3 classes
    "precision_macro": (1 + 0.5 + 0.5) / 3,  # = 2/3 ~ 0.6667
    "recall_macro": (0.5 + 1 + 0.5) / 3,  # = 2/3 ~ 0.6667
    "f1_macro": (2 / 3 + 2 / 3 + 0.5) / 3,  # = 11/18 ~ 0.6111
    # weighted: supports 4, 2, 2 out of 8
    "precision_weighted": (4 * 1 + 2 * 0.5 + 2 * 0.5) / 8,  # = 6/8 = 0.75
    "recall_weighted": (4 * 0.5 + 2 * 1 + 2 * 0.5) / 8,  # = 5/8 = accuracy
    "f1_weighted": (4 * 2 / 3 + 2 * 2 / 3 + 2 * 0.5) / 8,  # = (8/3 + 4/3 + 1)/8 = 5/8 = 0.625
}


def test_summary_metrics_by_hand():
    result = summary_metrics(LABELS, PREDICTIONS, 3)
    assert set(result) == set(SUMMARY)
    for name, expected in SUMMARY.items():
        assert result[name] == pytest.approx(expected, abs=1e-12), name
        assert type(result[name]) is float, name


def test_macro_and_weighted_averages_differ():
    result = summary_metrics(LABELS, PREDICTIONS, 3)
    assert result["precision_macro"] == pytest.approx(0.6666666666666666)
    assert result["precision_weighted"] == pytest.approx(0.75)
    assert result["recall_macro"] == pytest.approx(0.6666666666666666)
    assert result["recall_weighted"] == pytest.approx(0.625)
    assert result["f1_macro"] == pytest.approx(0.6111111111111112)
    assert result["f1_weighted"] == pytest.approx(0.625)
    # weighted recall is always the accuracy for single-label classification
    assert result["recall_weighted"] == pytest.approx(result["accuracy"])


def test_summary_metrics_count_absent_classes_in_macro_average():
    # a 4th class that is neither present nor predicted scores 0 (zero_division=0) and
    # still counts in the macro mean; weighted averages give it weight 0 (support 0)
    result = summary_metrics(LABELS, PREDICTIONS, 4)
    assert result["accuracy"] == pytest.approx(5 / 8)
    assert result["precision_macro"] == pytest.approx((1 + 0.5 + 0.5 + 0) / 4)  # = 0.5
    assert result["recall_macro"] == pytest.approx((0.5 + 1 + 0.5 + 0) / 4)  # = 0.5
    assert result["f1_macro"] == pytest.approx((2 / 3 + 2 / 3 + 0.5 + 0) / 4)  # = 11/24
    assert result["precision_weighted"] == pytest.approx(0.75)
    assert result["f1_weighted"] == pytest.approx(0.625)


def test_summary_metrics_prediction_of_a_class_without_samples():
    # labels   0 0 1 1, predictions 0 2 1 1 (class 2 has no samples but is predicted once)
    #   class 0: precision 1/1, recall 1/2, f1 2/3;  class 1: precision 2/2, recall 2/2, f1 1
    #   class 2: precision 0/1 = 0, recall 0/0 -> 0, f1 0
    result = summary_metrics(np.array([0, 0, 1, 1]), np.array([0, 2, 1, 1]), 3)
    assert result["accuracy"] == pytest.approx(3 / 4)
    assert result["precision_macro"] == pytest.approx((1 + 1 + 0) / 3)
    assert result["recall_macro"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert result["f1_macro"] == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert result["precision_weighted"] == pytest.approx((2 * 1 + 2 * 1) / 4)
    assert result["recall_weighted"] == pytest.approx((2 * 0.5 + 2 * 1) / 4)


def test_per_class_metrics_by_hand():
    rows = per_class_metrics(LABELS, PREDICTIONS, ["cat", "dog", "emu"])
    assert len(rows) == 3
    for row, expected in zip(rows, PER_CLASS, strict=True):
        assert list(row) == ["class", "precision", "recall", "f1", "support"]
        assert row["class"] == expected["class"]
        assert row["support"] == expected["support"] and type(row["support"]) is int
        for name in ["precision", "recall", "f1"]:
            assert row[name] == pytest.approx(expected[name], abs=1e-12), (row["class"], name)


def test_per_class_metrics_lists_every_class_even_without_samples():
    rows = per_class_metrics(LABELS, PREDICTIONS, ["cat", "dog", "emu", "fox"])
    assert rows[3] == {"class": "fox", "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


def test_confusion_by_hand():
    matrix = confusion(LABELS, PREDICTIONS, 3)
    np.testing.assert_array_equal(matrix, CONFUSION)
    assert matrix.sum() == 8
    # padded with empty rows/columns for classes that never occur
    np.testing.assert_array_equal(
        confusion(LABELS, PREDICTIONS, 4), [[2, 1, 1, 0], [0, 2, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]]
    )


def test_parity_by_hand():
    reference = np.array([[1.0, 2.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    target = np.array([[1.0, 2.5, 0.0], [0.0, 3.5, 0.0], [0.0, 0.0, 0.75]])
    # argmax reference 1, 0, 2; target 1, 1, 2 -> rows 0 and 2 agree: 2/3, 1 disagreement
    # largest |difference|: row 1, column 1: |0 - 3.5| = 3.5 (others 0.5, 3.0, 0.25)
    assert parity(reference, target) == {
        "agreement": pytest.approx(2 / 3),
        "disagreements": 1,
        "max_abs_logit_diff": 3.5,
        "samples": 3,
    }


def test_parity_identical_and_empty_logits():
    logits = np.array([[0.1, 0.9], [0.8, 0.2]], dtype=np.float32)
    assert parity(logits, logits.copy()) == {
        "agreement": 1.0,
        "disagreements": 0,
        "max_abs_logit_diff": 0.0,
        "samples": 2,
    }
    empty = np.zeros((0, 10), dtype=np.float32)
    assert parity(empty, empty) == {"agreement": 1.0, "disagreements": 0, "max_abs_logit_diff": 0.0, "samples": 0}


def test_parity_shape_mismatch():
    with pytest.raises(ValueError, match="logit shapes differ"):
        parity(np.zeros((2, 3)), np.zeros((2, 4)))


# --- preprocess ----------------------------------------------------------------------

# two 1x2 images with two channels; values 0, 51, 102, 255 are 0, 0.2, 0.4, 1 on the 0..1 scale
IMAGES = np.array(
    [
        [[[0, 255]], [[51, 51]]],
        [[[0, 255]], [[102, 102]]],
    ],
    dtype=np.uint8,
)


def test_channel_stats_by_hand():
    mean, std = channel_stats(IMAGES)
    # channel 0: 0, 1, 0, 1 -> mean 0.5, deviations +-0.5 -> std 0.5
    # channel 1: 0.2, 0.2, 0.4, 0.4 -> mean 0.3, deviations +-0.1 -> std 0.1 (population std)
    assert mean == pytest.approx([0.5, 0.3])
    assert std == pytest.approx([0.5, 0.1])
    assert isinstance(mean, list) and isinstance(std, list)
    assert all(type(value) is float for value in mean + std)


def test_normalize_by_hand():
    result = normalize(IMAGES, [0.5, 0.3], [0.5, 0.1])
    # channel 0: (0 - 0.5)/0.5 = -1, (1 - 0.5)/0.5 = 1; channel 1: (0.2 - 0.3)/0.1 = -1, (0.4 - 0.3)/0.1 = 1
    expected = np.array([[[[-1, 1]], [[-1, -1]]], [[[-1, 1]], [[1, 1]]]], dtype=np.float32)
    assert result.dtype == np.float32 and result.shape == IMAGES.shape
    assert result.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(result, expected, atol=1e-6)


def test_normalize_in_place_gives_the_expression_bit_for_bit_and_leaves_its_input_alone():
    images = np.random.default_rng(1).integers(0, 256, (5, 3, 4, 4), dtype=np.uint8)
    mean, std = [0.49, 0.48, 0.45], [0.25, 0.24, 0.26]
    as_expression = (images.astype(np.float32) / 255.0 - np.float32(mean).reshape(1, -1, 1, 1)) / np.float32(
        std
    ).reshape(1, -1, 1, 1)
    np.testing.assert_array_equal(normalize(images, mean, std), as_expression)
    floats = images.astype(np.float32)
    normalize(floats[:, :, ::2], mean, std)  # a strided float32 view: converted into a new array
    np.testing.assert_array_equal(floats, images.astype(np.float32))


def test_normalize_with_dataset_stats_gives_zero_mean_unit_std():
    images = np.random.default_rng(0).integers(0, 256, (6, 3, 4, 4), dtype=np.uint8)
    mean, std = channel_stats(images)
    result = normalize(images, mean, std)
    np.testing.assert_allclose(result.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(result.std(axis=(0, 2, 3)), 1, atol=1e-5)


def test_normalize_identity_for_none_normalization():
    images = np.array([[[[0, 255, 51]]]], dtype=np.uint8)
    np.testing.assert_allclose(normalize(images, [0.0], [1.0]), [[[[0.0, 1.0, 0.2]]]], atol=1e-7)

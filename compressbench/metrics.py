"""Classification metrics with the averaging stated in every name.

`*_macro`: unweighted mean over classes. `*_weighted`: mean weighted by class support.
(The coursework reported micro-averaged precision/recall, which equal accuracy for
single-label classification, next to an F1 averaged another way.)
scikit-learn is imported where it is used: the search's config check reads QUALITY_METRICS when the
Snakefile is parsed.
"""

from __future__ import annotations

import numpy as np

QUALITY_METRICS = (
    "accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "precision_weighted",
    "recall_weighted",
    "f1_weighted",
)  # the keys summary_metrics returns, in table order


def summary_metrics(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> dict:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    classes = list(range(num_classes))
    result = {"accuracy": float(accuracy_score(labels, predictions))}
    for average in ("macro", "weighted"):
        precision, recall, f1, _ = precision_recall_fscore_support(
            labels, predictions, labels=classes, average=average, zero_division=0
        )
        result[f"precision_{average}"] = float(precision)
        result[f"recall_{average}"] = float(recall)
        result[f"f1_{average}"] = float(f1)
    return result


def per_class_metrics(labels: np.ndarray, predictions: np.ndarray, class_names: list[str]) -> list[dict]:
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predictions, labels=list(range(len(class_names))), average=None, zero_division=0
    )
    return [
        {
            "class": name,
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, name in enumerate(class_names)
    ]


def confusion(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(labels, predictions, labels=list(range(num_classes)))


def parity(reference_logits: np.ndarray, target_logits: np.ndarray) -> dict:
    """Argmax agreement and largest absolute logit difference against the reference."""
    if reference_logits.shape != target_logits.shape:
        raise ValueError(f"logit shapes differ: {reference_logits.shape} vs {target_logits.shape}")
    agree = reference_logits.argmax(axis=1) == target_logits.argmax(axis=1)
    return {
        "agreement": float(agree.mean()) if len(agree) else 1.0,
        "disagreements": int((~agree).sum()),
        "max_abs_logit_diff": float(np.abs(reference_logits - target_logits).max()) if len(agree) else 0.0,
        "samples": int(len(agree)),
    }

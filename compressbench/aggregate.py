"""Join per-target results into results/summary.tsv (one row per target)."""

from __future__ import annotations

from .tables import read_json, read_tsv

SUMMARY_COLUMNS = [
    "target",
    "runtime",
    "label",
    "weights",
    "precision",
    "accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "precision_weighted",
    "recall_weighted",
    "f1_weighted",
    "size_bytes",
    "params",
    "test_set_seconds",
    "eval_batch_size",
    "threads",
    "agreement",
    "max_abs_logit_diff",
]


def summary_rows(metrics_paths: list[str], parity_paths: list[str]) -> list[dict]:
    rows = []
    for metrics_path, parity_path in zip(metrics_paths, parity_paths):
        metrics = read_json(metrics_path)
        parity = read_tsv(parity_path)[0]
        rows.append(
            {
                **{key: metrics[key] for key in SUMMARY_COLUMNS if key in metrics},
                "precision": metrics["runtime_precision"],
                "eval_batch_size": metrics["batch_size"],
                "threads": metrics["runtime_threads"],
                "agreement": parity["agreement"],
                "max_abs_logit_diff": parity["max_abs_logit_diff"],
            }
        )
    return rows

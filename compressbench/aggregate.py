"""Join per-target results into results/summary.tsv (one row per target).

Quality comes from the evaluation jobs (with bootstrap CIs) and from exact McNemar tests on
the predictions: against PyTorch FP32, and for a compressed variant against its base (the
target that runs the same runtime in full precision). Every speed, memory and start-up
figure comes from the benchmark jobs' combined summary (compressbench.repeats): medians over
repeats with their min-max range.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .metrics import QUALITY_METRICS
from .stats import mcnemar
from .tables import read_json, read_tsv
from .targets import TARGETS

REFERENCE = "pytorch"
QUALITY_CI_COLUMNS = ["accuracy_ci_low", "accuracy_ci_high", "f1_macro_ci_low", "f1_macro_ci_high"]
MCNEMAR_COLUMNS = ["mcnemar_p", "changed_predictions", "changed_to_correct", "changed_to_wrong"]
BASE_COLUMNS = ["base_target", "base_accuracy_delta_pp", *(f"base_{name}" for name in MCNEMAR_COLUMNS)]
BENCH_COLUMNS = [
    "latency_p50_ms",
    "latency_p99_ms",
    "latency_p50_ci_low_ms",
    "latency_p50_ci_high_ms",
    "latency_p50_spread",
    "latency_repeats_agree",
    "latency_1thread_p50_ms",
    "latency_1thread_p50_ci_low_ms",
    "latency_1thread_p50_ci_high_ms",
    "latency_1thread_threads",
    "throughput_ips",
    "throughput_ips_low",
    "throughput_ips_high",
    "batch_size_best",
    "test_set_seconds",
    "test_set_seconds_low",
    "test_set_seconds_high",
    "test_set_batch_size",
    "naive_test_set_seconds",
    "naive_test_set_seconds_low",
    "naive_test_set_seconds_high",
    "tuned_test_set_seconds",
    "tuned_test_set_seconds_low",
    "tuned_test_set_seconds_high",
    "baseline_rss_mb",
    "load_rss_mb",
    "peak_rss_batch1_mb",
    "peak_rss_mb",
    "load_seconds",
    "load_seconds_low",
    "load_seconds_high",
    "first_call_ms",
    "first_call_ms_low",
    "first_call_ms_high",
    "repeats",
]
SUMMARY_COLUMNS = [
    "target",
    "runtime",
    "label",
    "weights",
    "built_from",  # the target a chain step was built from (empty for one built from the trained model)
    "precision",
    *QUALITY_METRICS,
    *QUALITY_CI_COLUMNS,
    "size_bytes",
    "size_gzip_bytes",
    "size_packed_bytes",  # clustered targets: centroids + bit-packed indices (compressbench.clustering)
    "params",
    "macs",  # multiply-accumulates per image (compressbench.macs)
    "eval_batch_size",
    "threads",
    "agreement",
    "max_abs_logit_diff",
    "accuracy_delta_pp",
    *MCNEMAR_COLUMNS,
    *BASE_COLUMNS,
    "compression_ratio",
    *BENCH_COLUMNS,
]


@dataclass
class TargetFiles:
    """One target's result files that summary.tsv reads (the reference's are only metrics and
    predictions: it is read even when it is not a configured target)."""

    metrics: str
    parity: str | None
    predictions: str
    bench: str | None


def base_target(name: str, present: list[str]) -> str | None:
    """The target this one is judged against (TargetSpec.reference), when it is part of this run."""
    reference = TARGETS[name].reference if name in TARGETS else None
    return reference if reference in present else None


def read_predictions(path) -> tuple[np.ndarray, np.ndarray]:
    rows = read_tsv(path)
    labels = np.array([int(row["label"]) for row in rows], dtype=np.int64)
    return labels, np.array([int(row["prediction"]) for row in rows], dtype=np.int64)


def comparison(labels, reference_predictions, predictions, reference_accuracy, accuracy, prefix="") -> dict:
    """McNemar test and accuracy change of `predictions` against a reference on the same images."""
    if len(labels) != len(reference_predictions):
        raise ValueError(f"predictions cover {len(labels)} images, the reference {len(reference_predictions)}")
    tested = mcnemar(labels, reference_predictions, predictions)
    return {
        f"{prefix}accuracy_delta_pp": 100.0 * (accuracy - reference_accuracy),
        **{prefix + key: value for key, value in tested.items()},
    }


def summary_rows(files: dict[str, TargetFiles], reference: TargetFiles, onnx_fp32_path: str) -> list[dict]:
    """One row per target, in the order given. `reference`: PyTorch FP32's files (evaluated even
    when it is not a configured target). Compression ratio is the FP32 ONNX model's size over
    the target's size."""
    metrics = {name: read_json(files_of.metrics) for name, files_of in files.items()}
    predictions = {name: read_predictions(files_of.predictions) for name, files_of in files.items()}
    metrics.setdefault(REFERENCE, read_json(reference.metrics))
    predictions.setdefault(REFERENCE, read_predictions(reference.predictions))
    onnx_size = os.path.getsize(onnx_fp32_path)
    rows = []
    for name, files_of in files.items():
        own = metrics[name]
        labels, predicted = predictions[name]
        if not np.array_equal(labels, predictions[REFERENCE][0]):
            raise ValueError(f"{files_of.predictions}: labels differ from the reference's: not the same test set")
        row = {
            **{key: own[key] for key in SUMMARY_COLUMNS if key in own},
            "target": name,
            "precision": own["runtime_precision"],
            "eval_batch_size": own["batch_size"],
            "threads": own["runtime_threads"],
            **{key: read_tsv(files_of.parity)[0][key] for key in ("agreement", "max_abs_logit_diff")},
            "compression_ratio": onnx_size / own["size_bytes"],
        }
        row.update(
            comparison(labels, predictions[REFERENCE][1], predicted, metrics[REFERENCE]["accuracy"], own["accuracy"])
        )
        base = base_target(name, list(files))
        row["base_target"] = base
        if base:
            row.update(
                comparison(labels, predictions[base][1], predicted, metrics[base]["accuracy"], own["accuracy"], "base_")
            )
        bench = read_json(files_of.bench)
        row.update({key: bench[key] for key in BENCH_COLUMNS if key in bench})
        row["threads"] = bench.get("threads", row["threads"])  # what the measured runtime really used
        rows.append(row)
    return rows

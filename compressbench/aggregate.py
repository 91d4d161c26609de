"""Join per-target results into results/summary.tsv (one row per target)."""

from __future__ import annotations

import os

from .metrics import QUALITY_METRICS
from .tables import read_json, read_tsv

SUMMARY_COLUMNS = [
    "target",
    "runtime",
    "label",
    "weights",
    "base",  # the target a chain step was built from (empty for a target built from the trained model)
    "precision",
    *QUALITY_METRICS,
    "size_bytes",
    "size_gzip_bytes",
    "size_packed_bytes",  # clustered targets: centroids + bit-packed indices (compressbench.clustering)
    "params",
    "macs",  # multiply-accumulates per image (compressbench.macs)
    "test_set_seconds",
    "eval_batch_size",
    "threads",
    "agreement",
    "max_abs_logit_diff",
    "accuracy_delta_pp",
    "compression_ratio",
    "latency_p50_ms",
    "latency_p99_ms",
    "latency_p50_ci_low_ms",
    "latency_p50_ci_high_ms",
    "throughput_ips",
    "batch_size_best",
    "naive_test_set_seconds",
    "tuned_test_set_seconds",
]


def summary_rows(
    metrics_paths: list[str],
    parity_paths: list[str],
    reference_metrics_path: str,
    onnx_fp32_path: str,
    bench_paths: list[str] | None = None,
) -> list[dict]:
    """One row per target. Accuracy delta is against PyTorch FP32, in percentage points;
    compression ratio is the FP32 ONNX model's size over the target's size."""
    reference_accuracy = read_json(reference_metrics_path)["accuracy"]
    onnx_size = os.path.getsize(onnx_fp32_path)
    rows = []
    for index, (metrics_path, parity_path) in enumerate(zip(metrics_paths, parity_paths, strict=True)):
        metrics = read_json(metrics_path)
        parity = read_tsv(parity_path)[0]
        bench = read_json(bench_paths[index]) if bench_paths else {}
        rows.append(
            {
                **{key: metrics[key] for key in SUMMARY_COLUMNS if key in metrics},
                "precision": metrics["runtime_precision"],
                "eval_batch_size": metrics["batch_size"],
                "threads": metrics["runtime_threads"],
                "agreement": parity["agreement"],
                "max_abs_logit_diff": parity["max_abs_logit_diff"],
                "accuracy_delta_pp": 100.0 * (metrics["accuracy"] - reference_accuracy),
                "compression_ratio": onnx_size / metrics["size_bytes"],
                **{key: bench[key] for key in SUMMARY_COLUMNS if key in bench},
            }
        )
    return rows

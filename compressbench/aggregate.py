"""Join each target's result files into its TargetRecord (compressbench.results).

Quality comes from the evaluation jobs (with bootstrap CIs) and from exact McNemar tests on
the predictions: against the trained model (targets.TRAINED), and against the target's
reference (TargetSpec.reference, when it is part of the run). Every speed, memory and start-up
figure comes from the benchmark jobs' combined summary (compressbench.repeats): medians over
repeats with their min-max range. Each field's source is named here, once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .metrics import QUALITY_METRICS
from .preparation import combined_preparation
from .results import FIELDS, TargetRecord, read_predictions
from .stats import mcnemar, paired_difference_interval
from .tables import read_json, read_tsv
from .targets import TARGETS, TRAINED, family

# Fields copied from the evaluation's metrics.json (build facts such as params and MACs of a
# changed network are in it: evaluation merges build_info.json over the trained network's).
EVALUATION_FIELDS = (
    *QUALITY_METRICS,
    "accuracy_ci_low",
    "accuracy_ci_high",
    "f1_macro_ci_low",
    "f1_macro_ci_high",
    "size_bytes",
    "size_gzip_bytes",
    "size_packed_bytes",
    "weights_bytes",
    "weights_by_dtype",
    "params",
    "macs",
)
# Fields copied from the benchmark's combined summary.json (compressbench.repeats.combine).
BENCHMARK_FIELDS = tuple(
    name
    for name in FIELDS
    if name.startswith(
        ("latency_", "throughput_", "test_set_", "naive_", "tuned_", "load_", "first_call_", "empty_call_")
    )
    or name.startswith("peak_rss_")
    or name
    in (
        "repeats",
        "full_repeats",
        "repeat_indices",
        "parallel_efficiency_by_repeat",
        "batch_size_best",
        "baseline_rss_mb",
        "threads",
        "hostname",
        "cpu_model",
    )
)
TEST_FIELDS = ("mcnemar_p", "discordant", "changed_to_correct", "changed_to_wrong")


@dataclass
class TargetFiles:
    """One target's result files that its record reads (the trained model's are only metrics and
    predictions: it is read even when it is not a configured target)."""

    metrics: str
    parity: str | None
    predictions: str
    bench: str | None


def comparison(labels, reference_predictions, predictions, reference_accuracy, accuracy, prefix="") -> dict:
    """McNemar test and accuracy change (with its paired 95 % interval) of `predictions` against a
    reference on the same images."""
    if len(labels) != len(reference_predictions):
        raise ValueError(f"predictions cover {len(labels)} images, the reference {len(reference_predictions)}")
    tested = mcnemar(labels, reference_predictions, predictions)
    low, high = paired_difference_interval(tested["changed_to_correct"], tested["changed_to_wrong"], len(labels))
    return {
        f"{prefix}accuracy_delta_pp": 100.0 * (accuracy - reference_accuracy),
        f"{prefix}accuracy_delta_low_pp": 100.0 * low,
        f"{prefix}accuracy_delta_high_pp": 100.0 * high,
        **{prefix + key: tested[key] for key in TEST_FIELDS},
    }


def preparation(name: str, build_info: dict, export_seconds: list[float] | None) -> dict:
    """The preparation's median and range (preparation.combined_preparation): the ONNX export's timings, when
    the target is made from it, and the target's own build's."""
    parts = [build_info.get("build_repeat_seconds")]
    if TARGETS[name].needs_onnx:
        parts.append(export_seconds)
    return combined_preparation(parts)


def target_record(
    name: str, files: TargetFiles, metrics: dict, predictions: dict, onnx_size: int, export_seconds=None
) -> TargetRecord:
    """One target's record; `metrics` and `predictions` hold every target's, the trained model's included."""
    spec = TARGETS[name]
    own = metrics[name]
    labels, predicted = predictions[name]
    if not np.array_equal(labels, predictions[TRAINED][0]):
        raise ValueError(f"{files.predictions}: labels differ from the trained model's: not the same test set")
    bench = read_json(files.bench) if files.bench else {}
    parity = read_tsv(files.parity)[0] if files.parity else {}
    fields = {
        "target": name,
        "runtime": spec.runtime,
        "label": spec.label,
        "method": spec.method,
        "family": family(name),
        # the evaluation's: the spec's unless the build recorded its own (a search's variant: its candidate's)
        "weights": own.get("weights") or spec.weights,
        "built_from": spec.built_from,
        "precision": own.get("runtime_precision"),
        "precision_requested": own.get("runtime_precision_requested"),
        **{key: own.get(key) for key in EVALUATION_FIELDS},
        "eval_batch_size": own.get("batch_size"),
        "agreement": float(parity["agreement"]) if parity else None,
        "changed_predictions": int(parity["disagreements"]) if parity else None,
        "parity_threshold": float(parity["threshold"]) if parity else None,
        "max_abs_logit_diff": float(parity["max_abs_logit_diff"]) if parity else None,
        **preparation(name, own.get("build_info") or {}, export_seconds),
        "compression_ratio": onnx_size / own["size_bytes"],
        "build_info": own.get("build_info") or {},
        **comparison(labels, predictions[TRAINED][1], predicted, metrics[TRAINED]["accuracy"], own["accuracy"]),
        **{key: bench.get(key) for key in BENCHMARK_FIELDS},
    }
    fields["threads"] = bench.get("threads", own.get("runtime_threads"))  # what the measured runtime really used
    fields["benchmark_settings"] = bench.get("settings") or {}
    if spec.reference in predictions:
        fields["reference"] = spec.reference
        reference_accuracy = metrics[spec.reference]["accuracy"]
        fields.update(
            comparison(
                labels, predictions[spec.reference][1], predicted, reference_accuracy, own["accuracy"], "reference_"
            )
        )
    return TargetRecord(**fields)


def target_records(
    files: dict[str, TargetFiles], trained: TargetFiles, onnx_fp32_path: str, export_info: str | None = None
) -> list[TargetRecord]:
    """One record per target, in the order given. `trained`: the trained model's files (evaluated
    even when it is not a configured target). Compression ratio is the FP32 ONNX model's size over
    the target's size; `export_info`: the ONNX export's timing (paths.ONNX_EXPORT)."""
    metrics = {name: read_json(files_of.metrics) for name, files_of in files.items()}
    predictions = {name: read_predictions(files_of.predictions) for name, files_of in files.items()}
    metrics.setdefault(TRAINED, read_json(trained.metrics))
    predictions.setdefault(TRAINED, read_predictions(trained.predictions))
    onnx_size = os.path.getsize(onnx_fp32_path)
    export_seconds = read_json(export_info).get("repeat_seconds") if export_info else None
    return [
        target_record(name, files_of, metrics, predictions, onnx_size, export_seconds)
        for name, files_of in files.items()
    ]

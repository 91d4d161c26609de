"""Evaluate one target on the test set: predictions, quality metrics with their bootstrap CIs, size.

A search evaluates its trials the same way on the validation split (`split="validation"`).
Quality only: nothing here is timed. Every time in the report comes from the benchmark jobs
(compressbench.benchmark), so there is one source of truth for speed.
"""

from __future__ import annotations

import gzip
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from .artifacts import read_build_info
from .config import FromConfig
from .data import Dataset
from .macs import model_facts
from .metrics import confusion, per_class_metrics, summary_metrics
from .model import ModelSpec, build_model
from .preprocess import normalize
from .runtimes import open_runtime
from .runtimes.base import model_files_text
from .stats import quality_intervals
from .tables import files_size, write_json, write_matrix_tsv, write_tsv
from .targets import TargetSpec
from .weights import weight_storage, weights_file_bytes

CONFUSION_CORNER = "true \\ predicted"  # rows: true class; read by position (tables.read_matrix_tsv)


class EvaluationError(RuntimeError):
    """A target's model cannot be opened or run; the message names the target and its files."""


@dataclass
class EvalSettings(FromConfig):
    """config.yaml's `evaluate` section (defaults: the schema) plus the thread count."""

    section: ClassVar[str] = "evaluate"

    batch_size: int
    bootstrap_resamples: int
    bootstrap_seed: int
    threads: int


def gzip_size(paths) -> int:
    """Bytes of the model files concatenated and gzipped: what unstructured zeros save on disk."""
    data = b"".join(Path(p).read_bytes() for p in paths)
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def runtime_info(runtime, target: TargetSpec, threads: int) -> dict:
    """What the runtime really uses; a thread count other than the one asked for is said aloud,
    since "the same threads for every runtime" is what makes the timings comparable."""
    info = runtime.info()
    if info.get("threads") not in (None, threads):
        warnings.warn(
            f"target {target.name!r}: {target.runtime} runs {info['threads']} threads, not {threads}", stacklevel=2
        )
    return info


SPLITS = ("test", "validation")


def evaluate(
    target: TargetSpec,
    model_dir: Path,
    spec: ModelSpec,
    dataset: Dataset,
    settings: EvalSettings,
    options: dict,
    split: str = "test",
) -> dict:
    """Predictions and metrics of a built target on a split of the dataset (the test images, or the
    validation images a search selects on)."""
    if split not in SPLITS:
        raise ValueError(f"split={split!r}: use one of {', '.join(SPLITS)}")
    labels = getattr(dataset, f"{split}_labels")
    if len(labels) < 2:
        raise EvaluationError(f"target {target.name!r}: the {split} split holds {len(labels)} images; need 2 or more")
    images = normalize(getattr(dataset, f"{split}_images"), spec.mean, spec.std)
    try:
        runtime = open_runtime(target, model_dir, spec, settings.threads, options)
        logits = runtime.predict(images, settings.batch_size)
    except Exception as error:  # runtimes raise their own types for a damaged model file
        raise EvaluationError(
            f"evaluation of target {target.name!r} ({target.runtime}) failed on its model files "
            f"({model_files_text(model_dir)}): {type(error).__name__}: {error}"
        ) from error
    predictions = logits.argmax(axis=1)
    return {
        "logits": logits.astype(np.float32),
        "predictions": predictions,
        "metrics": {
            "target": target.name,
            "runtime": target.runtime,
            "label": target.label,
            "weights": target.weights,
            **summary_metrics(labels, predictions, spec.num_classes),
            **quality_intervals(
                labels, predictions, spec.num_classes, settings.bootstrap_resamples, settings.bootstrap_seed
            ),
            "size_bytes": files_size(runtime.model_files()),
            "size_gzip_bytes": gzip_size(runtime.model_files()),
            "weights_bytes": weights_file_bytes(runtime.model_files()),
            "weights_by_dtype": weight_storage(runtime.model_files()),
            "model_files": [p.name for p in runtime.model_files()],
            # The trained network's params/MACs; builders that change the network (pruned, student)
            # record their own in build_info.json, which overrides these below.
            **model_facts(build_model(spec), spec.input_shape),
            f"{split}_images": int(len(labels)),
            "batch_size": settings.batch_size,
            **{f"runtime_{key}": value for key, value in runtime_info(runtime, target, settings.threads).items()},
            "built_from": target.built_from,
            **read_build_info(model_dir),
            "build_info": read_build_info(model_dir),
        },
        "per_class": per_class_metrics(labels, predictions, spec.class_names),
        "confusion": confusion(labels, predictions, spec.num_classes),
    }


def write_evaluation(result: dict, dataset: Dataset, spec: ModelSpec, outputs: dict) -> None:
    labels = dataset.test_labels
    rows = [
        {
            "index": i,
            "label": int(label),
            "prediction": int(pred),
            "label_name": spec.class_names[label],
            "prediction_name": spec.class_names[pred],
        }
        for i, (label, pred) in enumerate(zip(labels, result["predictions"], strict=True))
    ]
    write_tsv(rows, outputs["predictions"])
    np.save(outputs["logits"], result["logits"])
    write_tsv(result["per_class"], outputs["per_class"])
    write_matrix_tsv(spec.class_names, result["confusion"], outputs["confusion"], CONFUSION_CORNER)
    write_json(result["metrics"], outputs["metrics"])

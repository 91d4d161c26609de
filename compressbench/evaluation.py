"""Evaluate one target on the test set: predictions, metrics, size, whole-test-set time."""

from __future__ import annotations

import gzip
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .data import Dataset
from .macs import model_facts
from .metrics import confusion, per_class_metrics, summary_metrics
from .model import ModelSpec, build_model
from .preprocess import normalize
from .runtimes import runtime_class
from .tables import files_size, read_json, write_json, write_tsv
from .targets import TargetSpec

BUILD_INFO = "build_info.json"  # optional facts a builder records (e.g. sparsity), copied into the metrics


@dataclass
class EvalSettings:
    batch_size: int = 256
    threads: int = 1
    timed_passes: int = 3


def open_target(target: TargetSpec, model_dir: Path, spec: ModelSpec, threads: int, options: dict):
    return runtime_class(target.runtime)(model_dir, spec, threads, options)


def gzip_size(paths) -> int:
    """Bytes of the model files concatenated and gzipped: what unstructured zeros save on disk."""
    data = b"".join(Path(p).read_bytes() for p in paths)
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def build_info(model_dir: Path) -> dict:
    path = Path(model_dir) / BUILD_INFO
    return read_json(path) if path.is_file() else {}


def time_test_set(runtime, images: np.ndarray, settings: EvalSettings) -> tuple[np.ndarray, list[float]]:
    """One warm-up pass, then timed passes; the timer covers batching and inference only."""
    logits = runtime.predict(images, settings.batch_size)
    seconds = []
    for _ in range(settings.timed_passes):
        started = time.perf_counter()
        logits = runtime.predict(images, settings.batch_size)
        seconds.append(time.perf_counter() - started)
    return logits, seconds


def evaluate(
    target: TargetSpec, model_dir: Path, spec: ModelSpec, dataset: Dataset, settings: EvalSettings, options: dict
) -> dict:
    runtime = open_target(target, model_dir, spec, settings.threads, options)
    images = normalize(dataset.test_images, spec.mean, spec.std)
    logits, seconds = time_test_set(runtime, images, settings)
    predictions = logits.argmax(axis=1)
    labels = dataset.test_labels
    return {
        "logits": logits.astype(np.float32),
        "predictions": predictions,
        "metrics": {
            "target": target.name,
            "runtime": target.runtime,
            "label": target.label,
            "weights": target.weights,
            **summary_metrics(labels, predictions, spec.num_classes),
            "size_bytes": files_size(runtime.model_files()),
            "size_gzip_bytes": gzip_size(runtime.model_files()),
            "model_files": [p.name for p in runtime.model_files()],
            # The trained network's params/MACs; builders that change the network (pruned, student)
            # record their own in build_info.json, which overrides these below.
            **model_facts(build_model(spec), spec.input_shape),
            "test_images": int(len(labels)),
            "test_set_seconds": float(np.median(seconds)),
            "test_set_seconds_passes": seconds,
            "batch_size": settings.batch_size,
            **{f"runtime_{key}": value for key, value in runtime.info().items()},
            "base": target.base,
            **build_info(model_dir),
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
    confusion_rows = [
        {"true": spec.class_names[i], **{name: int(v) for name, v in zip(spec.class_names, row, strict=True)}}
        for i, row in enumerate(result["confusion"])
    ]
    write_tsv(confusion_rows, outputs["confusion"], ["true", *spec.class_names])
    write_json(result["metrics"], outputs["metrics"])

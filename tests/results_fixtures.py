"""Results made up by the tests, in the workflow's own formats: TargetRecords (results/summary.json)
and the run's side files, so the analysis and the report run on them exactly as on a real run."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

from compressbench import paths
from compressbench.analysis import analyze_run, write_findings
from compressbench.analysis.view import Run
from compressbench.report import load
from compressbench.results import FIELDS, Results, TargetRecord, write_records
from compressbench.tables import write_matrix_tsv
from compressbench.targets import TARGETS, family

CIFAR = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def write_tsv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False))


def record(target: str, **values) -> TargetRecord:
    """A registry target's record: its spec's fields, then `values` (result fields)."""
    spec = TARGETS[target]
    identity = {
        "target": target,
        "runtime": spec.runtime,
        "label": spec.label,
        "method": spec.method,
        "family": family(target),
        "weights": spec.weights,
        "built_from": spec.built_from,
        "reference": spec.reference,
        "precision": spec.precision,
    }
    return TargetRecord(**{**identity, **{k: v for k, v in values.items() if k in FIELDS}})


def results_of(
    rows: dict[str, dict],
    dataset: dict | None = None,
    per_class: list[dict] | None = None,
    environment: dict | None = None,
    root: Path | None = None,
) -> Results:
    """Results in memory: target -> result fields (identity from the registry)."""
    return Results(
        records=[record(t, **values) for t, values in rows.items()],
        train_log=[],
        spec={},
        dataset=dataset or {"test_images": 10_000},
        environment=environment or {},
        per_class=per_class or [],
        confusion=None,
        root=root,
    )


def run_of(rows: dict[str, dict], **kwargs) -> Run:
    return Run(results_of(rows, **kwargs))


def write_results(
    root: Path,
    records: list[TargetRecord],
    classes=CIFAR,
    source: str = "cifar10",
    latency: bool = True,
    benchmark_app: dict | None = None,
    environment: dict | None = None,
    spec: dict | None = None,
) -> Path:
    """A run folder under `root` with these records and plausible side files; returns root."""
    results = root / paths.RESULTS
    results.mkdir(parents=True, exist_ok=True)
    write_records(records, root / paths.SUMMARY_JSON, root / paths.SUMMARY)
    write_tsv(
        root / paths.TRAIN_LOG,
        [
            {"epoch": e, "train_loss": 2 / e, "train_accuracy": 0.3 + 0.05 * e, "test_accuracy": 0.35 + 0.04 * e}
            for e in range(1, 6)
        ],
    )
    write_json(
        root / paths.SPEC,
        spec
        or {
            "in_channels": 3,
            "input_size": 32,
            "num_classes": len(classes),
            "class_names": classes,
            "mean": [0.5] * 3,
            "std": [0.25] * 3,
        },
    )
    write_json(
        root / paths.DATASET_SUMMARY,
        {
            "source": source,
            "root": "/home/student/private/cifar10",
            "train_images": 50000,
            "test_images": 10000,
            "channels": 3,
            "image_size": 32,
            "class_names": classes,
        },
    )
    confusion = root / paths.for_target(paths.EVAL["confusion"], "pytorch")
    confusion.parent.mkdir(parents=True, exist_ok=True)
    matrix = [[900 if c == d else 11 for d in classes] for c in classes]
    write_matrix_tsv(classes, matrix, confusion, "true \\ predicted")
    write_tsv(
        root / paths.for_target(paths.EVAL["per_class"], "pytorch"),
        [{"class": c, "precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 1000} for c in classes],
    )
    write_json(
        root / paths.ENVIRONMENT,
        environment
        or {
            "cpu_model": "Test CPU",
            "physical_cores": 2,
            "logical_cpus": 2,
            "isa": {"AVX-512 BF16": True, "AMX-BF16": False},
            "os": "Linux",
            "python": "3.11",
            "libraries": {"torch": "2.0"},
        },
    )
    for r in records:
        if latency and r.latency_p50_ms:
            write_tsv(
                root / paths.for_target(paths.BENCH["latency"], r.target),
                [{"call": i, "microseconds": 1000 * r.latency_p50_ms * (1 + (i % 7) / 20)} for i in range(200)],
            )
    for target, app in (benchmark_app or {}).items():
        write_json(root / paths.for_target(paths.BENCH["benchmark_app"], target), app)
    return root


def write_predictions(root: Path, predictions: dict) -> None:
    """Each target's predictions.tsv: {target: (labels, predicted classes)} per test image."""
    for target, (labels, predicted) in predictions.items():
        rows = [
            {"index": i, "label": int(a), "prediction": int(b)}
            for i, (a, b) in enumerate(zip(labels, predicted, strict=True))
        ]
        write_tsv(root / paths.for_target(paths.EVAL["predictions"], target), rows)


def analyzed(root: Path):
    """The analysis of the run under `root` written to its findings.json, and the report's data."""
    write_findings(analyze_run(root), root / paths.FINDINGS)
    return load(root)


def replace(r: TargetRecord, **changes) -> TargetRecord:
    return dataclasses.replace(r, **changes)

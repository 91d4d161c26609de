"""Results made up by the tests, in the workflow's own formats: TargetRecords (results/summary.json)
and the run's side files, so the analysis and the report run on them exactly as on a real run."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from pathlib import Path

from compressbench import paths
from compressbench.analysis import analyze_run, write_findings
from compressbench.analysis.view import Run
from compressbench.report import load
from compressbench.results import FIELDS, Results, TargetRecord, write_records
from compressbench.tables import write_matrix_tsv
from compressbench.targets import TARGETS, TRAINED, family

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
        per_class_by_target={TRAINED: per_class} if per_class else {},
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


# ---- a served run (results/serve/) -----------------------------------------------------------------

SERVE_FRACTIONS = (0.1, 0.5, 0.7, 0.85, 1.0, 2.0)


def served_requests(rate: float, capacity: float, p50_ms: float, slo_ms: float, rng, lag_ms: float = 0.05):
    """RequestRecords of one step: all answered near `p50_ms` up to `capacity`, past it 30 % refused and
    the answered ones three times the SLO (the server's own split shows the queue)."""
    from compressbench.serve.load import RequestRecord

    over = rate > capacity
    records = []
    for index in range(max(30, int(rate * 0.2))):
        latency = float(p50_ms * (1 + 0.05 * rng.standard_normal())) + (3 * slo_ms if over else 0.0)
        if over and index % 10 < 3:
            records.append(RequestRecord(index, lag_ms, 0.3, "rejected", 503))
            continue
        records.append(
            RequestRecord(
                index,
                lag_ms,
                latency,
                "ok",
                200,
                0.2 * p50_ms,
                0.1 * p50_ms + (2 * slo_ms if over else 0.0),
                0.2 * p50_ms,
                0.05 * p50_ms,
                batch=2,
                inbound_ms=0.1 * p50_ms + (slo_ms if over else 0.0),
            )
        )
    return records


def write_served(root: Path, served: dict[str, tuple[float, float, float]], repeats: int = 2, slo_ms: float = 20.0):
    """results/serve/<target>/ for target -> (capacity req/s, light-load p50 ms, in-process batch-1 p50 ms),
    made as the workflow makes them: per-repeat steps through the load generator's bookkeeping, combined by
    serve.summary (and the served target's results/bench/<target>/summary.json). The no-op round trip is
    0.4 of the light-load p50, so the parts add up to the client's median."""
    import numpy as np

    from compressbench.serve import load
    from compressbench.serve.summary import write_summary

    rng = np.random.default_rng(0)
    for target, (capacity, p50, inprocess) in served.items():
        bench = root / paths.for_target(paths.BENCH["summary"], target)
        spread = 0.01 * inprocess
        write_json(bench, {"threads": 1, "latency_p50_ms": inprocess, "latency_p50_ci_low_ms": inprocess - spread,
                           "latency_p50_ci_high_ms": inprocess + spread})  # fmt: skip
        files = {"load": [], "requests": [], "run": []}
        for repeat in range(repeats):
            folder = root / paths.RESULTS / "serve" / target / f"repeat{repeat}"
            folder.mkdir(parents=True, exist_ok=True)
            rows, requests = [], []
            probe = 1.1 * capacity * (1 + 0.02 * repeat)
            rates = [round(f * probe, 1) for f in SERVE_FRACTIONS]
            for phase, batching, step, rate, limit, latency in (
                ("noop", "on", 0, rates[0], math.inf, 0.4 * p50),
                ("binary", "on", 0, rates[0], math.inf, 0.8 * p50),
                *(("sweep", "on", i, rate, capacity, p50) for i, rate in enumerate(rates)),
                *(("sweep", "off", i, rate / 2, capacity / 2, p50) for i, rate in enumerate(rates)),
            ):
                records = served_requests(rate, limit, latency, slo_ms, rng)
                labels = {"phase": phase, "batching": batching, "step": step}
                rows.append({**labels, **load.step_row(records, rate, 0.2, {"client_cpu": 0.3, "server_cpu": 0.6})})
                requests += [{**labels, **dataclasses.asdict(r)} for r in records]
            write_tsv(folder / "load.tsv", rows)
            write_tsv(folder / "requests.tsv", requests)
            parity = {"parity": {"images": 100, "agree": 100, "failed": 0}} if repeat == 0 else {}
            server = {**parity, "noop_ceiling": {"ok_rps": 5 * capacity}}
            recovery = {"requests": 20, "ok": 20, "p50_ms": p50, "max_ms": 2 * p50}
            write_json(folder / "run.json", {
                "target": target, "runtime": TARGETS[target].runtime, "repeat": repeat, "hostname": "node1",
                "cpus": {"server": [0], "client": [1], "separate": True}, "threads": 1, "precision": "f32",
                "settings": {"max_batch_size": 8, "max_queue_delay_us": 200, "max_queue_size": 32,
                             "step_seconds": 0.2},
                "servers": [
                    {"batching": "on", **server, "probe": {"ok_rps": probe},
                     "recovery": recovery},
                    {"batching": "off", "probe": {"ok_rps": probe / 2}, "recovery": recovery},
                ],
            })  # fmt: skip
            for key in files:
                files[key].append(folder / f"{key}.{'json' if key == 'run' else 'tsv'}")
        outputs = {key: root / paths.for_target(pattern, target) for key, pattern in paths.SERVE.items()}
        write_summary(files["load"], files["requests"], files["run"], bench, slo_ms, outputs)
    return root

"""Everything the report reads, loaded from the workflow's result files.

Benchmark files, benchmark_app results and environment.json are optional: when they
are absent the report says "not measured" instead of failing.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..aggregate import read_predictions
from ..machine import describe_machine
from ..tables import read_matrix_tsv

FLOAT_COLUMNS_EXCLUDED = {"target", "runtime", "label", "weights", "precision"}


def _number(text):
    if text is None:
        return None
    if isinstance(text, int | float):
        return text
    text = str(text).strip()
    if text == "" or text.lower() in {"nan", "none", "null"}:
        return None
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if re.fullmatch(r"-?\d+", text) else value


def read_table(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def read_summary(path) -> list[dict]:
    rows = []
    for row in read_table(path):
        rows.append({k: (v if k in FLOAT_COLUMNS_EXCLUDED else _number(v)) for k, v in row.items()})
    return rows


@dataclass
class ReportInputs:
    """Paths of the result files one report is built from (optional ones may be None/missing)."""

    summary: Path
    train_log: Path
    spec: Path
    dataset: Path
    metrics: dict[str, Path]
    confusion: Path | None = None  # the baseline's (pytorch) confusion matrix
    per_class: Path | None = None
    bench: dict[str, Path] = field(default_factory=dict)  # target -> results/bench/{t}/summary.json
    benchmark_app: dict[str, Path] = field(default_factory=dict)
    environment: Path | None = None
    predictions: dict[str, Path] = field(default_factory=dict)  # target -> results/eval/{t}/predictions.tsv

    @classmethod
    def from_results_dir(cls, results: str | Path, targets: list[str] | None = None) -> ReportInputs:
        """Discover the files under a results/ folder (tests, notebooks)."""
        results = Path(results)
        if targets is None:
            targets = [row["target"] for row in read_table(results / "summary.tsv")]

        def existing(path: Path) -> Path | None:
            return path if path.exists() else None

        bench = {t: results / "bench" / t / "summary.json" for t in targets}
        app = {t: results / "bench" / t / "benchmark_app.json" for t in targets}
        return cls(
            summary=results / "summary.tsv",
            train_log=results / "model" / "train_log.tsv",
            spec=results / "model" / "spec.json",
            dataset=results / "data" / "summary.json",
            metrics={t: results / "eval" / t / "metrics.json" for t in targets},
            confusion=existing(results / "eval" / "pytorch" / "confusion.tsv"),
            per_class=existing(results / "eval" / "pytorch" / "per_class.tsv"),
            bench={t: p for t, p in bench.items() if p.exists()},
            benchmark_app={t: p for t, p in app.items() if p.exists()},
            environment=existing(results / "environment.json"),
            predictions={t: p for t in targets if (p := results / "eval" / t / "predictions.tsv").exists()},
        )


@dataclass
class ReportData:
    rows: list[dict]  # summary.tsv, one per target, numbers parsed
    metrics: dict[str, dict]
    train_log: list[dict]
    spec: dict
    dataset: dict
    confusion: tuple[list[str], list[list[int]]] | None
    per_class: list[dict]
    bench: dict[str, dict]
    benchmark_app: dict[str, dict]
    environment: dict
    environment_source: str  # "file" or "report": collected when the report was rendered
    # target -> (labels, predictions) per test image: exact McNemar tests between two targets
    predictions: dict[str, tuple] = field(default_factory=dict)

    @property
    def targets(self) -> list[str]:
        return [row["target"] for row in self.rows]

    def row(self, target: str) -> dict | None:
        return next((row for row in self.rows if row["target"] == target), None)

    def value(self, target: str, key: str):
        """A target's number: benchmark summary first, then summary.tsv, then metrics.json."""
        for source in (self.bench.get(target, {}), self.row(target) or {}, self.metrics.get(target, {})):
            value = source.get(key)
            if value is not None and value != "":
                return value
        return None


def _json(path):
    return json.loads(Path(path).read_text(encoding="utf-8")) if path and Path(path).exists() else None


def load(inputs: ReportInputs) -> ReportData:
    rows = read_summary(inputs.summary)
    metrics = {t: _json(p) or {} for t, p in inputs.metrics.items()}
    train_log = [{k: _number(v) for k, v in r.items()} for r in read_table(inputs.train_log)]
    confusion = None
    if inputs.confusion and Path(inputs.confusion).exists():
        confusion = read_matrix_tsv(inputs.confusion)
    per_class = []
    if inputs.per_class and Path(inputs.per_class).exists():
        per_class = [
            {k: (v if k == "class" else _number(v)) for k, v in r.items()} for r in read_table(inputs.per_class)
        ]
    bench = {t: _json(p) for t, p in inputs.bench.items() if _json(p)}
    environment = _json(inputs.environment)
    return ReportData(
        rows=rows,
        metrics=metrics,
        train_log=train_log,
        spec=_json(inputs.spec) or {},
        dataset=_json(inputs.dataset) or {},
        confusion=confusion,
        per_class=per_class,
        bench=bench,
        benchmark_app={t: _json(p) for t, p in inputs.benchmark_app.items() if _json(p)},
        environment=environment if environment is not None else describe_machine(),
        environment_source="file" if environment is not None else "report",
        predictions={t: read_predictions(p) for t, p in inputs.predictions.items() if Path(p).exists()},
    )


def env_get(environment: dict, *names):
    """First value among candidate keys, searched also one level down (cpu.model etc.)."""
    for name in names:
        if environment.get(name) not in (None, "", [], {}):
            return environment[name]
    for value in environment.values():
        if isinstance(value, dict):
            found = env_get({k: v for k, v in value.items() if not isinstance(v, dict)}, *names)
            if found is not None:
                return found
    return None


def env_flags(environment: dict) -> set[str]:
    flags = env_get(environment, "isa_flags", "flags", "cpu_flags", "isa")
    if isinstance(flags, str):
        flags = flags.split()
    if isinstance(flags, dict):
        flags = [k for k, v in flags.items() if v]
    return {re.sub(r"[^a-z0-9]", "", str(f).lower()) for f in flags or []}


def env_libraries(environment: dict) -> dict:
    libs = env_get(environment, "libraries", "versions", "library_versions", "packages")
    return dict(libs) if isinstance(libs, dict) else {}


def inputs_from_snakemake(named) -> ReportInputs:
    """ReportInputs from a rule's named input (see workflow/rules/report.smk)."""
    keys = set(named.keys())

    def by_target(paths) -> dict[str, Path]:
        return {Path(p).parent.name: Path(p) for p in (paths if isinstance(paths, list | tuple) else [paths])}

    def optional(key):
        return Path(named[key]) if key in keys and named[key] else None

    return ReportInputs(
        summary=Path(named.summary),
        train_log=Path(named.train_log),
        spec=Path(named.spec),
        dataset=Path(named.dataset),
        metrics=by_target(list(named.metrics)),
        confusion=optional("confusion"),
        per_class=optional("per_class"),
        bench=by_target(list(named.bench)) if "bench" in keys else {},
        benchmark_app=by_target(list(named.benchmark_app)) if "benchmark_app" in keys else {},
        environment=optional("environment"),
        predictions=by_target(list(named.predictions)) if "predictions" in keys else {},
    )

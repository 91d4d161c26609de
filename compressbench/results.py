"""One typed result record per target, and the one reader of a run's results.

`aggregate` joins each target's evaluation, parity and benchmark files into a TargetRecord
(results/summary.json); results/summary.tsv is its table view, the fields marked as columns,
in declaration order. The analysis, the report, the plots and the studies read a run through
`load_results` and compressbench.paths, never the per-stage files themselves.
A study's runs are collected into one StudyResults (results/study.json: `write_study`, `read_study`).
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from . import paths
from .tables import read_json, read_matrix_tsv, read_tsv, write_tsv
from .targets import TRAINED


def column(description: str, table: bool = True, default=None):
    """A record field; `table`: also a column of summary.tsv."""
    factory = {"default_factory": default} if callable(default) else {"default": default}
    return field(metadata={"description": description, "table": table}, **factory)


@dataclass(frozen=True)
class TargetRecord:
    # what the target is (its TargetSpec; precision is what the runtime reported it executed)
    target: str = column("registry name")
    runtime: str = column("pytorch | onnxruntime | openvino | torchscript")
    label: str = column("short human name")
    method: str = column("compression method (compressbench.targets.METHODS)")
    family: str = column("method of the chain the target starts from (a chain step's first method)")
    weights: str = column("how weights are stored: fp32, fp16, int8, sparse fp32, clustered fp32")
    built_from: str | None = column("the target this one's files were made from (a chain step), or empty")
    reference: str | None = column("the target this one is judged against (reference_* columns), or empty")
    precision: str | None = column("execution precision the runtime reported: f32, bf16, f16, int8")
    precision_requested: str | None = column("precision hint in effect (OpenVINO), else empty", table=False)
    # quality on the test set (evaluation), with bootstrap 95 % intervals
    accuracy: float | None = column("top-1 accuracy")
    precision_macro: float | None = column("precision, unweighted mean over classes")
    recall_macro: float | None = column("recall, unweighted mean over classes")
    f1_macro: float | None = column("F1, unweighted mean over classes")
    precision_weighted: float | None = column("precision, mean weighted by class support")
    recall_weighted: float | None = column("recall, mean weighted by class support")
    f1_weighted: float | None = column("F1, mean weighted by class support")
    accuracy_ci_low: float | None = column("bootstrap 95 % CI of accuracy, lower end")
    accuracy_ci_high: float | None = column("bootstrap 95 % CI of accuracy, upper end")
    f1_macro_ci_low: float | None = column("bootstrap 95 % CI of macro-F1, lower end")
    f1_macro_ci_high: float | None = column("bootstrap 95 % CI of macro-F1, upper end")
    # size and network
    size_bytes: int | None = column("model files on disk")
    size_gzip_bytes: int | None = column("model files concatenated and gzipped")
    size_packed_bytes: int | None = column("packed format (clustering: centroids + bit-packed indices)")
    weights_bytes: int | None = column("the weights file alone (OpenVINO .bin), when the model has one")
    weights_by_dtype: dict = column(
        "stored tensors per element type: {dtype: {values, bytes}} (compressbench.weights)", table=False, default=dict
    )
    params: int | None = column("parameters of the target's own network")
    macs: int | None = column("multiply-accumulates per image of the target's own network")
    compression_ratio: float | None = column("FP32 ONNX size over this target's size")
    eval_batch_size: int | None = column("batch size of the evaluation")
    # agreement with the trained model (targets.TRAINED; parity) and the exact McNemar test against it
    agreement: float | None = column("top-1 agreement with the trained model")
    changed_predictions: int | None = column("test images whose predicted class differs from the trained model's")
    parity_threshold: float | None = column("agreement below which the build counts as broken (parity.thresholds)")
    max_abs_logit_diff: float | None = column("largest absolute logit difference against the trained model")
    accuracy_delta_pp: float | None = column("accuracy minus the trained model's, percentage points")
    accuracy_delta_low_pp: float | None = column("95 % interval of that difference (paired), lower end, pp")
    accuracy_delta_high_pp: float | None = column("95 % interval of that difference (paired), upper end, pp")
    mcnemar_p: float | None = column("exact McNemar p against the trained model's predictions")
    discordant: int | None = column("test images exactly one of the two gets right (McNemar's count)")
    changed_to_correct: int | None = column("of those, right here and wrong in the trained model")
    changed_to_wrong: int | None = column("of those, wrong here and right in the trained model")
    # the same against the target's reference (TargetSpec.reference)
    reference_accuracy_delta_pp: float | None = column("accuracy minus the reference's, percentage points")
    reference_accuracy_delta_low_pp: float | None = column("95 % interval of that difference (paired), lower end")
    reference_accuracy_delta_high_pp: float | None = column("95 % interval of that difference (paired), upper end")
    reference_mcnemar_p: float | None = column("exact McNemar p against the reference's predictions")
    reference_discordant: int | None = column("test images exactly one of the two gets right")
    reference_changed_to_correct: int | None = column("of those, right here and wrong in the reference")
    reference_changed_to_wrong: int | None = column("of those, wrong here and right in the reference")
    # speed: medians over fresh-process repeats with their min-max range (compressbench.repeats)
    threads: int | None = column("threads the measured runtime used")
    repeats: int | None = column("fresh-process benchmark repeats, one per round")
    full_repeats: int | None = column("of those, the extended rounds: the naive loop, the batch-1 pass, one thread")
    latency_p50_ms: float | None = column("batch-1 median latency, ms (median over repeats)")
    latency_calls: int | None = column("timed batch-1 calls, all repeats together")
    latency_p99_ms: float | None = column("batch-1 99th percentile latency, ms (median over repeats)")
    latency_p99_low_ms: float | None = column("lowest repeat's batch-1 99th percentile, ms")
    latency_p99_high_ms: float | None = column("highest repeat's batch-1 99th percentile, ms")
    latency_p50_ci_low_ms: float | None = column("lowest repeat's batch-1 median, ms")
    latency_p50_ci_high_ms: float | None = column("highest repeat's batch-1 median, ms")
    latency_p50_spread: float | None = column("range of the repeats' medians over the median")
    latency_repeats_agree: bool | None = column("one value lies inside every repeat's own 95 % interval")
    repeat_indices: list | None = column("the rounds of repeats this target ran in (repeat numbers)", table=False)
    benchmark_settings: dict = column(
        "the benchmark's settings (warm-up, least calls and seconds per window, ...)", table=False, default=dict
    )
    latency_repeat_p50_ms: list | None = column("every repeat's batch-1 median, ms, in repeat order", table=False)
    latency_drift: float | None = column("largest quarter median over the smallest, minus 1 (worst repeat)")
    latency_quarter_p50_ms: list | None = column("medians of the four quarters of that repeat", table=False)
    latency_1thread_p50_ms: float | None = column("batch-1 median latency at one thread, ms")
    latency_1thread_p50_ci_low_ms: float | None = column("lowest repeat's one-thread median, ms")
    latency_1thread_p50_ci_high_ms: float | None = column("highest repeat's one-thread median, ms")
    latency_1thread_repeat_p50_ms: list | None = column("every repeat's one-thread median, ms", table=False)
    latency_1thread_threads: int | None = column("threads of the one-thread measurement")
    latency_runtime_timer_p50_ms: float | None = column(
        "batch-1 median by the runtime's own timer of the same calls (OpenVINO: InferRequest.latency), ms"
    )
    latency_runtime_timer_p50_ci_low_ms: float | None = column("lowest repeat's median by that timer, ms")
    latency_runtime_timer_p50_ci_high_ms: float | None = column("highest repeat's median by that timer, ms")
    latency_cpu_states: list | None = column(
        "each repeat's latency window: full, reduced or changed parallel speed or unmeasured (compressbench.cpu_probe)",
        table=False,
    )
    parallel_efficiency_by_repeat: list | None = column(
        "each repeat's probes before and after its latency window and after its throughput passes", table=False
    )
    throughput_ips: float | None = column("images/s at the best batch size")
    throughput_ips_low: float | None = column("slowest repeat's images/s at the best batch size")
    throughput_ips_high: float | None = column("fastest repeat's images/s at the best batch size")
    tuned_throughput_ips: float | None = column("images/s at batch 1, the tuned call (median over the extended rounds)")
    tuned_throughput_ips_low: float | None = column("slowest extended round's images/s at batch 1")
    tuned_throughput_ips_high: float | None = column("fastest extended round's images/s at batch 1")
    throughput_repeat_ips: list | None = column("every repeat's images/s at the best batch size", table=False)
    throughput_cpu_states: list | None = column("each repeat's throughput window: its parallel speed", table=False)
    throughput_by_batch: dict | None = column("median images/s per batch size", table=False)
    throughput_by_batch_low: dict | None = column("slowest repeat's images/s per batch size", table=False)
    throughput_by_batch_high: dict | None = column("fastest repeat's images/s per batch size", table=False)
    batch_size_best: int | None = column("batch size of the highest median throughput")
    test_set_seconds: float | None = column("test images / images per second at the best batch")
    test_set_seconds_low: float | None = column("the same from the fastest repeat")
    test_set_seconds_high: float | None = column("the same from the slowest repeat")
    test_set_batch_size: int | None = column("batch size of test_set_seconds")
    naive_test_set_seconds: float | None = column("whole test set one image per call, convenience API (median)")
    naive_test_set_seconds_low: float | None = column("fastest repeat of the naive loop")
    naive_test_set_seconds_high: float | None = column("slowest repeat of the naive loop")
    naive_repeat_seconds: list | None = column("every repeat's naive loop, in repeat order", table=False)
    naive_first_pass_seconds: float | None = column("the naive loop's first pass, no warm-up", table=False)
    tuned_test_set_seconds: float | None = column("whole test set at batch 1 with the tuned call")
    tuned_test_set_seconds_low: float | None = column("the same from the fastest repeat")
    tuned_test_set_seconds_high: float | None = column("the same from the slowest repeat")
    tuned_repeat_seconds: list | None = column("every repeat's tuned batch-1 pass, in repeat order", table=False)
    # memory and start-up
    baseline_rss_mb: float | None = column("resident memory after imports, before loading, MB")
    load_rss_mb: float | None = column("resident memory after load and compile, MB")
    peak_rss_batch1_mb: float | None = column("peak resident memory after batch-1 inference, MB")
    peak_rss_batch1_mb_low: float | None = column("lowest repeat's peak resident memory after batch 1, MB")
    peak_rss_batch1_mb_high: float | None = column("highest repeat's peak resident memory after batch 1, MB")
    peak_rss_mb: float | None = column("peak resident memory after inference at the best batch, MB")
    peak_rss_mb_low: float | None = column("lowest repeat's peak resident memory, MB")
    peak_rss_mb_high: float | None = column("highest repeat's peak resident memory, MB")
    peak_rss_largest_mb: float | None = column(
        "peak resident memory after inference at the largest timed batch size (one size for every target), MB"
    )
    peak_rss_largest_mb_low: float | None = column("lowest repeat's peak at the largest batch size, MB")
    peak_rss_largest_mb_high: float | None = column("highest repeat's peak at the largest batch size, MB")
    empty_call_p50_ms: float | None = column(
        "a call on a batch of no images, every operator dispatched (PyTorch), ms (median over repeats)"
    )
    empty_call_p50_low_ms: float | None = column("fastest repeat's empty-batch call, ms")
    empty_call_p50_high_ms: float | None = column("slowest repeat's empty-batch call, ms")
    empty_call_repeat_ms: list | None = column("every repeat's empty-batch call, ms, in repeat order", table=False)
    peak_rss_largest_batch: int | None = column("the largest timed batch size, of peak_rss_largest_mb")
    load_seconds: float | None = column("model load and compile time, s (median over repeats)")
    load_seconds_low: float | None = column("fastest repeat's load time, s")
    load_seconds_high: float | None = column("slowest repeat's load time, s")
    first_call_ms: float | None = column("first inference call after loading, ms (median)")
    first_call_ms_low: float | None = column("fastest repeat's first call, ms")
    first_call_ms_high: float | None = column("slowest repeat's first call, ms")
    load_repeat_seconds: list | None = column("every repeat's load time, s, in repeat order", table=False)
    first_call_repeat_ms: list | None = column("every repeat's first call, ms, in repeat order", table=False)
    preparation_seconds: float | None = column(
        "from the trained weights to a model the runtime loads: the ONNX export (targets built from it) plus the "
        "target's own build (conversion, quantization, fine-tuning), s: the sum of their medians over their timings"
    )
    preparation_seconds_low: float | None = column("the fastest export plus the fastest build, s")
    preparation_seconds_high: float | None = column("the slowest export plus the slowest build, s")
    preparation_timings: int | None = column(
        "the fewest timings of the preparation's parts (1: a long build timed once, so the figure has no range)"
    )
    # where it ran
    hostname: str | None = column("machine(s) the benchmark repeats ran on", table=False)
    cpu_model: str | None = column("CPU(s) the benchmark repeats ran on", table=False)
    # what the builder recorded (compressbench.artifacts): method settings, sparsity, widths, ...
    build_info: dict = column("the builder's facts about the model it made", table=False, default=dict)

    def get(self, key: str):
        """A field by name: metric tables name their columns as strings (analysis.rule.METRICS)."""
        return getattr(self, key)


TABLE_COLUMNS = tuple(f.name for f in dataclasses.fields(TargetRecord) if f.metadata["table"])
FIELDS = {f.name: f for f in dataclasses.fields(TargetRecord)}


def _plain(value):
    """JSON has no NaN: a missing or not-a-number measurement is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def record_from_dict(data: dict, source: str = "record") -> TargetRecord:
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise ValueError(f"{source}: unknown result fields {unknown} (written by another version: rerun aggregate)")
    return TargetRecord(**{key: _plain(value) for key, value in data.items()})


def write_records(records: list[TargetRecord], json_path: str | Path, table_path: str | Path) -> None:
    """summary.json (the records) and summary.tsv (their table view)."""
    rows = [{key: _plain(value) for key, value in dataclasses.asdict(r).items()} for r in records]
    Path(json_path).write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    write_tsv([{k: ("" if v is None else v) for k, v in row.items()} for row in rows], table_path, list(TABLE_COLUMNS))


def read_records(path: str | Path) -> list[TargetRecord]:
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    return [record_from_dict(row, f"{path}: target {row.get('target')!r}") for row in rows]


@dataclass
class Results:
    """Everything one run measured, as the analysis, the report and the plots read it."""

    records: list[TargetRecord]
    train_log: list[dict]
    spec: dict  # results/model/spec.json
    dataset: dict  # results/data/summary.json
    environment: dict  # results/environment.json ({} when absent)
    confusion: tuple[list[str], list[list[int]]] | None
    benchmark_app: dict[str, dict] = field(default_factory=dict)  # target -> benchmark_app.json
    per_class_by_target: dict[str, list[dict]] = field(default_factory=dict)  # the trained model's and every target's
    root: Path | None = None  # the folder holding results/, for files read on demand (predictions)

    @property
    def per_class(self) -> list[dict]:
        """The trained model's per-class metrics ([] when not evaluated)."""
        return self.per_class_by_target.get(TRAINED, [])

    @property
    def targets(self) -> list[str]:
        return [r.target for r in self.records]

    def record(self, target: str) -> TargetRecord | None:
        return next((r for r in self.records if r.target == target), None)


def _optional_json(path: Path) -> dict | None:
    return read_json(path) if path.is_file() else None


def _numbers(row: dict) -> dict:
    """A TSV row with its numeric cells as numbers (train log, per-class metrics)."""
    out = {}
    for key, text in row.items():
        try:
            value = float(text)
        except (TypeError, ValueError):
            out[key] = text
            continue
        out[key] = int(value) if value.is_integer() and "." not in str(text) else value
    return out


def load_results(root: str | Path = ".") -> Results:
    """A run's results under `root` (the workflow's working directory), through compressbench.paths."""
    root = Path(root)
    records = read_records(root / paths.SUMMARY_JSON)
    confusion_path = root / paths.for_target(paths.EVAL["confusion"], TRAINED)
    app = {r.target: root / paths.for_target(paths.BENCH["benchmark_app"], r.target) for r in records}
    evaluated = dict.fromkeys([TRAINED, *(r.target for r in records)])
    per_class = {t: root / paths.for_target(paths.EVAL["per_class"], t) for t in evaluated}
    return Results(
        records=records,
        train_log=[_numbers(row) for row in read_tsv(root / paths.TRAIN_LOG)],
        spec=read_json(root / paths.SPEC),
        dataset=read_json(root / paths.DATASET_SUMMARY),
        environment=_optional_json(root / paths.ENVIRONMENT) or {},
        confusion=read_matrix_tsv(confusion_path) if confusion_path.is_file() else None,
        benchmark_app={t: read_json(p) for t, p in app.items() if p.is_file()},
        per_class_by_target={t: [_numbers(row) for row in read_tsv(p)] for t, p in per_class.items() if p.is_file()},
        root=root,
    )


def read_predictions(path: str | Path):
    """(labels, predictions) per test image from a target's predictions.tsv."""
    import numpy as np

    rows = read_tsv(path)
    labels = np.array([int(row["label"]) for row in rows], dtype=np.int64)
    return labels, np.array([int(row["prediction"]) for row in rows], dtype=np.int64)


def predictions(results: Results, target: str):
    """A target's (labels, predictions), read from its predictions.tsv; None when not there."""
    path = (results.root or Path(".")) / paths.for_target(paths.EVAL["predictions"], target)
    return read_predictions(path) if path.is_file() else None


# ---- studies: many runs, each with its records (results/study.json, written by the study_table rule) ----


@dataclass(frozen=True)
class StudyRun:
    """One run of a study: its swept settings' values and what the run measured."""

    name: str
    model: str  # model.name of the run
    settings: dict  # swept dotted setting -> this run's value (as the config gives it)
    records: list[TargetRecord]
    environment: dict  # the run's results/environment.json
    dataset: dict  # the run's results/data/summary.json
    network: dict  # the trained network: architecture, params, macs (spec.json summary), train (its recipe)

    def record(self, target: str) -> TargetRecord | None:
        return next((r for r in self.records if r.target == target), None)


@dataclass(frozen=True)
class StudyResults:
    keys: list[str]  # the swept settings, in the order the study section gives them
    runs: list[StudyRun]

    @property
    def targets(self) -> list[str]:
        return list(dict.fromkeys(r.target for run in self.runs for r in run.records))


def study_run(name: str, model: str, settings: dict, root: str | Path) -> StudyRun:
    """A run of a study read from its folder (results/runs/<run>) through load_results."""
    results = load_results(root)
    summary = results.spec.get("summary") or {}
    network = {key: summary.get(key) for key in ("architecture", "params", "macs")}
    network["train"] = results.spec.get("train") or {}
    return StudyRun(name, model, settings, results.records, results.environment, results.dataset, network)


def write_study(study: StudyResults, path: str | Path) -> None:
    runs = []
    for run in study.runs:
        data = dataclasses.asdict(run)
        data["records"] = [{key: _plain(value) for key, value in record.items()} for record in data["records"]]
        runs.append(data)
    text = json.dumps({"keys": study.keys, "runs": runs}, indent=1, ensure_ascii=False, default=str)
    Path(path).write_text(text + "\n", encoding="utf-8")


def read_study(path: str | Path) -> StudyResults:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    runs = []
    for run in data["runs"]:
        records = [
            record_from_dict(r, f"{path}: run {run['name']!r}, target {r.get('target')!r}") for r in run["records"]
        ]
        runs.append(StudyRun(**{**run, "records": records}))
    return StudyResults(list(data["keys"]), runs)

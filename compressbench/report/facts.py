"""Language-free facts about one run: named numbers and booleans, no sentences.

Every comparison here says not only which value is larger but whether the run *resolves* the
difference: two intervals (between fresh-process repeats for speed, bootstrap for quality) that
overlap, a missing interval, or targets measured on different machines leave it unresolved, and
the prose then says so instead of using a comparison word. The prose modules turn these
results into text; the tests check them with synthetic numbers, without any strings.

Columns read (summary.tsv, or the same keys in results/bench/<t>/summary.json or
results/eval/<t>/metrics.json; the first that has a value wins) are listed in COLUMNS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..spec import DEFAULT_MODEL
from .data import ReportData, env_flags
from .numbers import is_number

BASE_TARGETS = ("pytorch", "onnxruntime", "openvino")
# Execution precision as runtimes record it (one spelling; "i8" from older result files) -> printed name
PRECISION_NAMES = {"f32": "FP32", "bf16": "BF16", "f16": "FP16", "int8": "INT8", "i8": "INT8"}

# Every key the report reads per target, with what it holds (see the module docstring).
COLUMNS = {
    "accuracy": "top-1 accuracy on the test set",
    "accuracy_ci_low": "bootstrap 95 % CI of accuracy, lower end",
    "accuracy_ci_high": "bootstrap 95 % CI of accuracy, upper end",
    "f1_macro": "macro-averaged F1",
    "f1_macro_ci_low": "bootstrap 95 % CI of macro-F1, lower end",
    "f1_macro_ci_high": "bootstrap 95 % CI of macro-F1, upper end",
    "f1_weighted": "support-weighted F1",
    "mcnemar_p": "exact McNemar p-value of the predictions against PyTorch FP32",
    "changed_predictions": "test images whose prediction differs from PyTorch FP32",
    "agreement": "top-1 agreement with PyTorch FP32",
    "max_abs_logit_diff": "largest absolute logit difference against PyTorch FP32",
    "accuracy_delta_pp": "accuracy minus PyTorch FP32's, percentage points",
    "size_bytes": "model files on disk",
    "weights_bytes": "weights file alone (optional; OpenVINO .bin)",
    "params": "parameters of the network",
    "compression_ratio": "FP32 ONNX size over this target's",
    "threads": "threads the runtime used",
    "latency_p50_ms": "batch-1 median latency (median over repeats)",
    "latency_p50_ci_low_ms": "between-repeat interval of the batch-1 median, low",
    "latency_p50_ci_high_ms": "between-repeat interval of the batch-1 median, high",
    "throughput_ips": "images/s at the best batch size (median over repeats)",
    "throughput_ips_low": "between-repeat range of throughput, low",
    "throughput_ips_high": "between-repeat range of throughput, high",
    "batch_size_best": "batch size of the best throughput",
    "repeats": "fresh-process benchmark repeats",
    "naive_test_set_seconds": "whole test set one image per call, convenience API (median pass)",
    "naive_first_pass_seconds": "the naive loop's first pass (no warm-up)",
    "tuned_test_set_seconds": "whole test set at batch 1 with the tuned call",
    "peak_rss_mb": "peak resident memory of the benchmark process, MB",
    "baseline_rss_mb": "resident memory before the model was loaded, MB",
    "load_seconds": "model load and compile time",
    "first_call_ms": "first inference call after loading",
    "hostname": "machine the benchmark ran on",
    "cpu_model": "CPU the benchmark ran on",
}

# Keys read from results/bench/<t>/summary.json only (per-batch and per-quarter detail, not in summary.tsv).
BENCH_KEYS = {
    "throughput_by_batch": "images/s per batch size (the throughput figure, outliers)",
    "latency_quarter_p50_ms": "batch-1 median of each quarter of the latency run (drift)",
    "latency_drift": "largest quarter median over the smallest, minus 1",
    "precision": "execution precision the runtime reported",
    "runtime_info": "the runtime's own report; precision_requested is the precision hint in effect",
}

RESOLVED = "resolved"
OVERLAP = "intervals_overlap"
NO_INTERVAL = "no_interval"
MACHINES = "different_machines"
SMALL = "below_threshold"  # single measurements: a ratio below SINGLE_RATIO is not counted

SINGLE_RATIO = 1.5  # load time and first call: one measurement per repeat, only a factor this large counts
SIGNIFICANCE = 0.05  # McNemar


@dataclass(frozen=True)
class Metric:
    key: str
    low: str | None  # interval columns; None: the value is exact (size) or a single measurement
    high: str | None
    higher_is_better: bool
    exact: bool = False  # exact values (file sizes): any difference is resolved


METRICS = {
    "latency": Metric("latency_p50_ms", "latency_p50_ci_low_ms", "latency_p50_ci_high_ms", False),
    "latency_1thread": Metric(
        "latency_1thread_p50_ms", "latency_1thread_p50_ci_low_ms", "latency_1thread_p50_ci_high_ms", False
    ),
    "throughput": Metric("throughput_ips", "throughput_ips_low", "throughput_ips_high", True),
    "accuracy": Metric("accuracy", "accuracy_ci_low", "accuracy_ci_high", True),
    "f1_macro": Metric("f1_macro", "f1_macro_ci_low", "f1_macro_ci_high", True),
    "size": Metric("size_bytes", None, None, False, exact=True),
    "load": Metric("load_seconds", None, None, False),
    "first_call": Metric("first_call_ms", None, None, False),
    "memory": Metric("peak_rss_mb", None, None, False),
}
SPEED_METRICS = {"latency", "latency_1thread", "throughput", "load", "first_call"}


class Run:
    """Typed access to one run's numbers: `value` is a finite number or None."""

    def __init__(self, data: ReportData):
        self.data = data
        self.targets = [t for t in data.targets if data.row(t)]

    def value(self, target: str, key: str):
        value = self.data.value(target, key)
        return value if is_number(value) else None

    def text(self, target: str, key: str) -> str | None:
        value = self.data.value(target, key)
        return str(value) if value not in (None, "") else None

    def label(self, target: str) -> str:
        return (self.data.row(target) or {}).get("label") or target

    def runtime(self, target: str) -> str | None:
        return (self.data.row(target) or {}).get("runtime")

    def interval(self, target: str, metric: str) -> tuple[float, float] | None:
        """The metric's interval; for speed only a between-repeat range (a single process's CI of the median
        misses the machine's drift between runs, so it does not resolve anything)."""
        spec = METRICS[metric]
        if spec.low is None:
            return None
        if metric in SPEED_METRICS and (self.value(target, "repeats") or 0) < 2:
            return None
        low, high = self.value(target, spec.low), self.value(target, spec.high)
        return (low, high) if low is not None and high is not None else None

    def measured(self, metric: str, targets=None) -> list[str]:
        return [t for t in (targets or self.targets) if self.value(t, METRICS[metric].key) is not None]

    def base_of(self, target: str) -> str | None:
        """The plain target a compressed variant is compared with: its runtime's FP32 target."""
        base = self.runtime(target)
        return base if base and base != target and self.data.row(base) else None

    @property
    def variants(self) -> list[str]:
        return [t for t in self.targets if t not in BASE_TARGETS]

    @property
    def base(self) -> list[str]:
        return [t for t in BASE_TARGETS if t in self.targets]


@dataclass(frozen=True)
class Comparison:
    """a against b on one metric. `better` is the target with the better point value; `ratio` >= 1 is
    worse/better (for throughput better/worse); `status` is RESOLVED or why the difference is not."""

    metric: str
    a: str
    b: str
    better: str | None
    ratio: float | None
    status: str

    @property
    def resolved(self) -> bool:
        return self.status == RESOLVED

    @property
    def worse(self) -> str | None:
        return None if self.better is None else (self.b if self.better == self.a else self.a)


def overlap(first: tuple[float, float], second: tuple[float, float]) -> bool:
    return first[0] <= second[1] and second[0] <= first[1]


def same_machine(run: Run, targets) -> bool | None:
    """Whether the benchmarks of these targets ran on one host and CPU (None: not recorded)."""
    machines = {(run.text(t, "hostname"), run.text(t, "cpu_model")) for t in targets}
    if any(host is None and cpu is None for host, cpu in machines):
        return None
    return len(machines) == 1


def compare(run: Run, metric: str, a: str, b: str) -> Comparison:
    spec = METRICS[metric]
    va, vb = run.value(a, spec.key), run.value(b, spec.key)
    if va is None or vb is None or va <= 0 or vb <= 0:
        return Comparison(metric, a, b, None, None, NO_INTERVAL)
    a_better = va > vb if spec.higher_is_better else va < vb
    better = a if a_better else b
    ratio = max(va, vb) / min(va, vb)
    status = _status(run, metric, a, b, ratio)
    return Comparison(metric, a, b, better if va != vb else None, ratio, status)


def _status(run: Run, metric: str, a: str, b: str, ratio: float) -> str:
    spec = METRICS[metric]
    if metric in SPEED_METRICS and same_machine(run, (a, b)) is False:
        return MACHINES
    if spec.exact:
        return RESOLVED if ratio != 1 else OVERLAP
    if spec.low is None:
        return RESOLVED if ratio >= SINGLE_RATIO else SMALL
    first, second = run.interval(a, metric), run.interval(b, metric)
    if first is None or second is None:
        return NO_INTERVAL
    return OVERLAP if overlap(first, second) else RESOLVED


def ranking(run: Run, metric: str, targets=None) -> list[str]:
    spec = METRICS[metric]
    measured = run.measured(metric, targets)
    return sorted(measured, key=lambda t: run.value(t, spec.key), reverse=spec.higher_is_better)


@dataclass(frozen=True)
class Leader:
    """The best target on a metric and whether it is resolved against every other one."""

    metric: str
    order: list[str]
    ties: list[str] = field(default_factory=list)  # targets not resolved against the leader
    status: str = RESOLVED  # why the runner-up is not resolved (first unresolved reason)

    @property
    def best(self) -> str | None:
        return self.order[0] if self.order else None

    @property
    def resolved(self) -> bool:
        return len(self.order) >= 2 and not self.ties


def leader(run: Run, metric: str, targets=None) -> Leader:
    order = ranking(run, metric, targets)
    if len(order) < 2:
        return Leader(metric, order, [], NO_INTERVAL)
    comparisons = [compare(run, metric, order[0], other) for other in order[1:]]
    ties = [c.b for c in comparisons if not c.resolved]
    status = next((c.status for c in comparisons if not c.resolved), RESOLVED)
    return Leader(metric, order, ties, status)


# ---- derived quantities ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TestSetTime:
    """The whole test set's time derived from benchmark throughput: images / images-per-second."""

    seconds: float
    low: float | None  # from the throughput range (high throughput -> short time)
    high: float | None
    batch: int | None


def test_images(run: Run) -> int | None:
    images = run.data.dataset.get("test_images")
    return images if is_number(images) else None


def test_set_time(run: Run, target: str) -> TestSetTime | None:
    ips, images = run.value(target, "throughput_ips"), test_images(run)
    if not ips or not images:
        return None
    low_ips, high_ips = run.value(target, "throughput_ips_low"), run.value(target, "throughput_ips_high")
    batch = run.value(target, "batch_size_best")
    return TestSetTime(
        images / ips,
        images / high_ips if high_ips else None,
        images / low_ips if low_ips else None,
        int(batch) if batch is not None else None,
    )


def per_image_ms(run: Run, target: str) -> float | None:
    """Per-image time at the best batch size, ms."""
    ips = run.value(target, "throughput_ips")
    return 1000.0 / ips if ips else None


def bytes_per_param(run: Run, target: str, key: str = "size_bytes") -> float | None:
    size, params = run.value(target, key), run.value(target, "params")
    return size / params if size and params else None


def model_memory_mb(run: Run, target: str) -> float | None:
    """Resident memory the model and its inference add on top of the loaded runtime library."""
    peak, baseline = run.value(target, "peak_rss_mb"), run.value(target, "baseline_rss_mb")
    return peak - baseline if peak is not None and baseline is not None else None


def cpu_flags(run: Run) -> set[str]:
    return env_flags(run.data.environment)


def has_flag(run: Run, *names: str) -> bool | None:
    flags = cpu_flags(run)
    return bool(flags & set(names)) if flags else None


def class_balance(run: Run) -> bool | None:
    """Whether every class has the same number of test images (then weighted = macro averages)."""
    supports = [row.get("support") for row in run.data.per_class if is_number(row.get("support"))]
    return len(set(supports)) == 1 if supports else None


def macro_equals_weighted(run: Run, target: str, digits: int = 4) -> bool:
    pairs = [
        ("precision_macro", "precision_weighted"),
        ("recall_macro", "recall_weighted"),
        ("f1_macro", "f1_weighted"),
    ]
    values = [(run.value(target, a), run.value(target, b)) for a, b in pairs]
    return all(a is None or b is None or round(a, digits) == round(b, digits) for a, b in values)


def significant_change(run: Run, target: str) -> bool | None:
    """Whether the target's predictions differ from PyTorch FP32's by more than chance (McNemar)."""
    p = run.value(target, "mcnemar_p")
    return p < SIGNIFICANCE if p is not None else None


def pareto_front(points: dict[str, tuple[float, ...]], maximize: tuple[bool, ...]) -> set[str]:
    """Names of points no other point dominates (at least as good everywhere, better somewhere)."""

    def better_or_equal(a, b):
        return all((x >= y) if up else (x <= y) for x, y, up in zip(a, b, maximize, strict=True))

    front = set()
    for name, point in points.items():
        if any(math.isnan(v) for v in point):
            continue
        dominated = any(other != name and better_or_equal(q, point) and q != point for other, q in points.items())
        if not dominated:
            front.add(name)
    return front


def resolved_pareto(run: Run, targets=None) -> dict[str, bool]:
    """Size/latency/accuracy Pareto front; a target is dominated only by one that beats it on a resolved
    comparison in some metric and is not resolved-worse in any. Maps target -> on the front."""
    metrics = ("size", "latency", "accuracy")
    targets = [t for t in (targets or run.targets) if all(run.value(t, METRICS[m].key) is not None for m in metrics)]

    def dominates(a: str, b: str) -> bool:
        comparisons = [compare(run, m, a, b) for m in metrics]
        a_resolved_better = any(c.resolved and c.better == a for c in comparisons)
        b_resolved_better = any(c.resolved and c.better == b for c in comparisons)
        return a_resolved_better and not b_resolved_better

    return {t: not any(dominates(o, t) for o in targets if o != t) for t in targets}


def model_summary(run: Run) -> dict:
    """The network's own description from spec.json (compressbench.model_summary.describe): architecture,
    params, MACs, layer counts; empty for a spec written before it was recorded."""
    summary = run.data.spec.get("summary")
    return summary if isinstance(summary, dict) else {}


def is_lenet(run: Run) -> bool:
    """Whether the network is the registry's LeNet-5 (the report then cites LeCun et al.)."""
    return ((run.data.spec.get("model") or {}).get("name") or DEFAULT_MODEL["name"]) == "lenet5"


@dataclass(frozen=True)
class ThreadSpread:
    """Batch-1 latency of one target at one thread and at the run's threads: medians and the
    between-repeat range relative to the median (how far a rerun can land)."""

    target: str
    threads: int
    p50_ms: float
    spread: float
    p50_1thread_ms: float
    spread_1thread: float


def thread_spreads(run: Run) -> list[ThreadSpread]:
    """Targets measured both at one thread and at more (benchmark.single_thread_latency)."""
    spreads = []
    for t in run.targets:
        threads = run.value(t, "threads")
        p50, p50_1 = run.value(t, METRICS["latency"].key), run.value(t, METRICS["latency_1thread"].key)
        ranges = run.interval(t, "latency"), run.interval(t, "latency_1thread")
        if None in (threads, p50, p50_1, *ranges) or threads <= 1:
            continue
        (low, high), (low_1, high_1) = ranges
        spreads.append(ThreadSpread(t, int(threads), p50, (high - low) / p50, p50_1, (high_1 - low_1) / p50_1))
    return spreads


def one_thread_steadier(spreads: list[ThreadSpread]) -> bool | None:
    """True when every target's one-thread range is narrower than the widest multi-thread range:
    then one thread gives the numbers that survive a rerun on this machine."""
    if not spreads:
        return None
    return max(x.spread_1thread for x in spreads) < max(x.spread for x in spreads)

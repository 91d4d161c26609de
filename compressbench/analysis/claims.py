"""The runtimes' documented pros and cons (templates/claims.yaml), each tested on its own quantity.

A check returns a Verdict: `holds` is True/False when the run measured the quantity and resolved
it, `status` says why not otherwise. `detail` names the wording of the evidence and the quantities
it prints, so this module has no words in it. Thresholds sit next to the check that uses them.
A claim's runtime is found through the registry (the runtime's baseline target, its post-training
INT8 target), never by a target's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from ..targets import TRAINED
from .explain import per_image_ms
from .findings import NOT_APPLICABLE, NOT_MEASURED, NOT_RESOLVED, RESOLVED, Finding, body, make
from .methods import ptq_targets
from .rule import BETWEEN_BOUNDS, OVERLAP, UPPER_BOUND, compare, ranges_apart_by_chance, ranking
from .rule import judge as judge_values
from .timing import naive_cost
from .view import Run

CLAIM_KEYS = ("id", "runtime", "kind", "source", "evidence", "text")
KINDS = ("pro", "con")


@body
@dataclass(frozen=True)
class Q:
    """A quantity to print: value and unit (ms, s, kib, ratio, pp, percent, count, p, ips, bpp, label, text)."""

    value: object
    unit: str = ""

    def __post_init__(self):
        if isinstance(self.value, list):  # (label, value) pairs: lists, as findings.json gives them back
            object.__setattr__(self, "value", [list(x) if isinstance(x, tuple) else x for x in self.value])


@body
@dataclass(frozen=True)
class Verdict:
    holds: bool | None  # None: not measured or not resolved
    status: str  # RESOLVED, NOT_MEASURED, NOT_RESOLVED, NOT_APPLICABLE
    detail: str = ""  # the evidence's wording: evidence.<detail>
    numbers: dict[str, Q] = field(default_factory=dict)
    reason: str = ""  # why not resolved (rule.OVERLAP, MACHINES, ...); with `partial`, why the rest is not
    partial: bool = False  # it holds where it was resolved, and the rest (another batch setting) is not resolved


@body
@dataclass(frozen=True)
class CheckedClaim:
    claim: str  # the claim's id in templates/claims.yaml
    runtime: str
    verdict: str  # supports | partly_supports | contradicts | not_resolved | not_measured | not_applicable
    evidence: Verdict

    def statement(self) -> str:
        return f"claim {self.claim} ({self.runtime}): {self.verdict}"


def measured(holds: bool, detail: str, **numbers: Q) -> Verdict:
    return Verdict(holds, RESOLVED, detail, numbers)


def not_measured(detail: str = "", **numbers: Q) -> Verdict:
    return Verdict(None, NOT_MEASURED, detail, numbers)


def not_applicable(detail: str, **numbers: Q) -> Verdict:
    return Verdict(None, NOT_APPLICABLE, detail, numbers)


def unresolved(reason: str, detail: str, **numbers: Q) -> Verdict:
    return Verdict(None, NOT_RESOLVED, detail, numbers, reason)


def verdict_of(comparisons: list, winner: str, detail: str, **numbers: Q) -> Verdict:
    """ "winner is better than every other one" from its comparisons: holds when every one is resolved in
    its favour, fails when any is resolved against it, else not resolved (the first reason why)."""
    if any(c.resolved and c.better not in (winner, None) for c in comparisons):
        return measured(False, detail, **numbers)
    unsettled = [c for c in comparisons if not c.resolved]
    if unsettled:
        return unresolved(unsettled[0].status, detail, **numbers)
    return measured(True, detail, **numbers)


CHECKS: dict[str, Callable[[Run], Verdict]] = {}


def check(function: Callable[[Run], Verdict]) -> Callable[[Run], Verdict]:
    CHECKS[function.__name__] = function
    return function


def _baseline(run: Run, runtime: str) -> str | None:
    return run.baseline_of_runtime(runtime)


def _int8(run: Run, runtime: str) -> str | None:
    """The runtime's post-training INT8 target of the trained model (not a chain step)."""
    return next((t for t in ptq_targets(run) if run.runtime(t) == runtime), None)


@body
@dataclass(frozen=True)
class Readiness:
    """From the trained weights to the first answer: preparation (export, conversion), load, first call, each
    the median over its timings; the range adds up the fastest timing of each part, and the slowest."""

    target: str
    preparation_s: float
    load_s: float
    first_call_s: float
    low_s: float | None  # None: a part has no range (a preparation timed once, a single benchmark repeat)
    high_s: float | None
    preparation_low_s: float | None
    preparation_high_s: float | None
    preparation_timings: int  # the fewest timings of the preparation's parts (export, build)

    @property
    def total_s(self) -> float:
        return self.preparation_s + self.load_s + self.first_call_s

    @property
    def interval(self) -> tuple[float, float] | None:
        return (self.low_s, self.high_s) if self.low_s is not None and self.high_s is not None else None

    def row(self, label: str) -> list:
        """What the evidence prints of it (Writer.quantity, unit "readiness")."""
        prep = [self.preparation_s, self.preparation_low_s, self.preparation_high_s, self.preparation_timings]
        return [label, self.total_s, self.low_s, self.high_s, *prep]


def _interval_of(run: Run, target: str, key: str) -> tuple[float, float] | None:
    low, high = run.value(target, f"{key}_low"), run.value(target, f"{key}_high")
    return (low, high) if low is not None and high is not None else None


def readiness(run: Run, target: str) -> Readiness | None:
    keys = ("preparation_seconds", "load_seconds", "first_call_ms", "preparation_timings")
    prep, load, first, timings = (run.value(target, key) for key in keys)
    if None in (prep, load, first, timings):
        return None
    # a figure timed once has no range (analysis.rule), nor has a total it is part of
    prep_range = _interval_of(run, target, "preparation_seconds") if timings >= 2 else None
    first_range = run.interval(target, "first_call")
    parts = (prep_range, run.interval(target, "load"), first_range and (first_range[0] / 1000, first_range[1] / 1000))
    low, high = (sum(p[0] for p in parts), sum(p[1] for p in parts)) if None not in parts else (None, None)
    prep_low, prep_high = prep_range or (None, None)
    return Readiness(target, prep, load, first / 1000, low, high, prep_low, prep_high, int(timings))


@check
def pytorch_no_export_step(run: Run) -> Verdict:
    """Ready sooner: the trained model's preparation, load and first call against each other runtime's export,
    conversion, load and first call, by the rule on their ranges: a total without one (a preparation timed
    once) resolves nothing (NO_INTERVAL)."""
    mine = readiness(run, TRAINED)
    others = [r for r in (readiness(run, t) for t in run.base if t != TRAINED) if r is not None]
    if mine is None or not others:
        return not_measured()
    items = Q([r.row(run.label(r.target)) for r in [mine, *others]], "readiness")
    comparisons = [
        judge_values("readiness", TRAINED, r.target, (mine.total_s, r.total_s), (mine.interval, r.interval), False)
        for r in others
    ]
    # the ranges are sums of the parts' extremes, not ranges between repeats: the evidence names the runtimes
    # they do not tell apart instead of the rule's generic reason, and a verdict against only some is partial
    unsettled = [c.b for c in comparisons if not c.resolved]
    against = any(c.resolved and c.better != TRAINED for c in comparisons)
    if against or not unsettled or any(c.status != OVERLAP for c in comparisons if not c.resolved):
        return verdict_of(comparisons, TRAINED, "readiness", items=items)
    numbers = {"items": items, "unsettled": Q(unsettled, "targets")}
    if len(unsettled) == len(comparisons):
        return unresolved("", "readiness_unresolved", **numbers)
    sooner = Q([c.b for c in comparisons if c.resolved], "targets")
    return Verdict(True, RESOLVED, "readiness_partly", {**numbers, "sooner": sooner}, partial=True)


def empty_call_floor(run: Run, target: str) -> tuple[float, float, float] | None:
    """The empty-batch call over the same round's batch-1 median: the median of the per-round shares with their
    range, a lower bound on the share of a batch-1 call that is overhead; None without two paired rounds."""
    shares = run.round_ratios(target, "empty_call", "latency")
    return (float(np.median(shares)), min(shares), max(shares)) if len(shares) >= 2 else None


@check
def pytorch_batch1_overhead(run: Run) -> Verdict:
    """Per-call overhead dominates at batch 1, bracketed: from above by the part of a batch-1 call that is not
    per-image work (batch-1 latency minus the time per image at the best batch; it also counts what batching
    saves), from below by a call on an empty batch (every operator dispatched, no image computed), each share
    with its range. Supported when even the lower bound is more than half the call in every round; contradicted
    when even the upper bound is smaller than the per-image work; otherwise not resolved."""
    latency, per_image = run.value(TRAINED, "latency_p50_ms"), per_image_ms(run, TRAINED)
    latency_range, throughput_range = run.interval(TRAINED, "latency"), run.interval(TRAINED, "throughput")
    if None in (latency, per_image, latency_range, throughput_range):
        return not_measured()
    per_image_range = (1000 / throughput_range[1], 1000 / throughput_range[0])
    overhead_range = (latency_range[0] - per_image_range[1], latency_range[1] - per_image_range[0])
    numbers = {
        "latency": Q(latency, "ms"),
        "per_image": Q(per_image, "ms"),
        "batch": Q(run.value(TRAINED, "batch_size_best"), "count"),
        "share": Q(max(0.0, 1 - per_image / latency), "percent"),
    }
    floor = empty_call_floor(run, TRAINED)
    detail = "overhead" if floor is None else "overhead_bracket"
    if floor is not None:
        numbers |= {
            "empty": Q(run.value(TRAINED, "empty_call_p50_ms"), "ms"),
            "empty_range": Q(run.interval(TRAINED, "empty_call"), "ms_range"),
            "floor": Q(floor[0], "percent"),
            "floor_range": Q([floor[1], floor[2]], "percent_range"),
        }
        if floor[1] > 0.5:
            return measured(True, detail, **numbers)
    if overhead_range[1] < per_image_range[0]:
        return measured(False, detail, **numbers)
    # the upper bound can show that the overhead does not dominate, never that it does; the lower bound the reverse
    return unresolved(UPPER_BOUND if floor is None else BETWEEN_BOUNDS, detail, **numbers)


@check
def pytorch_largest_file(run: Run) -> Verdict:
    present = [t for t in run.base if run.value(t, "size_bytes") is not None]
    if TRAINED not in present or len(present) < 2:
        return not_measured()
    items = Q([[run.label(t), run.value(t, "size_bytes")] for t in present], "kib")
    largest = ranking(run, "size", present)[-1]
    return measured(largest == TRAINED, "sizes", items=items)


@check
def onnxruntime_graph_optimizations(run: Run) -> Verdict:
    """ONNX Runtime with its graph optimizations against the same model with them off, at batch 1 and at the
    best batch."""
    tuned = _baseline(run, "onnxruntime")
    plain = next((t for t in run.targets if run.method(t) == "graph_optimizations_off"), None)
    if tuned is None or plain is None:
        return not_measured()
    comparisons = [compare(run, metric, tuned, plain) for metric in ("latency", "throughput")]
    if any(c.ratio is None for c in comparisons):
        return not_measured()
    numbers = {
        "on": Q(run.value(tuned, "latency_p50_ms"), "ms"),
        "off": Q(run.value(plain, "latency_p50_ms"), "ms"),
        "on_ips": Q(run.value(tuned, "throughput_ips"), "ips"),
        "off_ips": Q(run.value(plain, "throughput_ips"), "ips"),
        # the paired effect (the median of the per-round ratios): the two medians come from different mixes
        # of the machine's states, so their ratio can read otherwise
        "latency_ratio": Q(comparisons[0].ratio, "ratio"),
        "ips_ratio": Q(comparisons[1].ratio, "ratio"),
        **_ranges(run, {"on": tuned, "off": plain}),
    }
    # a comparison the ranges leave open but the rounds decide: the detail names the signed-rank test
    by_rounds = next((c for c in comparisons if c.resolved and c.rank_test_p is not None), None)
    detail = "optimizations"
    if by_rounds is not None:
        detail = "optimizations_by_rounds"
        numbers.update(
            in_rounds=Q((by_rounds.rank_test_ahead, by_rounds.rank_test_rounds), "in_rounds"),
            p=Q(by_rounds.rank_test_p, "p"),
        )
    faster = [c for c in comparisons if c.resolved and c.better == tuned]
    slower = [c for c in comparisons if c.resolved and c.better == plain]
    open_settings = [c for c in comparisons if not c.resolved]
    if faster and not slower and open_settings:  # faster at one batch setting, not resolved at the other
        only = "best" if faster[0].metric == "throughput" else "batch1"
        return Verdict(True, RESOLVED, f"optimizations_{only}_only", numbers, open_settings[0].status, partial=True)
    if faster and not slower:
        return measured(True, detail, **numbers)
    if slower and not faster:
        return measured(False, detail, **numbers)
    reason = next((c.status for c in comparisons if not c.resolved), OVERLAP)
    return unresolved(reason, detail, **numbers)


def _ranges(run: Run, sides: dict[str, str]) -> dict[str, Q]:
    """Each side's batch-1 latency and best-batch throughput ranges over the repeats ({side}_range,
    {side}_ips_range); an empty list where there is none (a single repeat)."""
    out = {}
    for side, target in sides.items():
        for name, metric, unit in (("range", "latency", "ms_range"), ("ips_range", "throughput", "ips_range")):
            interval = run.interval(target, metric)
            out[f"{side}_{name}"] = Q(list(interval) if interval is not None else [], unit)
    return out


@check
def onnxruntime_reproduces_pytorch(run: Run) -> Verdict:
    """The exported graph's predictions against the trained model's: agreement at or above the parity
    threshold the run enforces for this target (parity.thresholds), with the largest logit difference."""
    target = _baseline(run, "onnxruntime")
    agreement = run.value(target, "agreement") if target else None
    threshold = run.value(target, "parity_threshold") if target else None
    if agreement is None or threshold is None:
        return not_measured()
    numbers = {
        "agreement": Q(agreement, "percent"),
        "diff": Q(run.value(target, "max_abs_logit_diff"), "small"),
        "threshold": Q(threshold, "percent"),
    }
    return measured(agreement >= threshold, "agreement", **numbers)


def _dtype(run: Run, target: str, dtype: str, field: str = "values") -> int:
    record = run.record(target)
    return int(((record.weights_by_dtype if record else {}) or {}).get(dtype, {}).get(field, 0))


@check
def onnx_stores_fp32(run: Run) -> Verdict:
    """The .onnx file's initializers: all of its floating-point values are FP32 (4 bytes each); the file's
    size beside the PyTorch checkpoint's."""
    target = _baseline(run, "onnxruntime")
    if target is None or not (run.record(target).weights_by_dtype or {}):
        return not_measured()
    fp32 = _dtype(run, target, "float32")
    lower = _dtype(run, target, "float16") + _dtype(run, target, "bfloat16")
    items = Q([[run.label(t), run.value(t, "size_bytes")] for t in (TRAINED, target) if t in run.targets], "kib")
    return measured(fp32 > 0 and lower == 0, "fp32_initializers", values=Q(fp32, "count"), items=items)


@check
def onnxruntime_int8_one_byte(run: Run) -> Verdict:
    """INT8 quantization stores weights in one byte: the INT8 model holds more values as 8-bit integers
    than in any floating-point type; the file's size beside the FP32 model's."""
    fp32, int8 = _baseline(run, "onnxruntime"), _int8(run, "onnxruntime")
    if fp32 is None or int8 is None or not (run.record(int8).weights_by_dtype or {}):
        return not_measured()
    eight_bit = _dtype(run, int8, "int8") + _dtype(run, int8, "uint8")
    floating = max(_dtype(run, int8, t) for t in ("float32", "float16"))
    sizes = [run.value(t, "size_bytes") for t in (fp32, int8)]
    numbers = {
        "int8_values": Q(eight_bit, "count"),
        "float_values": Q(floating, "count"),
        "int32_values": Q(_dtype(run, int8, "int32"), "count"),  # the biases and (QDQ) their zero points
        "items": Q([[run.label(t), size] for t, size in zip((fp32, int8), sizes, strict=True)], "kib"),
        "ratio": Q(sizes[1] / sizes[0] if all(sizes) else None, "fraction"),
    }
    return measured(eight_bit > floating, "int8_values", **numbers)


@check
def openvino_fp16_weights_half(run: Run) -> Verdict:
    """Weights stored in 2 bytes instead of 4: the IR's constants by type and the .bin file's bytes per
    parameter."""
    target = _baseline(run, "openvino")
    if target is None or not (run.record(target).weights_by_dtype or {}):
        return not_measured()
    fp16, fp32 = _dtype(run, target, "float16"), _dtype(run, target, "float32")
    weights, params = run.value(target, "weights_bytes"), run.value(target, "params")
    numbers = {"fp16": Q(fp16, "count"), "fp32": Q(fp32, "count")}
    numbers["bpp"] = Q(weights / params if weights and params else None, "bpp")
    return measured(fp16 > fp32, "fp16_constants", **numbers)


INTEL = "GenuineIntel"  # the claim names Intel processors: elsewhere it is not applicable


@check
def openvino_fastest_best_batch(run: Run) -> Verdict:
    target = _baseline(run, "openvino")
    vendor = run.results.environment.get("cpu_vendor")
    if vendor and vendor != INTEL:
        return not_applicable("other_vendor", vendor=Q(vendor, "text"))
    others = [t for t in run.targets if t != target and run.runtime(t) != "openvino"]
    present = [t for t in others if run.value(t, "throughput_ips") is not None]
    if target is None or run.value(target, "throughput_ips") is None or not present:
        return not_measured()
    numbers = {"target": Q(run.label(target), "label"), "value": Q(run.value(target, "throughput_ips"), "ips")}
    numbers["others"] = Q([[run.label(t), run.value(t, "throughput_ips")] for t in present], "ips")
    return verdict_of([compare(run, "throughput", target, t) for t in present], target, "speed", **numbers)


BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@check
def openvino_default_bf16(run: Run) -> Verdict:
    """Testable only where the CPU has native bf16 and OpenVINO kept its default precision."""
    target = _baseline(run, "openvino")
    record = run.record(target) if target else None
    has_bf16 = run.has_flag(*BF16_FLAGS)
    requested = record.precision_requested if record else None
    executed = record.precision if record else None
    numbers = {"requested": Q(requested or "—", "text"), "executed": Q(executed or "—", "precision")}
    if has_bf16 is None or not executed or requested is None:
        return not_measured("bf16_unknown", **numbers)
    if not has_bf16:
        return not_applicable("bf16_absent", **numbers)
    if requested != "auto":
        return not_measured("bf16_forced", **numbers)
    return measured(executed == "bf16", "bf16", **numbers)


@check
def openvino_naive_slower_than_tuned(run: Run) -> Verdict:
    """The convenience call against the tuned one: the whole test set one image per call, each way, with
    the repeats' ranges; decided repeat by repeat as the naive section does."""
    target = _baseline(run, "openvino")
    naive = _interval_of(run, target, "naive_test_set_seconds") if target else None
    tuned = _interval_of(run, target, "tuned_test_set_seconds") if target else None
    if naive is None or tuned is None:
        return not_measured()
    numbers = {
        "naive": Q(run.value(target, "naive_test_set_seconds"), "s"),
        "tuned": Q(run.value(target, "tuned_test_set_seconds"), "s"),
        "naive_range": Q(list(naive), "s_range"),
        "tuned_range": Q(list(tuned), "s_range"),
    }
    cost = naive_cost(run)  # the naive section's verdict, paired repeat by repeat (one rule, stated once)
    detail = "naive"
    if target in cost.weak_rounds:  # resolved by the ranges of the few extended rounds: the weaker finding
        rounds = cost.weak_rounds[target]
        numbers |= {"rounds": Q(rounds, "count"), "chance": Q(ranges_apart_by_chance(rounds), "chance")}
        detail = "naive_weaker"
    if target in cost.slower:
        return measured(True, detail, **numbers)
    if target in cost.faster:
        return measured(False, detail, **numbers)
    return unresolved(cost.reasons.get(target, OVERLAP), "naive", **numbers)


WITHIN_PP = 1.0  # the claim's own "about one percentage point"


ACCURACY_DELTA_KEYS = ("accuracy_delta_pp", "accuracy_delta_low_pp", "accuracy_delta_high_pp")


@check
def openvino_int8_accuracy_within_1pp(run: Run) -> Verdict:
    """The accuracy change against the float model NNCF quantized (the variant's reference; the trained model
    where the record has no reference figures) with its paired 95 % interval, against +-1 pp."""
    target = _int8(run, "openvino")
    if target is None:
        return not_measured()
    reference = run.record(target).reference
    prefix = "reference_" if reference and run.value(target, "reference_accuracy_delta_pp") is not None else ""
    delta, low, high = (run.value(target, f"{prefix}{key}") for key in ACCURACY_DELTA_KEYS)
    if None in (delta, low, high):
        return not_measured()
    numbers = {
        "against": Q(run.label(reference if prefix else TRAINED), "label"),
        "delta": Q(delta, "pp"),
        "low": Q(low, "pp"),
        "high": Q(high, "pp"),
        "p": Q(run.value(target, f"{prefix}mcnemar_p"), "p"),
        "discordant": Q(run.value(target, f"{prefix}discordant"), "count"),
    }
    detail = "delta_reference" if prefix else "delta"  # the former says why it differs from the variants table
    if -WITHIN_PP <= low and high <= WITHIN_PP:
        return measured(True, detail, **numbers)
    if high < -WITHIN_PP or low > WITHIN_PP:
        return measured(False, detail, **numbers)
    return unresolved(OVERLAP, detail, **numbers)


# ---- the claims file -------------------------------------------------------------------------------


class ClaimsError(ValueError):
    pass


def load_claims(path: str | Path, sources: dict | None = None, languages=("ru", "en")) -> list[dict]:
    """templates/claims.yaml, checked: every claim has an id, a known kind, check and source, and its
    text in every report language."""
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    claims, seen = [], set()
    for index, item in enumerate(document.get("claims", [])):
        where = f"{path}: claim {index + 1}"
        missing = [key for key in CLAIM_KEYS if not item.get(key)]
        if missing:
            raise ClaimsError(f"{where} lacks {', '.join(missing)}")
        if item["id"] in seen:
            raise ClaimsError(f"{where}: id {item['id']!r} is used twice")
        seen.add(item["id"])
        if item["kind"] not in KINDS:
            raise ClaimsError(f"{where}: kind {item['kind']!r} (use pro or con)")
        if item["evidence"] not in CHECKS:
            raise ClaimsError(
                f"{where}: evidence {item['evidence']!r} is not a check in compressbench/analysis/claims.py"
            )
        if sources is not None and item["source"] not in sources:
            raise ClaimsError(f"{where}: source {item['source']!r} is not in templates/bibliography.yaml")
        lacking = [language for language in languages if not (item["text"] or {}).get(language)]
        if lacking:
            raise ClaimsError(f"{where}: text lacks {', '.join(lacking)}")
        claims.append(item)
    return claims


def judge(claim: dict, verdict: Verdict) -> CheckedClaim:
    if verdict.status in (NOT_MEASURED, NOT_RESOLVED, NOT_APPLICABLE):
        name = verdict.status
    else:
        name = "supports" if verdict.holds == claim.get("expect", True) else "contradicts"
        name = "partly_supports" if name == "supports" and verdict.partial else name
    return CheckedClaim(claim["id"], claim["runtime"], name, verdict)


def check_claims(run: Run, claims: list[dict]) -> list[CheckedClaim]:
    """Claims about the runtimes whose baseline is in this run, in file order."""
    runtimes = {run.runtime(t) for t in run.base}
    verdicts = {name: function(run) for name, function in CHECKS.items()}
    return [judge(claim, verdicts[claim["evidence"]]) for claim in claims if claim["runtime"] in runtimes]


def findings(run: Run, claims: list[dict]) -> list[Finding]:
    return [
        make(f"claims.{c.claim}", "proscons", c, outcome=_outcome(c), sources=(c.runtime,))
        for c in check_claims(run, claims)
    ]


def _outcome(claim: CheckedClaim) -> str:
    """A supported or contradicted claim is resolved either way; otherwise why not."""
    return claim.evidence.status

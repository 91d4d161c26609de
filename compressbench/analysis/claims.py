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

import yaml

from ..targets import TRAINED
from .explain import per_image_ms
from .findings import NOT_MEASURED, NOT_RESOLVED, RESOLVED, Finding, body, make
from .methods import ptq_targets
from .rule import SINGLE_RATIO, SMALL, compare, ranking
from .view import METRICS, Run

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
            object.__setattr__(self, "value", [list(pair) for pair in self.value])


@body
@dataclass(frozen=True)
class Verdict:
    holds: bool | None  # None: not measured or not resolved
    status: str  # RESOLVED, NOT_MEASURED, NOT_RESOLVED
    detail: str = ""  # the evidence's wording: evidence.<detail>
    numbers: dict[str, Q] = field(default_factory=dict)
    reason: str = ""  # why not resolved (rule.OVERLAP, MACHINES, ...)


@body
@dataclass(frozen=True)
class CheckedClaim:
    claim: str  # the claim's id in templates/claims.yaml
    runtime: str
    verdict: str  # supports | contradicts | not_resolved | not_measured
    evidence: Verdict

    def statement(self) -> str:
        return f"claim {self.claim} ({self.runtime}): {self.verdict}"


def measured(holds: bool, detail: str, **numbers: Q) -> Verdict:
    return Verdict(holds, RESOLVED, detail, numbers)


def not_measured(detail: str = "", **numbers: Q) -> Verdict:
    return Verdict(None, NOT_MEASURED, detail, numbers)


def unresolved(reason: str, detail: str, **numbers: Q) -> Verdict:
    return Verdict(None, NOT_RESOLVED, detail, numbers, reason)


CHECKS: dict[str, Callable[[Run], Verdict]] = {}


def check(function: Callable[[Run], Verdict]) -> Callable[[Run], Verdict]:
    CHECKS[function.__name__] = function
    return function


def _baseline(run: Run, runtime: str) -> str | None:
    return run.baseline_of_runtime(runtime)


def _int8(run: Run, runtime: str) -> str | None:
    """The runtime's post-training INT8 target of the trained model (not a chain step)."""
    return next((t for t in ptq_targets(run) if run.runtime(t) == runtime), None)


def _speed_claim(run: Run, metric: str, winner: str | None, losers: list[str], detail: str) -> Verdict:
    """The claim "winner is faster than every one of losers" on metric, resolved by the intervals."""
    present = [t for t in losers if run.value(t, METRICS[metric].key) is not None]
    if winner is None or run.value(winner, METRICS[metric].key) is None or not present:
        return not_measured()
    comparisons = [compare(run, metric, winner, other) for other in present]
    unit = "ms" if metric == "latency" else "ips"
    numbers = {"target": Q(run.label(winner), "label"), "value": Q(run.value(winner, METRICS[metric].key), unit)}
    numbers.update(others=Q([(run.label(t), run.value(t, METRICS[metric].key)) for t in present], unit))
    lost = [c for c in comparisons if c.better is not None and c.better != winner]
    if any(c.resolved for c in lost):
        return measured(False, detail, **numbers)
    unsettled = [c for c in comparisons if not c.resolved]
    if unsettled:
        return unresolved(unsettled[0].status, detail, **numbers)
    return measured(True, detail, **numbers)


@check
def pytorch_loads_fastest(run: Run) -> Verdict:
    """No export or compile step: PyTorch is ready sooner than the runtimes that compile a graph."""
    others = [t for t in run.base if t != TRAINED and run.value(t, "load_seconds") is not None]
    if run.value(TRAINED, "load_seconds") is None or not others:
        return not_measured()
    comparisons = [compare(run, "load", TRAINED, t) for t in others]
    numbers = {"items": Q([(run.label(t), 1000 * run.value(t, "load_seconds")) for t in [TRAINED, *others]], "ms")}
    if any(c.better not in (TRAINED, None) and c.resolved for c in comparisons):
        return measured(False, "load", **numbers)
    if all(c.resolved and c.better == TRAINED for c in comparisons):
        return measured(True, "load", **numbers)
    return unresolved(SMALL, "load", threshold=Q(SINGLE_RATIO, "ratio"), **numbers)


EAGER_OVERHEAD_SHARE = 0.5  # "dominates": more than half of the batch-1 call is not per-image compute


@check
def pytorch_batch1_overhead(run: Run) -> Verdict:
    """Per-call overhead dominates at batch 1: batch-1 latency against the per-image time at the best batch."""
    latency, per_image = run.value(TRAINED, "latency_p50_ms"), per_image_ms(run, TRAINED)
    if latency is None or per_image is None:
        return not_measured()
    share = max(0.0, 1 - per_image / latency)
    numbers = {
        "latency": Q(latency, "ms"),
        "per_image": Q(per_image, "ms"),
        "batch": Q(run.value(TRAINED, "batch_size_best"), "count"),
        "share": Q(share, "percent"),
        "threshold": Q(EAGER_OVERHEAD_SHARE, "percent"),
    }
    return measured(share > EAGER_OVERHEAD_SHARE, "overhead", **numbers)


@check
def pytorch_largest_file(run: Run) -> Verdict:
    present = [t for t in run.base if run.value(t, "size_bytes") is not None]
    if TRAINED not in present or len(present) < 2:
        return not_measured()
    items = Q([(run.label(t), run.value(t, "size_bytes")) for t in present], "kib")
    largest = ranking(run, "size", present)[-1]
    return measured(largest == TRAINED, "sizes", items=items)


@check
def onnxruntime_faster_than_pytorch_batch1(run: Run) -> Verdict:
    return _speed_claim(run, "latency", _baseline(run, "onnxruntime"), [TRAINED], "speed")


AGREEMENT_SAME = 0.999  # top-1 agreement counted as "reproduces the predictions"


@check
def onnxruntime_reproduces_pytorch(run: Run) -> Verdict:
    target = _baseline(run, "onnxruntime")
    agreement = run.value(target, "agreement") if target else None
    if agreement is None:
        return not_measured()
    numbers = {
        "agreement": Q(agreement, "percent"),
        "diff": Q(run.value(target, "max_abs_logit_diff"), "small"),
        "threshold": Q(AGREEMENT_SAME, "percent"),
    }
    return measured(agreement >= AGREEMENT_SAME, "agreement", **numbers)


SAME_SIZE = 0.10  # "about as large": within 10 %


@check
def onnx_about_pytorch_size(run: Run) -> Verdict:
    target = _baseline(run, "onnxruntime")
    onnx, torch = (run.value(target, "size_bytes") if target else None), run.value(TRAINED, "size_bytes")
    if not onnx or not torch:
        return not_measured()
    items = Q([(run.label(t), run.value(t, "size_bytes")) for t in (TRAINED, target)], "kib")
    return measured(abs(onnx / torch - 1) <= SAME_SIZE, "size_ratio", items=items, ratio=Q(onnx / torch, "percent"))


QUARTER = (0.20, 0.30)  # "roughly a quarter" of the FP32 size


@check
def onnxruntime_int8_quarter_size(run: Run) -> Verdict:
    fp32, int8 = _baseline(run, "onnxruntime"), _int8(run, "onnxruntime")
    int8_size = run.value(int8, "size_bytes") if int8 else None
    fp32_size = run.value(fp32, "size_bytes") if fp32 else None
    if not int8_size or not fp32_size:
        return not_measured()
    items = Q([(run.label(t), run.value(t, "size_bytes")) for t in (fp32, int8)], "kib")
    ratio = int8_size / fp32_size
    return measured(QUARTER[0] <= ratio <= QUARTER[1], "quarter", items=items, ratio=Q(ratio, "fraction"))


FP16_BYTES_MAX = 3.0  # fewer bytes per parameter than this cannot hold FP32 (4 bytes) weights


def bytes_per_param(run: Run, target: str, key: str = "size_bytes") -> float | None:
    size, params = run.value(target, key), run.value(target, "params")
    return size / params if size and params else None


@check
def openvino_fp16_weights_half(run: Run) -> Verdict:
    """Weights stored in 2 bytes instead of 4: the .bin file's bytes per parameter when recorded, otherwise
    the whole IR's (an upper bound on the weights' share)."""
    target = _baseline(run, "openvino")
    if target is None:
        return not_measured()
    exact = bytes_per_param(run, target, "weights_bytes")
    total = bytes_per_param(run, target)
    if exact is not None:
        return measured(exact <= 2.2, "weights_bpp", bpp=Q(exact, "bpp"))
    if total is None:
        return not_measured()
    numbers = {"bpp": Q(total, "bpp"), "threshold": Q(FP16_BYTES_MAX, "bpp")}
    if total < FP16_BYTES_MAX:
        return measured(True, "total_bpp", **numbers)
    if total >= 4:
        return measured(False, "total_bpp", **numbers)
    return unresolved(SMALL, "total_bpp", **numbers)


@check
def openvino_fastest_best_batch(run: Run) -> Verdict:
    target = _baseline(run, "openvino")
    others = [t for t in run.targets if t != target and run.runtime(t) != "openvino"]
    return _speed_claim(run, "throughput", target, others, "speed")


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
        return not_measured("bf16_absent", **numbers)
    if requested != "auto":
        return not_measured("bf16_forced", **numbers)
    return measured(executed == "bf16", "bf16", **numbers)


NAIVE_SLOWER = 1.20  # the convenience call costs at least 20 % more: "slower"
NAIVE_SAME = 1.05  # within 5 %: no measurable cost


@check
def openvino_naive_slower_than_tuned(run: Run) -> Verdict:
    target = _baseline(run, "openvino")
    naive = run.value(target, "naive_test_set_seconds") if target else None
    tuned = run.value(target, "tuned_test_set_seconds") if target else None
    if not naive or not tuned:
        return not_measured()
    ratio = naive / tuned
    numbers = {
        "naive": Q(naive, "s"),
        "tuned": Q(tuned, "s"),
        "ratio": Q(ratio, "ratio"),
        "slower": Q(NAIVE_SLOWER, "ratio"),
        "same": Q(NAIVE_SAME, "ratio"),
    }
    if ratio >= NAIVE_SLOWER:
        return measured(True, "naive", **numbers)
    if ratio <= NAIVE_SAME:
        return measured(False, "naive", **numbers)
    return unresolved(SMALL, "naive", **numbers)


WITHIN_PP = 1.0


@check
def openvino_int8_accuracy_within_1pp(run: Run) -> Verdict:
    target = _int8(run, "openvino")
    delta = run.value(target, "accuracy_delta_pp") if target else None
    if delta is None:
        return not_measured()
    numbers = {
        "delta": Q(delta, "pp"),
        "p": Q(run.value(target, "mcnemar_p"), "p"),
        "changed": Q(run.value(target, "changed_predictions"), "count"),
    }
    return measured(abs(delta) <= WITHIN_PP, "delta", **numbers)


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
    if verdict.status == NOT_MEASURED:
        name = "not_measured"
    elif verdict.status == NOT_RESOLVED:
        name = "not_resolved"
    else:
        name = "supports" if verdict.holds == claim.get("expect", True) else "contradicts"
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
    return {"not_measured": NOT_MEASURED, "not_resolved": NOT_RESOLVED}.get(claim.verdict, RESOLVED)

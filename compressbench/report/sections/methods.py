"""Compression methods: what each method did to size, accuracy and speed, against its reference and
its control, and each chain step's share (findings of compressbench.analysis.methods)."""

from __future__ import annotations

from ...analysis.methods import method_targets, reference_targets
from ...analysis.rule import PairTest
from ..tables import accuracy_interval, durations, latency_cell, plain_pp, table, with_note
from ..writer import Writer
from .base import Section, Table

PAIRS = {"better": "methods.pair_better", "worse": "methods.pair_worse", "unresolved": "methods.pair_unresolved"}
STRUCT_VERDICTS = {
    "faster": "methods.struct_faster",
    "slower": "methods.struct_slower",
    "mixed": "methods.struct_mixed",
    "unresolved": "methods.struct_unresolved",
}
GROWS = {True: "methods.struct_grows", False: "methods.struct_not_grows"}
# whether accuracy control returned any quantizer to floating point
ACCURACY_CONTROL = {True: "methods.accuracy_control_item", False: "methods.accuracy_control_none"}
# the images it validated on, as its build facts name them (targets/openvino_int8_acc.py)
CONTROL_DATA = {
    "validation split": "methods.accuracy_control_validation",
    "calibration images (no validation split)": "methods.accuracy_control_calibration",
}


def text(w: Writer) -> list[str]:
    """The section's paragraphs; empty (section left out) when the run has no method target."""
    if not method_targets(w.run):
        return []
    out = [w.s["methods.methods_intro"]]
    out += [accuracy_control_paragraph(w, x) for x in w.each("methods.accuracy_control.")]
    out += [struct_paragraph(w, x) for x in w.each("methods.struct.")]
    out += [unstructured_paragraph(w, x) for x in w.each("methods.unstructured.")]
    out += control_paragraphs(w, "distillation", distill_key)
    out += [cluster_paragraph(w, x) for x in w.each("methods.cluster.")]
    out += control_paragraphs(w, "qat_int8", lambda w, target: "methods.qat_item")
    out += [chain_paragraph(w, x) for x in w.each("methods.chain.")]
    return out


def control_paragraphs(w: Writer, method: str, key_of) -> list[str]:
    """Each target of `method` against its control (the same recipe without the method);
    key_of(w, target) picks the paragraph's wording."""
    found = [f for f in w.findings.with_prefix("methods.control.") if w.run.method(f.body.a) == method]
    return [w.para(w.s.say(key_of(w, f.body.a), pair=pair_sentence(w, w.finding(f.id)))) for f in found]


def distill_key(w: Writer, target: str) -> str:
    """With distill_alpha 0 the distillation loss has no teacher term: both students then follow
    the same recipe, and the paragraph must not credit a difference to the loss."""
    alpha = w.run.build(target).get("distill_alpha")
    return "methods.distill_same_recipe" if alpha == 0 else "methods.distill_item"


def test_note(w: Writer, test: PairTest) -> str:
    """How a pair was tested: the exact McNemar p, or why the intervals do not decide."""
    if test.p is not None:
        p = w.n.p_value(test.p)
        return w.s.say("methods.test_mcnemar", p=p if p.startswith("<") else f"= {p}")  # "p < 0.001", "p = 0.219"
    if test.comparison.resolved:
        return w.s["methods.test_ci_apart"]
    return w.reason(test.comparison.status, "accuracy")


def pair_sentence(w: Writer, test: PairTest) -> str:
    """ "A is more accurate than B by 1.2 pp (exact McNemar test, p = 0.01)" or that it is not resolved."""
    return w.s.say(
        PAIRS[test.verdict],
        a=w.label(test.a),
        b=w.label(test.b),
        acc_a=w.value(test.a, "accuracy"),
        acc_b=w.value(test.b, "accuracy"),
        delta=w.n.pp(abs(test.delta_pp) if test.delta_pp is not None else None, signed=False),
        test=test_note(w, test),
    )


def accuracy_control_paragraph(w: Writer, item) -> str:
    """Accuracy control against plain post-training quantization: what went back to floating point, and
    what that changed in accuracy (McNemar), size and speed."""
    s, n = w.s, w.n
    data = CONTROL_DATA.get(item.validation_data)
    return w.para(
        s.say(
            ACCURACY_CONTROL[bool(item.returned)],
            target=w.label(item.target),
            control=w.label(item.control),
            returned=n.integer(item.returned),
            plain=n.integer(item.quantizers_plain),
            kept=n.integer(item.quantizers),
            max_drop=n.pp(item.max_drop_pp, signed=False),
            images=n.integer(item.validation_images),
            data=s[data] if data else str(item.validation_data or n.missing),
            pair=pair_sentence(w, item.accuracy),
            size=w.comparison(item.size),
            latency=w.comparison(item.latency),
            throughput=w.comparison(item.throughput),
        )
    )


def one_thread_sentence(w: Writer, item) -> str:
    if item.latency_1thread is None:
        return ""
    return w.s.say(
        "methods.struct_1thread",
        ratio=w.n.ratio(item.speedup_1thread, 2),
        comparison=w.comparison(item.latency_1thread),
    )


def struct_why(w: Writer, item) -> str:
    """Why the speed-up falls short of the MAC reduction: from the per-layer profiles when the run has
    them (the diagnosis of the pruned target), else from its whole-call times."""
    s, n = w.s, w.n
    diagnosed = w.findings.body(f"diagnosis.variant.{item.target}")
    macs = diagnosed.batch1.macs if diagnosed else None
    if macs is None:
        fixed = item.fixed_share  # what is left of the pruned network's call beyond its arithmetic
        return s.say("methods.struct_why_calls", fixed=n.percent(fixed, 0), pruned=w.label(item.target))
    w.finding(f"diagnosis.variant.{item.target}")  # the paragraph states it
    return s.say(
        "methods.struct_why_profile",
        compute_ratio=n.ratio(macs.compute_time_ratio),
        fixed=n.percent(macs.reference_fixed_share, 0),
        expected=n.ratio(macs.expected_call_ratio),
        call_ratio=n.ratio(macs.call_time_ratio),
    )


def struct_paragraph(w: Writer, item) -> str:
    s, n = w.s, w.n
    grows = s[GROWS[item.grows_with_batch]] if item.grows_with_batch is not None else ""
    achieved = max(item.speedup_batch1 or 0, item.speedup_best or 0) / item.mac_ratio if item.mac_ratio else None
    verdict = s.say(
        STRUCT_VERDICTS[item.verdict],
        macs=s.times(item.mac_ratio) if item.mac_ratio else n.missing,
        achieved=n.percent(achieved, 0) if achieved is not None else n.missing,
        why=struct_why(w, item),
        grows=grows,
    )
    return w.para(
        s.say(
            "methods.struct_item",
            target=w.label(item.target),
            base=w.label(item.base),
            macs=s.times(item.mac_ratio) if item.mac_ratio else n.missing,
            batch1=n.ratio(item.speedup_batch1, 2),
            best=n.ratio(item.speedup_best, 2),
            latency=w.comparison(item.latency),
            throughput=w.comparison(item.throughput),
            one_thread=one_thread_sentence(w, item),
            verdict=verdict,
        )
    )


def unstructured_paragraph(w: Writer, item) -> str:
    s = w.s
    return w.para(
        s.say(
            "methods.pruned_item",
            target=w.label(item.target),
            base=w.label(item.base),
            size=s.times(item.size_ratio) if item.size_ratio else w.n.missing,
            gzip=s.times(item.gzip_ratio) if item.gzip_ratio else w.n.missing,
            latency=w.comparison(item.latency),
        )
    )


def cluster_paragraph(w: Writer, item) -> str:
    s, n = w.s, w.n
    size_word = {True: s["methods.cluster_smaller"], False: s["methods.int8_smaller"], None: ""}[item.smaller]
    fp32 = item.fp32_bytes
    return w.para(
        s.say(
            "methods.cluster_item",
            target=w.label(item.target),
            int8=w.label(item.int8),
            packed=n.kib_unit(item.packed_bytes),
            ratio=s.times(fp32 / item.packed_bytes) if fp32 and item.packed_bytes else n.missing,
            int8_size=n.kib_unit(item.int8_bytes),
            size_word=size_word,
            loss=n.pp(item.loss_pp),
            int8_loss=n.pp(item.int8_loss_pp),
            pair=pair_sentence(w, item.accuracy),
        )
    )


def chain_paragraph(w: Writer, chain) -> str:
    s, n = w.s, w.n
    items = [
        s.say(
            "methods.chain_step",
            source=w.label(step.source),
            target=w.label(step.target),
            share=n.percent(step.size_share, 0) if step.size_share is not None else n.missing,
            ratio=s.times(step.size_ratio) if step.size_ratio else n.missing,
            delta=n.pp(step.accuracy.delta_pp),
            test=test_note(w, step.accuracy),
        )
        for step in chain.steps
    ]
    return w.para(s.say("methods.chain_item", target=w.label(chain.target), steps="; ".join(items)))


def methods_table(w: Writer) -> dict | None:
    """Every compression method of the run beside the targets it is measured against; an interval or test
    shares its value's cell, so that the table stays readable at full width."""
    run, s, n = w.run, w.s, w.n
    if not method_targets(run):
        return None
    targets = reference_targets(run) + method_targets(run)
    unit, p50 = durations(w, [run.value(t, "latency_p50_ms") for t in targets])
    rows = []
    for i, t in enumerate(targets):
        size, packed = run.value(t, "size_bytes"), run.value(t, "size_packed_bytes")
        rows.append(
            [
                w.label(t),
                n.kib(size),
                n.kib(packed) if packed and packed != size else n.missing,
                n.integer(run.value(t, "params")),
                n.integer(run.value(t, "macs")),
                with_note(n.fixed(run.value(t, "accuracy"), 3), accuracy_interval(w, t), n.missing),
                with_note(
                    plain_pp(w, run.value(t, "reference_accuracy_delta_pp")),
                    n.p_value(run.value(t, "reference_mcnemar_p")),
                    n.missing,
                ),
                latency_cell(w, t, p50[i], unit),
                n.count(run.value(t, "throughput_ips")),
                n.fixed(run.value(t, "peak_rss_mb"), 1),
            ]
        )
    columns = [
        (s["columns.col_target"], "l"),
        (s["columns.col_size"], "r"),
        (s["columns.col_packed"], "r"),
        (s["columns.col_params"], "r"),
        (s["columns.col_macs"], "r"),
    ]
    columns += [
        (s["columns.col_accuracy_ci"], "r"),
        (s["columns.col_delta_p"], "r"),
        (f"p50, {unit}", "r"),
        (s["columns.col_throughput"], "r"),
    ]
    return table([*columns, (s["columns.col_peak_mb"], "r")], rows, wide=True)


def qat_table(w: Writer) -> dict | None:
    """Quantization-aware training beside its control, post-training INT8, as one row pair."""
    run, s, n = w.run, w.s, w.n
    tests = [x for x in w.findings.with_prefix("methods.control.") if run.method(x.body.a) == "qat_int8"]
    if not tests:
        return None
    pair = [tests[0].body.b, tests[0].body.a]
    unit, p50 = durations(w, [run.value(t, "latency_p50_ms") for t in pair])
    rows = [
        [
            w.label(t),
            n.kib(run.value(t, "size_bytes")),
            n.fixed(run.value(t, "accuracy"), 4),
            w.interval(t, "accuracy"),
            plain_pp(w, run.value(t, "reference_accuracy_delta_pp")),
            n.p_value(run.value(t, "reference_mcnemar_p")),
            p50[i],
        ]
        for i, t in enumerate(pair)
    ]
    columns = [
        (s["columns.col_target"], "l"),
        (s["columns.col_size"], "r"),
        (s["columns.col_accuracy"], "r"),
        (s["columns.col_ci"], "r"),
        (s["columns.col_delta_base"], "r"),
        (s["columns.col_p"], "r"),
        (f"p50, {unit}", "r"),
    ]
    return table(columns, rows)


SECTION = Section(
    "methods",
    "methods.title",
    1,
    ("text", "table:methods", "table:qat"),
    text=text,
    tables=(
        Table("methods", methods_table, "methods.tab_methods", "methods.tab_methods_single"),
        Table("qat", qat_table, "methods.tab_qat"),
    ),
    discusses=("figure:tradeoff",),  # every target's accuracy-size and accuracy-speed front
)

"""The compression-methods section in the report language: paragraphs from compressbench.report.methods."""

from __future__ import annotations

from . import methods as m
from .writer import Writer


def section(w: Writer) -> list[str]:
    """The section's paragraphs; empty (section left out) when the run has no method target."""
    run = w.run
    if not m.method_targets(run):
        return []
    out = [w.s.methods_intro]
    out += [struct_paragraph(w, item) for item in m.struct_speedups(run)]
    pruned = m.unstructured(run)
    if pruned:
        out.append(unstructured_paragraph(w, pruned))
    test = m.distillation(run)
    if test:
        out.append(distill_paragraph(w, test))
    out += [cluster_paragraph(w, item) for item in m.cluster_vs_int8(run)]
    qat = m.qat_vs_ptq(run)
    if qat:
        out.append(w.s.say("qat_item", pair=pair_sentence(w, qat)))
    for target in m.chain_targets(run):
        steps = m.chain_steps(run, target)
        if steps:
            out.append(chain_paragraph(w, target, steps))
    return out


def test_note(w: Writer, test: m.PairTest) -> str:
    """How a pair was tested: the exact McNemar p, or why the intervals do not decide."""
    if test.p is not None:
        p = w.n.p_value(test.p)
        return w.s.say("test_mcnemar", p=p if p.startswith("<") else f"= {p}")  # "p < 0.001", "p = 0.219"
    if test.comparison.resolved:
        return w.s.test_ci_apart
    return w.reason(test.comparison.status, "accuracy")


def pair_sentence(w: Writer, test: m.PairTest) -> str:
    """ "A is more accurate than B by 1.2 pp (exact McNemar test, p = 0.01)" or that it is not resolved."""
    return w.s.say(
        f"pair_{test.verdict}",
        a=w.label(test.a),
        b=w.label(test.b),
        acc_a=w.value(test.a, "accuracy"),
        acc_b=w.value(test.b, "accuracy"),
        delta=w.n.pp(abs(test.delta_pp) if test.delta_pp is not None else None, signed=False),
        test=test_note(w, test),
    )


def one_thread_sentence(w: Writer, item: m.StructSpeedup) -> str:
    if item.latency_1thread is None:
        return ""
    return w.s.say(
        "struct_1thread", ratio=w.n.ratio(item.speedup_1thread, 2), comparison=w.comparison(item.latency_1thread)
    )


def struct_paragraph(w: Writer, item: m.StructSpeedup) -> str:
    s, n = w.s, w.n
    fixed = m.fixed_share(w.run, item.target)  # what is left of the pruned network's call beyond its arithmetic
    grows = {True: s.struct_grows, False: s.struct_not_grows, None: ""}[item.grows_with_batch]
    verdict = s.say(
        f"struct_{item.verdict}",
        macs=s.times(item.mac_ratio) if item.mac_ratio else n.missing,
        share=n.percent(m.ARITHMETIC_SHARE, 0),
        fixed=n.percent(fixed, 0) if fixed is not None else n.missing,
        pruned=w.label(item.target),
        grows=grows,
    )
    return s.say(
        "struct_item",
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


def unstructured_paragraph(w: Writer, item: m.Unstructured) -> str:
    s = w.s
    return s.say(
        "pruned_item",
        target=w.label(item.target),
        base=w.label(item.base),
        size=s.times(item.size_ratio) if item.size_ratio else w.n.missing,
        gzip=s.times(item.gzip_ratio) if item.gzip_ratio else w.n.missing,
        latency=w.comparison(item.latency),
    )


def distill_paragraph(w: Writer, test: m.PairTest) -> str:
    return w.s.say("distill_item", pair=pair_sentence(w, test))


def cluster_paragraph(w: Writer, item: m.ClusterVsInt8) -> str:
    s, n = w.s, w.n
    fp32 = m.onnx_fp32_bytes(w.run, item.target)
    size_word = {True: s.cluster_smaller, False: s.int8_smaller, None: ""}[item.smaller]
    return s.say(
        "cluster_item",
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


def chain_paragraph(w: Writer, target: str, steps: list[m.ChainStep]) -> str:
    s, n = w.s, w.n
    items = [
        s.say(
            "chain_step",
            source=w.label(step.source),
            target=w.label(step.target),
            share=n.percent(step.size_share, 0) if step.size_share is not None else n.missing,
            ratio=s.times(step.size_ratio) if step.size_ratio else n.missing,
            delta=n.pp(step.accuracy.delta_pp),
            test=test_note(w, step.accuracy),
        )
        for step in steps
    ]
    return s.say("chain_item", target=w.label(target), steps="; ".join(items))

"""Paragraphs of the interpretive sections: methodology, variants, the coursework, limitations, conclusions."""

from __future__ import annotations

from . import explain
from . import facts as f
from .data import env_get
from .tables import model_name
from .writer import Writer


def methodology(w: Writer) -> list[str]:
    run, s, n = w.run, w.s, w.n
    repeats = max((run.value(t, "repeats") or 0 for t in run.targets), default=0)
    dataset_source = "sklearn_digits" if run.data.dataset.get("source") == "digits" else "cifar10"
    summary = f.model_summary(run)
    out = [
        s.say(
            "method_data",
            model=model_name(w),
            params=n.integer(summary.get("params")),
            macs=n.integer(summary.get("macs")),
            cite_data=w.cite(dataset_source),
            cite_model=f" {w.cite('lenet')}" if f.is_lenet(run) else "",  # the one registry model with a source
        )
    ]
    env = run.data.environment
    threads = {run.value(t, "threads") for t in run.targets} - {None}
    out.append(
        s.say(
            "method_machine",
            cpu=str(env_get(env, "cpu_model", "model_name") or n.missing),
            cpus=s.count(env_get(env, "logical_cpus", "logical_cores", "cpu_count"), "forms_cpus"),
            threads=", ".join(n.integer(x) for x in sorted(threads)) or n.missing,
        )
    )
    out.append(s.method_timers)
    if repeats:
        out.append(s.say("method_repeats", repeats=n.integer(repeats)))
    else:
        out.append(s.method_single)
    out.append(s.say("method_quality", cite_boot=w.cite("bootstrap"), cite_mcnemar=w.cite("mcnemar")))
    out.append(s.method_memory)
    return out


def variants(w: Writer) -> list[str]:
    run, s, n = w.run, w.s, w.n
    if not run.variants:
        return [s.variants_none]
    out = []
    for t in run.variants:
        base = run.base_of(t)
        p = run.value(t, "mcnemar_p")
        quality = s.say(
            "variant_quality" if p is not None else "variant_quality_short",
            delta=n.pp(run.value(t, "accuracy_delta_pp")),
            changed=n.integer(run.value(t, "changed_predictions")),
            p=n.p_value(p),
            word=(s.significant if p < f.SIGNIFICANCE else s.not_significant) if p is not None else s.not_tested,
        )
        speed = w.comparison(f.compare(run, "latency", t, base)) if base else s.variant_no_base
        out.append(
            s.say(
                "variant_item",
                target=w.label(t),
                size=n.kib_unit(run.value(t, "size_bytes")),
                ratio=s.times(run.value(t, "compression_ratio")),
                quality=quality,
                speed=speed,
            )
        )
    out += int8_explanation(w)
    return out


def int8_explanation(w: Writer) -> list[str]:
    slow = explain.int8_slowdown(w.run)
    if slow is None or slow.ratio_batch1 is None or slow.ratio_batch1 <= 1 or not slow.batch1.resolved:
        return []
    s, n = w.s, w.n
    key = "int8_fixed_cost" if slow.fixed_cost else "int8_per_image"
    vnni = {True: s.vnni_yes, False: s.vnni_no, None: s.vnni_unknown}[slow.vnni]
    return [
        s.say(
            key,
            target=w.label(slow.variant),
            base=w.label(slow.base),
            ratio1=s.times(slow.ratio_batch1),
            ratio_best=s.times(slow.ratio_best) if slow.ratio_best else n.missing,
            vnni=vnni,
            cite=w.cite("ort_quantization"),
        )
    ]


def coursework(w: Writer, cw: dict) -> list[str]:
    run, s, n = w.run, w.s, w.n
    targets = cw["targets"]
    items = ", ".join(f"{v['label']} {n.seconds(v['seconds'])}" for v in targets.values())
    out = [s.say("cw_intro", items=items, acc=n.fixed(targets["pytorch"]["accuracy"], 4))]
    out += coursework_orderings(w, cw)
    sizes = "; ".join(f"{w.label(t)} {n.kib_unit(run.value(t, 'size_bytes'))}" for t in run.base)
    out.append(s.say("cw_size", sizes=sizes))
    out.append(coursework_accuracy(w, cw))
    out.append(coursework_averaging(w, cw))
    return out


def coursework_orderings(w: Writer, cw: dict) -> list[str]:
    run, s = w.run, w.s
    wanted = explain.coursework_order(cw, run)
    found = explain.orderings(cw, run)
    if not found:
        return [s.cw_order_missing]
    cw_text = " < ".join(cw["targets"][t]["label"] for t in wanted)
    items = []
    for o in found:
        order = " < ".join(w.label(t) for t in o.order)
        mark = s.cw_same if o.matches else s.cw_different
        items.append(s.say("cw_hypothesis", hypothesis=s[f"hyp_{o.hypothesis}"], order=order, mark=mark))
    matching = [s[f"hyp_{o.hypothesis}"] for o in found if o.matches]
    key = "cw_explained" if matching else "cw_not_explained"
    return [s.say("cw_orderings", cw_order=cw_text, items="; ".join(items)), s.say(key, hypotheses=s.join(matching))]


def coursework_accuracy(w: Writer, cw: dict) -> str:
    run, s, n = w.run, w.s, w.n
    acc = n.fixed(run.value("pytorch", "accuracy"), 4)
    interval = w.interval_note("pytorch", "accuracy")
    source = run.data.dataset.get("source")
    names = [str(c).lower() for c in run.data.dataset.get("class_names", [])]
    cw_acc = n.fixed(cw["targets"]["pytorch"]["accuracy"], 4)
    if source == "cifar10" or (source == "imagefolder" and len(names) == 10):
        epochs = s.count(len(run.data.train_log), "forms_epochs")
        return s.say("cw_accuracy_same", acc=acc, interval=interval, epochs=epochs, cw_acc=cw_acc)
    return s.say("cw_accuracy_other", dataset=dataset_name(w), acc=acc, cw_acc=cw_acc)


def coursework_averaging(w: Writer, cw: dict) -> str:
    s, n = w.s, w.n
    result = explain.averaging(cw, w.run)
    return s.say(
        f"cw_averaging_{result.verdict}",
        f1=n.fixed(cw["targets"]["pytorch"]["f1"], 4),
        acc=n.fixed(cw["targets"]["pytorch"]["accuracy"], 4),
        gap=n.fixed(abs(result.coursework_gap), 4),
        macro_gap=n.fixed(abs(result.macro_gap) if result.macro_gap is not None else None, 4),
        weighted_gap=n.fixed(abs(result.weighted_gap) if result.weighted_gap is not None else None, 4),
        cite=w.cite("sklearn_prf"),
    )


def dataset_name(w: Writer) -> str:
    source = w.run.data.dataset.get("source", "")
    return w.s.texts.get(f"dataset_{source}", source)


def limitations(w: Writer) -> list[str]:
    run, s, n = w.run, w.s, w.n
    env = run.data.environment
    cpus = env_get(env, "logical_cpus", "logical_cores", "cpu_count")
    out = [s.say("limit_machine", cpus=n.integer(cpus) if f.is_number(cpus) else n.missing)]
    seed = (run.data.spec.get("train") or {}).get("seed")
    out.append(s.say("limit_seed", seed=str(seed)) if seed is not None else s.limit_seed_unknown)
    summary = f.model_summary(run)
    out.append(
        s.say(
            "limit_model",
            model=model_name(w),
            params=n.integer(summary.get("params")),
            macs=n.integer(summary.get("macs")),
        )
    )
    if run.data.dataset.get("source") == "imagefolder":
        out.append(s.limit_jpeg)
    if not any(run.value(t, "repeats") for t in run.targets):
        out.append(s.limit_no_repeats)
    return out


def conclusions(w: Writer) -> list[str]:
    run, s = w.run, w.s
    out = []
    for metric, key in (("latency", "rec_latency"), ("throughput", "rec_throughput")):
        lead = f.leader(run, metric)
        if lead.best is None:
            continue
        if lead.resolved:
            out.append(s.say(f"{key}_resolved", target=w.label(lead.best), value=w.value(lead.best, metric)))
        else:
            candidates = w.labels([lead.best, *lead.ties])
            out.append(s.say(f"{key}_tie", targets=candidates, reason=w.reason(lead.status)))
    out += size_recommendation(w)
    agreement = run.value("onnxruntime", "agreement")
    if agreement is not None:
        out.append(s.say("rec_portability", agreement=w.n.percent(agreement, 2)))
    return out


def size_recommendation(w: Writer) -> list[str]:
    """The smallest target whose accuracy change against PyTorch FP32 is within 1 pp."""
    run, s, n = w.run, w.s, w.n
    fine = [t for t in f.ranking(run, "size") if abs(run.value(t, "accuracy_delta_pp") or 0) <= 1.0]
    if not fine:
        return []
    t = fine[0]
    return [
        s.say(
            "rec_size",
            target=w.label(t),
            size=n.kib_unit(run.value(t, "size_bytes")),
            delta=n.pp(run.value(t, "accuracy_delta_pp")),
        )
    ]

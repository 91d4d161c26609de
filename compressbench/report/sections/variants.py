"""Compressed variants: each variant's size, accuracy change and speed against its reference, and why
an INT8 variant that is slower at batch 1 is slower."""

from __future__ import annotations

from ..tables import durations, execution_precision, table
from ..writer import Writer
from .base import Section, Table

VNNI = {True: "variants.vnni_yes", False: "variants.vnni_no", None: "variants.vnni_unknown"}


def text(w: Writer) -> list[str]:
    run, s, n = w.run, w.s, w.n
    if not run.variants:
        return []
    out = []
    for t in run.variants:
        changed = w.finding(f"quality.changed.{t}")
        quality = s.say(
            "variants.variant_quality" if changed is not None else "variants.variant_quality_short",
            delta=n.pp(run.value(t, "accuracy_delta_pp")),
            changed=n.integer(run.value(t, "changed_predictions")),
            p=n.p_value(changed.p if changed else None),
            word=(s["common.significant"] if changed.significant else s["common.not_significant"])
            if changed is not None
            else s["common.not_tested"],
        )
        latency = w.finding(f"variants.latency.{t}")
        speed = w.comparison(latency) if latency is not None else s["variants.variant_no_base"]
        out.append(
            w.para(
                s.say(
                    "variants.variant_item",
                    target=w.label(t),
                    size=n.kib_unit(run.value(t, "size_bytes")),
                    ratio=s.times(run.value(t, "compression_ratio")),
                    quality=quality,
                    speed=speed,
                )
            )
        )
    return out + int8_explanations(w)


def int8_explanations(w: Writer) -> list[str]:
    s, n = w.s, w.n
    out = []
    for slow in w.each("variants.int8_slowdown."):
        key = "variants.int8_fixed_cost" if slow.fixed_cost else "variants.int8_per_image"
        out.append(
            w.para(
                s.say(
                    key,
                    target=w.label(slow.variant),
                    base=w.label(slow.base),
                    ratio1=s.times(slow.ratio_batch1),
                    ratio_best=s.times(slow.ratio_best) if slow.ratio_best else n.missing,
                    vnni=s[VNNI[slow.vnni]],
                    cite=w.cite("ort_quantization"),
                )
            )
        )
    return out


def variants_table(w: Writer) -> dict | None:
    run, s, n = w.run, w.s, w.n
    if not run.variants:
        return None
    unit, p50 = durations(w, [run.value(t, "latency_p50_ms") for t in run.variants])
    rows = [
        [
            w.label(t),
            str(run.record(t).weights or "").upper().replace("SPARSE ", "sparse "),
            execution_precision(w, t),
            n.kib(run.value(t, "size_bytes")),
            n.ratio(run.value(t, "compression_ratio")),
            n.pp(run.value(t, "accuracy_delta_pp")).replace("\u00a0п.\u00a0п.", "").replace("\u00a0pp", ""),
            n.p_value(run.value(t, "mcnemar_p")),
            p50[i],
            w.label(run.reference_of(t)) if run.reference_of(t) else n.missing,
        ]
        for i, t in enumerate(run.variants)
    ]
    columns = [
        (s["columns.col_target"], "l"),
        (s["columns.col_weights"], "l"),
        (s["columns.col_exec"], "l"),
        (s["columns.col_size"], "r"),
        (s["columns.col_ratio"], "r"),
        (s["columns.col_delta"], "r"),
        (s["columns.col_p"], "r"),
        (f"p50, {unit}", "r"),
        (s["columns.col_base"], "l"),
    ]
    return table(columns, rows)


SECTION = Section(
    "variants",
    "variants.title",
    1,
    ("text", "table:variants"),
    text=text,
    tables=(Table("variants", variants_table, "variants.tab_variants"),),
)

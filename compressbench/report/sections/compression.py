"""Compressed variants: how each target was made (its recipe, from the record's build facts), and what
it changed against its reference (size, accuracy with its paired interval and the exact McNemar test,
speed at batch 1 and at the best batch), with the explanation of an INT8 variant that is slower."""

from __future__ import annotations

from ...targets import TARGETS
from ...targets.target_spec import SAME_FILE_METHODS
from ..tables import durations, execution_precision, latency_cell, plain_pp, table, with_note
from ..writer import Writer
from .base import Section, Table
from .quality import mcnemar_cell

VNNI = {True: "compression.vnni_yes", False: "compression.vnni_no", None: "compression.vnni_unknown"}
SLOWDOWN = {True: "compression.int8_fixed_cost", False: "compression.int8_per_image", None: "compression.int8_slower"}


def text(w: Writer) -> list[str]:
    run = w.run
    if not run.variants:
        return []
    recipes = [r for r in (recipe(w, t) for t in run.targets) if r]
    # a runtime setting on the reference's own file changes only speed: the claims and the diagnosis state it
    changed = [t for t in run.variants if run.method(t) not in SAME_FILE_METHODS]
    # how long each recipe took is the appendix's (method.detail): the main text keeps what a variant changed
    return recipes + [outcome(w, t) for t in changed] + int8_explanations(w)


def preparations(w: Writer) -> list[str]:
    """One sentence with the time each recipe took from the trained weights, with its range over its timings
    or "timed once"; none without any."""
    items = [item for t in w.run.targets if has_recipe(t) and (item := preparation_item(w, t))]
    return [w.s.say("compression.preparations", items=", ".join(items))] if items else []


def preparation_item(w: Writer, target: str) -> str:
    """ "OpenVINO 0.16 s (0.15–0.19 s, 5 timings)"; "" when the preparation was not timed."""
    run, n = w.run, w.n
    seconds, timings = run.value(target, "preparation_seconds"), run.value(target, "preparation_timings")
    if seconds is None or timings is None:
        return ""
    low, high = run.value(target, "preparation_seconds_low"), run.value(target, "preparation_seconds_high")
    if timings < 2:
        return w.s.say("compression.preparation_item_once", target=w.label(target), seconds=n.seconds(seconds))
    return w.s.say(
        "compression.preparation_item",
        target=w.label(target),
        seconds=n.seconds(seconds),
        range=n.s_range(low, high),
        timings=w.s.count(timings, "compression.forms_timings"),
    )


def recipe(w: Writer, target: str) -> str:
    """How the target was made: its TargetSpec.recipe sentence filled from its build facts; "" for a
    target without one (a baseline)."""
    if not has_recipe(target):
        return ""
    return w.s.say(TARGETS[target].recipe, **recipe_values(w, target))


def has_recipe(target: str) -> bool:
    """A registry target made from the trained weights by a recipe the report states (not a baseline)."""
    return target in TARGETS and bool(TARGETS[target].recipe)


def recipe_values(w: Writer, target: str) -> dict[str, str]:
    """Every value a recipe sentence may name, from the record's build facts (a sentence uses its own): each
    text fact by its own name, and the formatted ones below."""
    s, n, info = w.s, w.n, w.run.build(target)
    ops = ", ".join(f"{op} ×{n.integer(count)}" for op, count in (info.get("ort_optimized_ops") or {}).items())
    return {
        **{key: value for key, value in info.items() if isinstance(value, str)},
        "target": w.label(target),
        "images": n.integer(info.get("calibration_images")),
        "layers": n.integer(info.get("fake_quantize_layers", info.get("fake_quantize_nodes"))),
        "reduce": s["compression.reduce_range"] if info.get("reduce_range") else "",
        "ops": ops or n.missing,
        "sparsity": n.percent(info.get("sparsity"), 1),
        "epochs": s.count(info.get("finetune_epochs"), "common.forms_epochs"),
        "precision": execution_precision(w, target),
        "control_images": n.integer(info.get("accuracy_control_images")),
        "max_drop": n.pp(info.get("accuracy_control_max_drop_pp"), signed=False),
        "plain_layers": n.integer(info.get("fake_quantize_nodes_plain_ptq")),
    }


def outcome(w: Writer, t: str) -> str:
    run, s, n = w.run, w.s, w.n
    reference = run.reference_of(t)
    changed = w.finding(f"quality.changed.{t}")
    accuracy = s.say(
        "compression.accuracy_change",
        delta=n.pp(run.value(t, "accuracy_delta_pp")),
        low=plain_pp(w, run.value(t, "accuracy_delta_low_pp")),
        high=n.pp(run.value(t, "accuracy_delta_high_pp")),
        p=n.p_value(changed.p) if changed else n.missing,
        word=s["common.significant"] if changed and changed.significant else s["common.not_significant"],
    )
    speed = [w.comparison(c) for c in (w.finding(f"variants.latency.{t}"), w.finding(f"variants.throughput.{t}")) if c]
    return w.para(
        s.say(
            "compression.variant_item",
            target=w.label(t),
            size=n.kib_unit(run.value(t, "size_bytes")),
            ratio=s.times(run.value(t, "compression_ratio")),
            accuracy=accuracy,
            speed="; ".join(speed) if speed and reference else s["compression.variant_no_reference"],
        )
    )


def int8_explanations(w: Writer) -> list[str]:
    """Why an INT8 variant is slower, from its whole-call times; a variant the profiles diagnose is
    explained in the diagnosis section instead (one explanation per variant)."""
    s = w.s
    out = []
    for found in w.findings.with_prefix("variants.int8_slowdown."):
        if w.findings.get(f"diagnosis.variant.{found.body.variant}"):
            continue
        slow = w.finding(found.id)
        out.append(
            w.para(
                s.say(
                    SLOWDOWN[slow.fixed_cost],
                    target=w.label(slow.variant),
                    base=w.label(slow.base),
                    ratio1=w.ratio(slow.ratio_batch1),
                    ratio_best=w.ratio(slow.ratio_best),
                    vnni=s[VNNI[slow.vnni]],
                    cite=w.cite("ort_quantization"),
                )
            )
        )
    return out


def table_targets(run) -> list[str]:
    """The variants, and each runtime's baseline whose weights are stored narrower than FP32 (OpenVINO's IR
    keeps FP16 weights by default): that is compression too, by the format rather than by a method."""
    return [t for t in run.targets if t in run.variants or str(run.record(t).weights or "fp32").lower() != "fp32"]


def variants_table(w: Writer) -> dict | None:
    run, s, n = w.run, w.s, w.n
    if not run.variants:
        return None
    shown = table_targets(run)
    unit, p50 = durations(w, [run.value(t, "latency_p50_ms") for t in shown])
    rows = []
    for i, t in enumerate(shown):
        low, high = run.value(t, "accuracy_delta_low_pp"), run.value(t, "accuracy_delta_high_pp")
        interval = f"{plain_pp(w, low)}…{plain_pp(w, high)}" if low is not None and high is not None else n.missing
        rows.append(
            [
                w.label(t),
                str(run.record(t).weights or "").upper().replace("SPARSE ", "sparse ").replace("CLUSTERED ", ""),
                execution_precision(w, t),
                n.kib(run.value(t, "size_bytes")),
                n.ratio(run.value(t, "compression_ratio")),
                with_note(plain_pp(w, run.value(t, "accuracy_delta_pp")), interval, n.missing),
                mcnemar_cell(w, t),
                latency_cell(w, t, p50[i], unit),
                w.label(run.reference_of(t)) if run.reference_of(t) else n.missing,
            ]
        )
    columns = [
        (s["columns.col_target"], "l"),
        (s["columns.col_weights"], "l"),
        (s["columns.col_exec"], "l"),
        (s["columns.col_size"], "r"),
        (s["columns.col_ratio"], "r"),
        (s["columns.col_delta_interval"], "r"),
        (s["columns.col_p"], "r"),
        (s.say("columns.col_p50_range", unit=unit), "r"),
        (s["columns.col_reference"], "l"),
    ]
    return table(columns, rows)


SECTION = Section(
    "compression",
    "compression.title",
    1,
    ("text", "table:variants"),
    text=text,
    tables=(Table("variants", variants_table, "compression.tab_variants"),),
)

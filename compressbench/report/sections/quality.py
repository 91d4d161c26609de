"""Quality and agreement: accuracy and F1 with intervals, agreement with the trained model, McNemar."""

from __future__ import annotations

from ...targets import TRAINED
from ..tables import table
from ..writer import Writer
from .base import Figure, Section, Table


def text(w: Writer) -> list[str]:
    s, n = w.s, w.n
    out = []
    lead = w.finding("quality.leader.accuracy")
    if lead is not None:
        out.append(w.para(w.leader(lead, "quality.lead_accuracy_resolved", "quality.lead_accuracy_unresolved")))
    changed = []
    for test in w.each("quality.changed."):
        word = s["common.significant"] if test.significant else s["common.not_significant"]
        changed.append(
            s.say(
                "quality.mcnemar_item",
                target=w.label(test.target),
                changed=n.integer(test.discordant),
                p=n.p_value(test.p),
                word=word,
            )
        )
    if changed:
        out.append(w.para(s.say("quality.mcnemar", items="; ".join(changed), cite=w.cite("mcnemar"))))
    elif lead is not None:
        out.append(w.para(s["quality.mcnemar_missing"]))
    averaging = w.finding("quality.averaging")
    if averaging.balanced:
        key = "quality.balanced_same" if averaging.same_averages else "quality.balanced"
        out.append(w.para(s.say(key, support=n.integer(averaging.support), cite=w.cite("sklearn_prf"))))
    else:
        out.append(w.para(s.say("quality.unbalanced", cite=w.cite("sklearn_prf"))))
    return out


def quality_table(w: Writer) -> dict:
    run, s, n = w.run, w.s, w.n
    weighted = not w.findings.body("quality.averaging").same_averages
    rows = []
    for t in run.targets:
        rows.append(
            [
                w.label(t),
                n.fixed(run.value(t, "accuracy"), 4),
                w.interval(t, "accuracy"),
                n.fixed(run.value(t, "f1_macro"), 4),
                w.interval(t, "f1_macro"),
                n.fixed(run.value(t, "f1_weighted"), 4) if weighted else n.missing,
                n.percent(run.value(t, "agreement"), 2),
                n.integer(run.value(t, "changed_predictions")) if t != TRAINED else n.missing,
                n.p_value(run.value(t, "mcnemar_p")) if t != TRAINED else n.missing,
            ]
        )
    columns = [
        (s["columns.col_target"], "l"),
        (s["columns.col_accuracy"], "r"),
        (s["columns.col_ci"], "r"),
        (s["columns.col_f1_macro"], "r"),
        (s["columns.col_ci"], "r"),
        (s["columns.col_f1_weighted"], "r"),
        (s["columns.col_agreement"], "r"),
        (s["columns.col_changed"], "r"),
        (s["columns.col_p"], "r"),
    ]
    return table(columns, rows)


def per_class_table(w: Writer) -> dict | None:
    rows = w.run.results.per_class
    if not rows:
        return None
    s, n = w.s, w.n
    cells = [
        [str(r.get("class")), n.fixed(r.get("precision"), 3), n.fixed(r.get("recall"), 3), n.fixed(r.get("f1"), 3)]
        + [n.integer(r.get("support"))]
        for r in rows
    ]
    columns = [
        (s["columns.col_class"], "l"),
        (s["columns.col_precision_metric"], "r"),
        (s["columns.col_recall"], "r"),
        ("F1", "r"),
        (s["columns.col_support"], "r"),
    ]
    return table(columns, cells)


SECTION = Section(
    "quality",
    "quality.title",
    2,
    ("text", "table:quality", "table:per_class", "figure:confusion"),
    text=text,
    tables=(
        Table("quality", quality_table, "quality.tab_quality"),
        Table("per_class", per_class_table, "quality.tab_per_class"),
    ),
    figures=(Figure("confusion", "quality.fig_confusion", "confusion"),),
)

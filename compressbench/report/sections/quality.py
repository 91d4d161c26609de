"""Quality and agreement: accuracy, macro precision, recall and F1 with intervals, agreement with the
trained model and the exact McNemar test of each target's predictions against its."""

from __future__ import annotations

from ...targets import TRAINED
from ..tables import table, with_note
from ..writer import Writer
from .base import Section, Table


def text(w: Writer) -> list[str]:
    s, n = w.s, w.n
    out = []
    lead = w.finding("quality.leader.accuracy")
    if lead is not None:
        out.append(w.para(w.leader(lead, "quality.lead_accuracy_resolved", "quality.lead_accuracy_unresolved")))
    changed = []
    for test in w.each("quality.changed."):
        key = "quality.changed_significant" if test.significant else "quality.changed_not_significant"
        changed.append(
            s.say(
                key,
                target=w.label(test.target),
                changed=n.integer(test.changed),
                discordant=n.integer(test.discordant),
                right=n.integer(test.to_correct),
                wrong=n.integer(test.to_wrong),
                p=n.p_value(test.p),
            )
        )
    if changed:
        out.append(w.para(s.say("quality.mcnemar", items="; ".join(changed), cite=w.cite("mcnemar"))))
    averaging = w.finding("quality.averaging")
    if averaging.balanced:
        key = "quality.balanced_same" if averaging.same_averages else "quality.balanced"
        out.append(w.para(s.say(key, support=n.integer(averaging.support), cite=w.cite("sklearn_prf"))))
    else:
        out.append(w.para(s.say("quality.unbalanced", cite=w.cite("sklearn_prf"))))
    return out


def interval_cell(w: Writer, target: str, metric: str, digits: int = 4) -> str:
    value = w.n.fixed(w.run.value(target, metric), digits)
    interval = w.run.interval(target, metric)
    note = f"{w.n.fixed(interval[0], digits)}–{w.n.fixed(interval[1], digits)}" if interval else w.n.missing
    return with_note(value, note, w.n.missing)


def quality_table(w: Writer) -> dict:
    run, s, n = w.run, w.s, w.n
    rows = []
    for t in run.targets:
        right, wrong = run.value(t, "changed_to_correct"), run.value(t, "changed_to_wrong")
        discordant = f"{n.integer(run.value(t, 'discordant'))} (+{n.integer(right)}/−{n.integer(wrong)})"
        rows.append(
            [
                w.label(t),
                interval_cell(w, t, "accuracy"),
                n.fixed(run.value(t, "precision_macro"), 4),
                n.fixed(run.value(t, "recall_macro"), 4),
                interval_cell(w, t, "f1_macro"),
                n.percent(run.value(t, "agreement"), 2),
                n.integer(run.value(t, "changed_predictions")) if t != TRAINED else n.missing,
                discordant if t != TRAINED and right is not None else n.missing,
                n.p_value(run.value(t, "mcnemar_p")) if t != TRAINED else n.missing,
            ]
        )
    columns = [
        (s["columns.col_target"], "l"),
        (s["columns.col_accuracy_ci"], "r"),
        (s["columns.col_precision_macro"], "r"),
        (s["columns.col_recall_macro"], "r"),
        (s["columns.col_f1_macro_ci"], "r"),
        (s["columns.col_agreement"], "r"),
        (s["columns.col_changed"], "r"),
        (s["columns.col_discordant"], "r"),
        (s["columns.col_p"], "r"),
    ]
    return table(columns, rows)


SECTION = Section(
    "quality",
    "quality.title",
    2,
    ("text", "table:quality"),
    text=text,
    tables=(Table("quality", quality_table, "quality.tab_quality"),),
    discusses=("table:per_class", "figure:confusion"),
)

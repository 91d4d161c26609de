"""Quality and agreement: accuracy, macro precision, recall and F1 with intervals, agreement with the
trained model and the exact McNemar test of each target's predictions against its."""

from __future__ import annotations

from ...analysis.rule import MCNEMAR_MIN_DISCORDANT
from ...targets import TRAINED
from ..tables import table, with_note
from ..writer import Writer
from .base import Section, Table


def text(w: Writer) -> list[str]:
    s, n = w.s, w.n
    out = []
    lead = w.finding("quality.leader.accuracy")
    if lead is not None:
        by_test = lead.mcnemar_p is not None  # the intervals overlap: the paired exact test resolved the lead
        resolved = "quality.lead_accuracy_resolved_mcnemar" if by_test else "quality.lead_accuracy_resolved"
        out.append(w.para(w.leader(lead, resolved, "quality.lead_accuracy_unresolved")))
    tests = list(w.each("quality.changed."))
    significant = [changed_text(w, test) for test in tests if test.significant]
    if significant:
        out.append(w.para(s.say("quality.mcnemar", items="; ".join(significant), cite=w.cite("mcnemar"))))
    out += calm_text(w, [test for test in tests if not test.significant])
    averaging = w.finding("quality.averaging")
    # where the weighted averages equal the macro ones the tables show (a balanced test set), nothing needs saying:
    # the captions say macro, and the coursework's appendix says why weighted would read the same
    if not averaging.balanced:
        out.append(w.para(s.say("quality.unbalanced", cite=w.cite("sklearn_prf"))))
    elif not averaging.same_averages:
        out.append(w.para(s.say("quality.balanced", support=n.integer(averaging.support), cite=w.cite("sklearn_prf"))))
    return out


def mcnemar_cell(w: Writer, target: str) -> str:
    """The exact McNemar p of a target against the trained model; the missing mark where no image has exactly one
    of the two right (there is nothing to test: the text says so, a p of 1 would read as a test)."""
    if w.run.value(target, "discordant") == 0:
        return w.n.missing
    return w.n.p_value(w.run.value(target, "mcnemar_p"))


def calm_text(w: Writer, calm: list) -> list[str]:
    """The targets whose accuracy the exact McNemar test does not tell from the trained model's, by why: no image
    where exactly one of the two is right (nothing to test), too few such images for the test to reach its level
    whichever way they split, or enough and no difference detected."""
    s, n = w.s, w.n
    identical = [t for t in calm if t.discordant == 0]  # None: a count the results do not hold, tested as before
    few = [t for t in calm if t.discordant and t.discordant < MCNEMAR_MIN_DISCORDANT]
    tested = [t for t in calm if t not in identical and t not in few]
    out = []
    if identical:
        out.append(s.say("quality.mcnemar_nothing", targets=w.labels([t.target for t in identical])))
    if few:
        counted = [(w.label(t.target), s.count(t.discordant, "quality.forms_discordant")) for t in few]
        items = ", ".join(s.say("quality.few_item", target=target, images=images) for target, images in counted)
        least = n.integer(MCNEMAR_MIN_DISCORDANT)
        out.append(s.say("quality.mcnemar_few", items=items, least=least, cite=w.cite("mcnemar")))
    if tested:
        low, high = min(t.p for t in tested), max(t.p for t in tested)
        key = "quality.mcnemar_calm_one" if low == high else "quality.mcnemar_calm"
        targets = w.labels([t.target for t in tested])
        out.append(s.say(key, targets=targets, low=n.p_value(low), high=n.p_value(high), cite=w.cite("mcnemar")))
    return [w.para(" ".join(out))] if out else []


def changed_text(w: Writer, test) -> str:
    """A target whose predictions differ from the trained model's beyond chance: how many changed, which way."""
    return w.s.say(
        "quality.changed_significant",
        target=w.label(test.target),
        changed=w.s.count(test.changed, "quality.forms_predictions"),
        discordant=w.n.integer(test.discordant),
        right=w.n.integer(test.to_correct),
        wrong=w.n.integer(test.to_wrong),
        p=w.n.p_value(test.p),
    )


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
                n.integer(run.value(t, "changed_predictions")) if t != TRAINED else n.missing,
                discordant if t != TRAINED and right is not None else n.missing,
                mcnemar_cell(w, t) if t != TRAINED else n.missing,
            ]
        )
    columns = [
        (s["columns.col_target"], "l"),
        (s["columns.col_accuracy_ci"], "r"),
        (s["columns.col_precision_macro"], "r"),
        (s["columns.col_recall_macro"], "r"),
        (s["columns.col_f1_macro_ci"], "r"),
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
    # first the appendix's McNemar test of every pair: the p of each variant the accuracy leader is not told from
    discusses=(
        "table:mcnemar_pairs",
        "table:per_class",
        "table:per_class_precision",
        "table:per_class_recall",
        "table:per_class_f1",
    )
    + ("figure:confusion",),
)

"""Appendix: the detail the main text refers to (the exact McNemar test of every pair of variants, per-class
metrics, the confusion matrix). Its subsections belong to their sections' modules: the rest of the method
(method.DETAIL), the naive loop against the tuned one (naive.SECTION), each variant's per-layer account
(diagnosis.DETAIL) and benchmark_app's cross-check (naive.APP)."""

from __future__ import annotations

from functools import partial

from ...analysis.view import grouped
from ..tables import table
from ..writer import Writer
from .base import Figure, Section, Table


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


# The per-class measures given for every variant, one table each (their columns are the same variants)
PER_CLASS_MEASURES = ("precision", "recall", "f1")


def variants_per_class(w: Writer) -> tuple[list[str], dict[tuple, list[str]]] | None:
    """The classes, and every distinct set of per-class measures with the targets that have it: variants
    that changed no prediction share the trained model's column. None with fewer than two targets'
    per-class files (the trained model's table says it all)."""
    by_target = {t: w.run.results.per_class_by_target.get(t) for t in w.run.targets}
    by_target = {t: rows for t, rows in by_target.items() if rows}
    if len(by_target) < 2:
        return None
    classes = [str(row.get("class")) for row in next(iter(by_target.values()))]
    measures = {}  # target -> its (class, measure) values, in the classes' order
    for t, rows in by_target.items():
        by_class = {str(row.get("class")): tuple(row.get(m) for m in PER_CLASS_MEASURES) for row in rows}
        measures[t] = tuple(by_class.get(name) for name in classes)
    return classes, grouped(measures)


def per_class_measure_table(w: Writer, measure: str) -> dict | None:
    """One measure per class of every variant, the variants with identical measures in one column."""
    found = variants_per_class(w)
    if found is None:
        return None
    classes, columns = found
    index = PER_CLASS_MEASURES.index(measure)
    cells = [
        [name] + [w.n.fixed(values[i][index] if values[i] else None, 3) for values in columns]
        for i, name in enumerate(classes)
    ]
    titles = [(w.s["columns.col_class"], "l")] + [(group_label(w, ts), "r") for ts in columns.values()]
    return table(titles, cells)


def group_label(w: Writer, targets) -> str:
    """Variants shown once for all of them (the same numbers in every detail the table gives): "A = B"."""
    return " = ".join(map(w.label, targets))


def mcnemar_pairs_table(w: Writer) -> dict | None:
    """The exact McNemar test of every pair of variants (the quality table tests each against the trained model
    only): a row per pair, the variants with identical predictions as one; the p a dash where no image has
    exactly one of the two right."""
    tests = w.findings.body("quality.mcnemar_pairs")
    if tests is None:
        return None
    s, n = w.s, w.n
    rows = [
        [group_label(w, pair.first), group_label(w, pair.second)]
        + [n.integer(pair.only_first), n.integer(pair.only_second), n.p_value(pair.p)]
        for pair in tests.pairs
    ]
    columns = [
        (s["appendix.col_first"], "l"),
        (s["appendix.col_second"], "l"),
        (s["appendix.col_only_first"], "r"),
        (s["appendix.col_only_second"], "r"),
        (s["columns.col_p"], "r"),
    ]
    # both variants of a pair are texts of a kind: the first may take two lines as the second does
    return table(columns, rows, names=False)


SECTION = Section(
    "appendix",
    "appendix.title",
    1,
    (
        "table:mcnemar_pairs",
        "table:per_class",
        *(f"table:per_class_{measure}" for measure in PER_CLASS_MEASURES),
        "figure:confusion",
    ),
    tables=(
        Table("mcnemar_pairs", mcnemar_pairs_table, "appendix.tab_mcnemar_pairs"),
        Table("per_class", per_class_table, "appendix.tab_per_class"),
        Table("per_class_precision", partial(per_class_measure_table, measure="precision"), "appendix.tab_precision"),
        Table("per_class_recall", partial(per_class_measure_table, measure="recall"), "appendix.tab_recall"),
        Table("per_class_f1", partial(per_class_measure_table, measure="f1"), "appendix.tab_per_class_f1"),
    ),
    figures=(Figure("confusion", "appendix.fig_confusion", "confusion"),),
    appendix=True,
)

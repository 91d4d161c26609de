"""Appendix: the detail the main text refers to (per-class metrics, the confusion matrix, the naive
loop's table and figure). Its subsections belong to their sections' modules: benchmark_app's cross-check (naive.APP)
and each variant's per-layer account (diagnosis.DETAIL)."""

from __future__ import annotations

from ..tables import table
from ..writer import Writer
from .base import Figure, Section, Table
from .naive import naive_table


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


def per_class_f1_table(w: Writer) -> dict | None:
    """F1 per class of every target beside the trained model's; targets with the same F1 in every class
    (variants that changed no prediction) share one column."""
    by_target = {t: w.run.results.per_class_by_target.get(t) for t in w.run.targets}
    by_target = {t: rows for t, rows in by_target.items() if rows}
    if len(by_target) < 2:  # the trained model's table says it all
        return None
    classes = [str(row.get("class")) for row in next(iter(by_target.values()))]
    columns: dict[tuple, list[str]] = {}  # the F1 of every class -> the targets that have it
    for t, rows in by_target.items():
        f1 = {str(row.get("class")): row.get("f1") for row in rows}
        columns.setdefault(tuple(f1.get(name) for name in classes), []).append(t)
    cells = [[name] + [w.n.fixed(values[i], 3) for values in columns] for i, name in enumerate(classes)]
    titles = [(w.s["columns.col_class"], "l")] + [(" = ".join(map(w.label, ts)), "r") for ts in columns.values()]
    return table(titles, cells)


SECTION = Section(
    "appendix",
    "appendix.title",
    1,
    ("table:per_class", "table:per_class_f1", "figure:confusion", "table:naive", "figure:naive"),
    tables=(
        Table("per_class", per_class_table, "appendix.tab_per_class"),
        Table("per_class_f1", per_class_f1_table, "appendix.tab_per_class_f1"),
        Table("naive", naive_table, "naive.tab_naive"),
    ),
    figures=(
        Figure("confusion", "appendix.fig_confusion", "confusion"),
        Figure("naive", "appendix.fig_naive", "naive"),
    ),
    appendix=True,
)

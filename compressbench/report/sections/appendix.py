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


SECTION = Section(
    "appendix",
    "appendix.title",
    1,
    ("table:per_class", "figure:confusion", "table:naive", "figure:naive"),
    tables=(
        Table("per_class", per_class_table, "appendix.tab_per_class"),
        Table("naive", naive_table, "naive.tab_naive"),
    ),
    figures=(
        Figure("confusion", "appendix.fig_confusion", "confusion"),
        Figure("naive", "appendix.fig_naive", "naive"),
    ),
    appendix=True,
)

"""What a report section is: its key, title, blocks, and the functions that fill them.

A section module (compressbench/report/sections/<name>.py) declares one `SECTION`: its paragraphs
(`text`, a function of the Writer returning paragraphs), its tables (each made by a function of
the Writer, with its caption's wording key) and its figures (each drawn by a function of
compressbench.plots, with its caption's wording key). sections/__init__.py lists the sections in
report order; the templates, the figure list of the plots rule and the numbering walk that list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    name: str
    make: Callable  # (Writer) -> table dict (report.tables.table) or None when the run has nothing for it
    caption: str  # wording key; {threads}, {images}, {repeats} are this run's
    caption_single: str | None = None  # the caption when the run has no benchmark repeats


@dataclass(frozen=True)
class Figure:
    name: str
    caption: str  # wording key
    plot: str  # the compressbench.plots function that draws it: (ReportData, Strings, stem) -> paths
    # a condition of the run config: "benchmark_app" (the cross-check runs), "search" (the run has a search),
    # "serve" (the run serves)
    when: str | None = None
    values: tuple[tuple[str, str], ...] = ()  # caption placeholder values of this figure alone (a study's setting)


@dataclass(frozen=True)
class Section:
    key: str  # the section's label (sec:<key>) and its wording block
    title: str  # wording key
    level: int  # 1 = section, 2 = subsection
    blocks: tuple[str, ...]  # "text", "list", "table:<name>", "figure:<name>", "claims", "bibliography"
    text: Callable | None = None  # (Writer) -> list of paragraphs
    tables: tuple[Table, ...] = ()
    figures: tuple[Figure, ...] = ()
    numbered: bool = True
    appendix: bool = False  # after the references, lettered (A, A.1, ...)
    # blocks of other sections ("table:<name>", "figure:<name>") that this section's text discusses: its
    # reference names them too
    discusses: tuple[str, ...] = ()

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

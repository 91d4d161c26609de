"""The report's sections in report order: each module declares its SECTION (sections/base.py).

A new section is one module here, one line below and its wording block in templates/wording/.
"""

from __future__ import annotations

from . import (
    appendix,
    compression,
    conclusion,
    coursework,
    diagnosis,
    limitations,
    memory,
    method,
    methods,
    naive,
    precision,
    proscons,
    quality,
    references,
    results,
    search,
    serve,
    setup,
    size,
    speed,
    training,
)
from .base import Figure, Section, Table

SECTIONS: tuple[Section, ...] = (
    setup.SECTION,
    method.SECTION,
    results.SECTION,
    training.SECTION,
    quality.SECTION,
    speed.SECTION,
    memory.SECTION,
    size.SECTION,
    precision.SECTION,
    compression.SECTION,
    methods.SECTION,
    search.SECTION,
    diagnosis.SECTION,
    serve.SECTION,
    coursework.SECTION,
    proscons.SECTION,
    limitations.SECTION,
    conclusion.SECTION,
    appendix.SECTION,
    method.DETAIL,
    naive.SECTION,
    diagnosis.DETAIL,
    coursework.AVERAGING_DETAIL,
    naive.APP,
    speed.STATE,
    # last, after the appendix: before it, the list ran over onto a page of its own that the appendix's new page
    # left mostly blank
    references.SECTION,
)


def figures(benchmark_app: bool = True, search: bool = True, serve: bool = True) -> list[Figure]:
    """Every figure of the report, in report order; the benchmark_app one only when that cross-check runs, the
    search's only when the run has a search, the service's only when the run serves."""
    conditions = {"benchmark_app": benchmark_app, "search": search, "serve": serve}
    return [f for section in SECTIONS for f in section.figures if f.when is None or conditions[f.when]]


__all__ = ["SECTIONS", "Figure", "Section", "Table", "figures"]

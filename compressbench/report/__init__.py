"""The coursework report: facts from the results, Markdown and LaTeX rendering, PDF build.

Entry points: `load` (result files -> ReportData), `build_context` (facts, tables and
sentences for one language), `render_markdown` / `render_latex`, `build_pdf`, `zip_latex`.
"""

from .context import FIGURES, build_context
from .data import ReportData, ReportInputs, load
from .escape import latex_escape, md_escape
from .render import render_latex, render_markdown

__all__ = [
    "FIGURES",
    "ReportData",
    "ReportInputs",
    "build_context",
    "latex_escape",
    "load",
    "md_escape",
    "render_latex",
    "render_markdown",
]

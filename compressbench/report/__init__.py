"""The coursework report: facts from the results, Markdown and LaTeX rendering, PDF build.

Layers: `data` loads the result files; `facts` / `explain` / `checks` compute language-free
numbers, comparisons (resolved or not, and why) and one verdict per claim; `writer`, `prose`,
`discussion` and `tables` turn them into the report language; `outline` declares the sections
once for both templates. Entry points: `load` (result files -> ReportData), `build_context`,
`render_markdown` / `render_latex`, `build_pdf`, `zip_latex`.
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

"""The coursework report: the run's results and findings in words, tables and figures.

Layers: `data` loads the results (compressbench.results) and the findings (compressbench.analysis,
results/findings.json); `sections/` holds one module per report section (its paragraphs, tables and
figures, worded through `writer` and templates/wording/); `context` walks the sections in order;
`render` fills the Markdown and LaTeX templates; `latex` builds the PDF and the Overleaf zip.
The report computes no comparison: every verdict it states is a finding.
"""

from .context import build_context
from .data import ReportData, load, load_from_inputs
from .escape import latex_escape, md_escape
from .render import render_latex, render_markdown

__all__ = [
    "ReportData",
    "build_context",
    "latex_escape",
    "load",
    "load_from_inputs",
    "md_escape",
    "render_latex",
    "render_markdown",
]

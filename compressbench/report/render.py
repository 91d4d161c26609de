"""Render the Markdown and LaTeX reports from Jinja2 templates.

The LaTeX environment uses \\VAR{...} / \\BLOCK{...} / \\#{...} delimiters so TeX braces
never clash, and its finalize hook escapes every value that is not marked `Tex`; the
Markdown environment does the same with `md_escape`.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from .escape import Md, Tex, latex_escape, latex_url, md_escape, md_url
from .i18n import REF_MARKER, TEMPLATES
from .tables import cell_lines


def _finalize(escape):
    def finalize(value):
        if value is None:
            return ""
        return escape(value)

    return finalize


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def finding_ids(item) -> tuple[str, ...]:
    """The findings a paragraph (writer.Paragraph) or a claim entry states; none for plain text."""
    if isinstance(item, dict):
        return tuple(item.get("findings") or ())
    return tuple(getattr(item, "findings", ()) or ())


def markdown_trace(item) -> str:
    """An HTML comment naming the findings (results/findings.json ids) a paragraph states."""
    ids = finding_ids(item)
    return f" <!-- findings: {', '.join(ids)} -->" if ids else ""


def latex_trace(item) -> str:
    """The same as a LaTeX comment (it ends the line, so the paragraph's text is unchanged)."""
    ids = finding_ids(item)
    return f"% findings: {', '.join(ids)}" if ids else ""


def _fill(escape, marker):
    """Fill a prose template: its text is escaped, values marked as markup are inserted as is."""

    def fill(template, **values):
        parts = []
        position = 0
        for match in _PLACEHOLDER.finditer(str(template)):
            parts.append(escape(str(template)[position : match.start()]))
            value = values[match.group(1)]
            parts.append(value if isinstance(value, marker) else escape(str(value)))
            position = match.end()
        parts.append(escape(str(template)[position:]))
        return marker("".join(parts))

    return fill


def _environment(templates: str | Path, escape, **delimiters) -> jinja2.Environment:
    """Every rendered value passes through `escape` unless a filter marked it as safe."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=_finalize(escape),
        **delimiters,
    )


def latex_stacked(cell, align: str, title: bool = False) -> Tex:
    """A table cell on the lines tables.cell_lines gives it, each escaped, aligned as its column."""
    lines = cell_lines(str(cell), title, align)
    if len(lines) == 1:
        return Tex(latex_escape(cell))
    body = "\\\\".join(latex_escape(line) for line in lines)
    return Tex(f"\\begin{{tabular}}[t]{{@{{}}{align}@{{}}}}{body}\\end{{tabular}}")


def latex_environment(templates: str | Path = TEMPLATES) -> jinja2.Environment:
    env = _environment(
        templates,
        latex_escape,
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        line_statement_prefix=None,
    )
    env.filters.update(
        e=latex_escape,
        raw=lambda text: Tex(text),
        url=latex_url,
        align=lambda columns: Tex("".join(c["align"] for c in columns)),
        fill=_fill(latex_escape, Tex),
        stacked=latex_stacked,
    )
    env.globals.update(
        trace=latex_trace,
        ref=lambda label: Tex(f"\\ref{{{label}}}"),
        refs=lambda labels, prefix="": Tex(", ".join(f"\\ref{{{prefix}{label}}}" for label in labels)),
    )
    return env


def markdown_environment(templates: str | Path = TEMPLATES) -> jinja2.Environment:
    env = _environment(templates, md_escape)
    env.filters.update(
        e=md_escape,
        raw=lambda text: Md(text),
        url=lambda text: Md(md_url(text)),
        align=lambda columns: Md("|" + "|".join("---:" if c["align"] == "r" else ":---" for c in columns) + "|"),
        fill=_fill(md_escape, Md),
    )
    env.globals.update(trace=markdown_trace)
    return env


def render_latex(context: dict, templates: str | Path = TEMPLATES) -> str:
    return _refs_resolved(latex_environment(templates).get_template("report.tex.j2").render(**context))


def render_markdown(context: dict, templates: str | Path = TEMPLATES) -> str:
    return _refs_resolved(markdown_environment(templates).get_template("report.md.j2").render(**context))


def _refs_resolved(report: str) -> str:
    """The report, unless a sentence's {table_<name>} reference was left unnumbered (i18n.resolve_refs)."""
    found = REF_MARKER.search(report)
    if found:
        raise ValueError(f"report text refers to {found.group(1)} {found.group(2)!r} but was never numbered")
    return report

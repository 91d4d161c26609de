"""The study report (reports/study.md, study.tex, study.pdf): a study's runs compared setting by setting.

It is made of the run report's pieces, so that the two cannot drift: the same templates (report.md.j2,
report.tex.j2 and their macros: title block, tables, figures, escaping), the same walk over sections
(report.context.walk), the same Writer and wording files (the `study` block of templates/wording/), the
same comparison rule (analysis.rule.judge, through analysis.study), the same figure conventions
(plots.study_sweep) and the same LaTeX build and log checks (report.latex).
"""

from __future__ import annotations

import datetime
from pathlib import Path

from ...analysis import Findings
from ...analysis.study import point_keys
from ...results import StudyResults
from ..context import caption_texts, title_block, walk
from ..i18n import TEMPLATES, Strings
from ..sections.setup import DATASETS
from ..writer import Citations
from .sections import FLAG_MARK, accuracy_note_key, figure_name, study_sections
from .writer import StudyWriter


def appendix_lines(rows: int) -> int:
    """Lines of body text the appendix needs to start on the page in progress: its heading, sentence and
    caption, then the table of runs at its smaller size; a table longer than a page starts on a new one."""
    return min(round(12 + 0.8 * rows), 60)


def figure_names(keys: list[str]) -> list[str]:
    """The study's figures: one per swept setting but the seed (for the Snakefile: known from the config)."""
    return [figure_name(key) for key in point_keys(keys)]


def study_writer(study: StudyResults, findings: Findings, language: str, templates=TEMPLATES) -> StudyWriter:
    return StudyWriter(study, findings, Strings(language, templates), Citations.load(templates), templates)


def draw_figures(w: StudyWriter, folder: str | Path, report_dir: str | Path) -> dict[str, str]:
    """Every figure of the study (plots.study_sweep) into `folder`: name -> path relative to the report
    folder, without extension (what study_context takes)."""
    from ... import plots  # matplotlib only when figures are drawn

    figures = {}
    for key, name in zip(point_keys(w.study.keys), figure_names(w.study.keys), strict=True):
        stem = Path(folder) / name
        plots.study_sweep(w, key, stem)
        figures[name] = stem.relative_to(report_dir).as_posix()
    return figures


def study_context(
    study: StudyResults,
    findings: Findings,
    settings: dict,
    figures: dict[str, str] | None = None,
    templates: str | Path = TEMPLATES,
    today: datetime.date | None = None,
) -> dict:
    """settings: config["report"]; figures: name -> path relative to the report (without extension)."""
    w = study_writer(study, findings, settings.get("language") or "ru", templates)
    return writer_context(w, settings, figures, today)


def writer_context(w: StudyWriter, settings: dict, figures: dict[str, str] | None, today=None) -> dict:
    """The templates' context from a StudyWriter (the one that drew the figures)."""
    s, study = w.s, w.study
    sections = study_sections(study.keys)
    values = {"accuracy_note": s[accuracy_note_key(list(w.points.values()))], "mark": FLAG_MARK}
    rows = sum(len(run.records) for run in study.runs)
    walked = walk(sections, w, caption_texts(sections, s, values), figures, appendix_lines=appendix_lines(rows))
    source = study.runs[0].dataset.get("source", "") if study.runs else ""
    dataset = s[DATASETS[source]] if source in DATASETS else str(source or s.num.missing)
    return {
        **title_block(settings, s, today),
        "title": settings.get("title") or s.say("study.default_title", swept=" × ".join(study.keys)),
        "subtitle": s.say("study.subtitle", runs=s.count(len(study.runs), "study.forms_runs"), dataset=dataset),
        "intro": s["study.intro"],
        "summary": "",  # a study's findings are its sections' comparisons across runs: no one-sentence opening
        **walked,
        "claims": [],
    }


def write_study_report(
    study_json: str | Path, findings_json: str | Path, settings: dict, markdown: str | Path, latex: str | Path
) -> dict[str, str]:
    """reports/study.md and study.tex (figures in figures/ beside them) from a study's results and findings;
    returns the figures (name -> path relative to the report)."""
    from ...analysis import read_findings
    from ...results import read_study
    from ..render import render_latex, render_markdown

    study, findings = read_study(study_json), read_findings(findings_json)
    report_dir = Path(markdown).parent
    w = study_writer(study, findings, settings.get("language") or "ru")
    figures = draw_figures(w, report_dir / "figures", report_dir)
    context = writer_context(w, settings, figures)
    Path(markdown).write_text(render_markdown(context), encoding="utf-8")
    Path(latex).write_text(render_latex(context), encoding="utf-8")
    return figures


__all__ = [
    "StudyWriter",
    "draw_figures",
    "figure_names",
    "study_context",
    "study_writer",
    "write_study_report",
    "writer_context",
]

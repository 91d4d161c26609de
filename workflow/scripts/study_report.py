from pathlib import Path

from compressbench.analysis import read_findings
from compressbench.logs import logged
from compressbench.report import render_latex, render_markdown
from compressbench.report.study import draw_figures, study_writer, writer_context
from compressbench.results import read_study

with logged(snakemake.log[0]):
    study, findings = read_study(snakemake.input.study), read_findings(snakemake.input.findings)
    settings = snakemake.params.report
    report_dir = Path(snakemake.output.markdown).parent
    w = study_writer(study, findings, settings["language"])
    figures = draw_figures(w, snakemake.params.figures, report_dir)
    context = writer_context(w, settings, figures)
    Path(snakemake.output.markdown).write_text(render_markdown(context), encoding="utf-8")
    Path(snakemake.output.latex).write_text(render_latex(context), encoding="utf-8")
    print(f"{len(study.runs)} runs, {len(figures)} figure(s), {len(findings)} findings")

from pathlib import Path

from compressbench.logs import logged
from compressbench.report.render import latex_environment, markdown_environment
from compressbench.study_report import load_strings, plot_curves, study_context
from compressbench.tables import read_json, read_tsv

with logged(snakemake.log[0]):
    rows, spread = read_tsv(snakemake.input.table), read_tsv(snakemake.input.seed_spread)
    swept, settings = snakemake.params.swept, snakemake.params.report
    hosts = sorted({read_json(path).get("hostname") or read_json(path)["cpu_model"] for path in snakemake.input.environments})
    report_dir = Path(snakemake.output.markdown).parent
    figures = {}
    for key, stem in snakemake.params.figures.items():
        plot_curves(rows, swept, key, load_strings(settings["language"]), stem)
        figures[key] = Path(stem).relative_to(report_dir).as_posix()
    context = study_context(rows, spread, swept, hosts, settings, figures)
    Path(snakemake.output.markdown).write_text(markdown_environment().get_template("study.md.j2").render(**context), encoding="utf-8")
    Path(snakemake.output.latex).write_text(latex_environment().get_template("study.tex.j2").render(**context), encoding="utf-8")

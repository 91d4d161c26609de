from compressbench.logs import logged
from compressbench.report.study import write_study_report

with logged(snakemake.log[0]):
    out = snakemake.output
    figures = write_study_report(snakemake.input.study, snakemake.input.findings, snakemake.params.report, out.markdown, out.latex)
    print(f"{out.markdown}, {out.latex}: {len(figures)} figure(s)")

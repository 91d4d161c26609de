from compressbench.logs import logged
from compressbench.report.latex import zip_latex

with logged(snakemake.log[0]):
    zip_latex(snakemake.input.latex, list(snakemake.input.figures), snakemake.output.archive)
    print(f"{snakemake.output.archive}: report.tex + {len(snakemake.input.figures)} figure(s)")

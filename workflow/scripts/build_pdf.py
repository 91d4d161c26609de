from compressbench.logs import logged
from compressbench.report.latex import build_pdf

with logged(snakemake.log[0]):
    warnings = build_pdf(snakemake.input.latex, snakemake.output.pdf)
    for warning in warnings:
        print("warning:", warning)
    print(f"{snakemake.output.pdf}: built, {len(warnings)} overfull box warning(s)")

from compressbench.aggregate import SUMMARY_COLUMNS, summary_rows
from compressbench.logs import logged
from compressbench.tables import write_tsv

with logged(snakemake.log[0]):
    rows = summary_rows(snakemake.input.metrics, snakemake.input.parity)
    write_tsv(rows, snakemake.output.summary, SUMMARY_COLUMNS)

from compressbench.aggregate import SUMMARY_COLUMNS, summary_rows
from compressbench.logs import logged
from compressbench.tables import write_tsv

with logged(snakemake.log[0]):
    inputs = snakemake.input
    rows = summary_rows(
        inputs.metrics,
        inputs.parity,
        inputs.reference_metrics,
        inputs.onnx_fp32,
        inputs.bench,
    )
    write_tsv(rows, snakemake.output.summary, SUMMARY_COLUMNS)

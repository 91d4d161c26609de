from compressbench.aggregate import SUMMARY_COLUMNS, TargetFiles, summary_rows
from compressbench.logs import logged
from compressbench.tables import write_tsv

with logged(snakemake.log[0]):
    inputs = snakemake.input
    files = {
        target: TargetFiles(metrics, parity, predictions, bench_path)
        for target, metrics, parity, predictions, bench_path in zip(
            snakemake.params.targets, inputs.metrics, inputs.parity, inputs.predictions, inputs.bench, strict=True
        )
    }
    reference = TargetFiles(inputs.reference_metrics, None, inputs.reference_predictions, None)
    write_tsv(summary_rows(files, reference, inputs.onnx_fp32), snakemake.output.summary, SUMMARY_COLUMNS)

from compressbench.aggregate import SUMMARY_COLUMNS, TargetFiles, summary_rows
from compressbench.logs import logged
from compressbench.tables import write_tsv

with logged(snakemake.log[0]):
    inputs = snakemake.input
    bench = list(inputs.bench) if "bench" in inputs.keys() else [None] * len(snakemake.params.targets)
    files = {
        target: TargetFiles(metrics, parity, predictions, bench_path)
        for target, metrics, parity, predictions, bench_path in zip(
            snakemake.params.targets, inputs.metrics, inputs.parity, inputs.predictions, bench, strict=True
        )
    }
    reference = TargetFiles(inputs.reference_metrics, None, inputs.reference_predictions)
    write_tsv(summary_rows(files, reference, inputs.onnx_fp32), snakemake.output.summary, SUMMARY_COLUMNS)

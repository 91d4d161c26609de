from compressbench.aggregate import TargetFiles, target_records
from compressbench.logs import logged
from compressbench.results import write_records

with logged(snakemake.log[0]):
    inputs = snakemake.input
    files = {
        target: TargetFiles(metrics, parity, predictions, bench_path)
        for target, metrics, parity, predictions, bench_path in zip(
            snakemake.params.targets, inputs.metrics, inputs.parity, inputs.predictions, inputs.bench, strict=True
        )
    }
    trained = TargetFiles(inputs.trained_metrics, None, inputs.trained_predictions, None)
    records = target_records(files, trained, inputs.onnx_fp32, inputs.onnx_export)
    write_records(records, snakemake.output.records, snakemake.output.summary)

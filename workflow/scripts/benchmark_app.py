from compressbench.benchmark_app import repeat_of
from compressbench.logs import logged
from compressbench.spec import ModelSpec
from compressbench.tables import read_json, write_json

with logged(snakemake.log[0]):
    result = repeat_of(
        snakemake.wildcards.target,
        snakemake.input.model_dir,
        ModelSpec.load(snakemake.input.spec),
        read_json(snakemake.input.summary),
        snakemake.params.threads,
        snakemake.params.runtime_options["inference_precision"],
        snakemake.params.seconds,
    )
    write_json(result, snakemake.output.benchmark_app)
    print({key: value for key, value in result.items() if key != "runs"})

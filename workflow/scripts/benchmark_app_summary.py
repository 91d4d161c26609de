from compressbench.benchmark_app import combine_repeats
from compressbench.logs import logged
from compressbench.tables import read_json, write_json

with logged(snakemake.log[0]):
    result = combine_repeats(read_json(snakemake.input.summary), [read_json(p) for p in snakemake.input.repeats])
    write_json(result, snakemake.output.benchmark_app)
    for row in result["comparison"]:
        print(row)

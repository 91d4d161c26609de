from compressbench.logs import logged
from compressbench.repeats import write_combined

with logged(snakemake.log[0]):
    combined = write_combined(list(snakemake.input.summaries), list(snakemake.input.latency), snakemake.output)
    print({key: value for key, value in combined.items() if not isinstance(value, (dict, list, str))})

from compressbench.environment import collect_environment
from compressbench.logs import logged
from compressbench.tables import write_json

with logged(snakemake.log[0]):
    environment = collect_environment(threads=snakemake.params.threads)
    write_json(environment, snakemake.output.environment)
    print({key: value for key, value in environment.items() if key != "libraries"})

from compressbench.logs import logged
from compressbench.machine import describe_machine
from compressbench.tables import write_json

with logged(snakemake.log[0]):
    environment = describe_machine(threads=snakemake.params.threads)
    write_json(environment, snakemake.output.environment)
    print({key: value for key, value in environment.items() if key != "libraries"})

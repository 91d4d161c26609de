from compressbench.logs import logged
from compressbench.serve.summary import write_summary

with logged(snakemake.log[0]):
    summary = write_summary(
        snakemake.input.loads,
        snakemake.input.requests,
        snakemake.input.runs,
        snakemake.input.bench,
        snakemake.params.slo_p99_ms,
        snakemake.output,
    )
    print({key: summary[key] for key in ("target", "capacity_rps", "capacity_rps_low", "capacity_rps_high")})

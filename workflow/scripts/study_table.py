from compressbench.logs import logged
from compressbench.study import seed_spread, study_rows
from compressbench.tables import read_tsv, write_tsv

with logged(snakemake.log[0]):
    runs, swept = snakemake.params.runs, snakemake.params.swept
    run_rows = {name: read_tsv(path) for name, path in zip(runs, snakemake.input.summaries, strict=True)}
    rows = study_rows(run_rows, runs, swept)
    write_tsv(rows, snakemake.output.table)
    spread = seed_spread(rows, swept)
    write_tsv(spread, snakemake.output.seed_spread)
    print(f"{len(rows)} rows from {len(runs)} runs; seed spread for {len(spread)} groups")

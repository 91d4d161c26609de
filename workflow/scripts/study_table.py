from compressbench.logs import logged
from compressbench.results import write_study
from compressbench.study import collect_study, study_rows
from compressbench.tables import write_tsv

with logged(snakemake.log[0]):
    study = collect_study(snakemake.params.runs, snakemake.params.swept)
    write_study(study, snakemake.output.study)
    rows = study_rows(study)
    write_tsv(rows, snakemake.output.table)
    print(f"{len(rows)} rows from {len(study.runs)} runs")

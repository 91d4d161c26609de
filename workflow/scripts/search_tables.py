from compressbench.logs import logged
from compressbench.search.selection import front
from compressbench.search.settings import SearchSettings
from compressbench.search.study import load_study, trial_columns, trial_rows
from compressbench.tables import read_json, write_tsv

with logged(snakemake.log[0]):
    settings = SearchSettings.from_config(snakemake.params.job)
    setup = read_json(snakemake.input.study)
    rows = trial_rows(load_study(setup["storage"], settings, setup["fingerprint"]), settings)
    columns = trial_columns(settings)
    write_tsv(rows, snakemake.output.trials, columns)
    write_tsv(front(rows, list(settings.objectives)), snakemake.output.pareto, columns)
    states = [row["state"] for row in rows]
    print({state: states.count(state) for state in sorted(set(states))})

from compressbench import paths
from compressbench.logs import logged
from compressbench.search.selection import chosen_record, read_trials
from compressbench.search.settings import SearchSettings
from compressbench.tables import write_json

with logged(snakemake.log[0]):
    settings = SearchSettings.from_config(snakemake.params.job)
    rows = read_trials(snakemake.input.trials)
    trials_dir = paths.beside(snakemake.input.trials, paths.SEARCH_TRIALS_DIR)
    record = chosen_record(rows, settings, trials_dir, snakemake.input.trials)
    write_json(record, snakemake.output.chosen)
    print(record)

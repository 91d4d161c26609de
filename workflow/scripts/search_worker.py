import signal
from functools import partial
from pathlib import Path

from compressbench import paths
from compressbench.logs import logged
from compressbench.search.settings import SearchSettings
from compressbench.search.study import load_study, run_worker
from compressbench.search.trial import run_variant, trial_context
from compressbench.tables import read_json, write_json


def interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")  # the running trial is marked interrupted, not failed


with logged(snakemake.log[0]):
    signal.signal(signal.SIGTERM, interrupted)
    params = snakemake.params
    worker = int(snakemake.wildcards.worker)
    settings = SearchSettings.from_config(params.job)
    setup = read_json(snakemake.input.study)
    study = load_study(setup["storage"], settings, setup["fingerprint"], worker)
    trials_dir = Path(paths.beside(snakemake.input.study, paths.SEARCH_TRIALS_DIR))
    context = trial_context(snakemake.input, params, params.threads, params.benchmark, trials_dir)
    ran = run_worker(study, settings, worker, partial(run_variant, context))
    write_json({"worker": worker, "threads": params.threads, "trials_run": ran}, snakemake.output.worker)
    print(f"worker {worker}: ran trials {ran}")

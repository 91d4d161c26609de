# A search (config `search`, compressbench/search): search_setup measures the constraint's base
# target on the validation split and creates the Optuna storage (results/search/journal.log, not a
# rule's output: Snakemake would delete it before rerunning a job); `search.workers` search_worker
# jobs share that storage, each running trials until the budget is spent, so --cores and the
# SLURM profile spread them; search_tables and search_choice read it. The chosen variant is the
# target <runtime>_auto (appended to targets), built from results/search/chosen.json.
from compressbench.search.settings import SearchSettings, fingerprint, job_config

SEARCH = SearchSettings.from_config(config)
SEARCH_WORKERS = list(range(SEARCH.workers))
SEARCH_THREADS = SEARCH.threads(THREADS)  # what one trial's builds and runtimes use
# A timed objective: each worker claims every core and runs alone, as a benchmark job does.
SEARCH_CLAIM = (
    TIMING_THREADS
    if SEARCH.timed
    else compute_claim(SEARCH_THREADS, workflow.resource_settings.cores, usable_cpus())
)
SEARCH_INPUTS = {
    "weights": paths.WEIGHTS,
    "spec": paths.SPEC,
    "onnx": paths.ONNX,
    "data": paths.DATASET,
}


def search_worker_resources():
    """resources.search_worker; a timed objective asks for the node to itself, as benchmark jobs do."""
    resources = job_resources("search_worker")
    if SEARCH.timed:
        resources.setdefault("slurm_extra", "--exclusive")
    return resources


rule search_setup:
    input:
        **SEARCH_INPUTS,
    output:
        study=paths.SEARCH_STUDY,
    log:
        "logs/search/setup.log",
    threads: COMPUTE_THREADS
    resources:
        **job_resources("search_setup"),
    params:
        fingerprint=fingerprint(config),
        directions=SEARCH.directions,
        base=SEARCH.base,
        export=config["export"],
        compression=config["compression"],
        evaluate=config["evaluate"],
        openvino_precision=config["runtime"]["openvino_precision"],
        candidates=[candidate.target for candidate in SEARCH.candidates],
        threads=THREADS,
    script:
        "../scripts/search_setup.py"


rule search_worker:
    input:
        **SEARCH_INPUTS,
        study=paths.SEARCH_STUDY,
    output:
        worker=paths.SEARCH_WORKER,
    log:
        "logs/search/worker{worker}.log",
    wildcard_constraints:
        worker=r"\d+",
    threads: SEARCH_CLAIM
    resources:
        **search_worker_resources(),
    params:
        job=job_config(config),
        export=config["export"],
        compression=config["compression"],
        evaluate=config["evaluate"],
        benchmark=(
            BenchSettings.job_params(config["benchmark"]) if SEARCH.timed else None
        ),
        openvino_precision=config["runtime"]["openvino_precision"],
        threads=SEARCH_THREADS,
    script:
        "../scripts/search_worker.py"


rule search_tables:
    input:
        study=paths.SEARCH_STUDY,
        workers=expand(paths.SEARCH_WORKER, worker=SEARCH_WORKERS),
    output:
        trials=paths.SEARCH_TRIALS,
        pareto=paths.SEARCH_PARETO,
    log:
        "logs/search/tables.log",
    resources:
        **job_resources("search_tables"),
    params:
        job=job_config(config),
    script:
        "../scripts/search_tables.py"


rule search_choice:
    input:
        trials=paths.SEARCH_TRIALS,
    output:
        chosen=paths.SEARCH_CHOSEN,
    log:
        "logs/search/choice.log",
    resources:
        **job_resources("search_choice"),
    params:
        job=job_config(config),
    script:
        "../scripts/search_choice.py"

rule train:
    input:
        data=paths.DATASET,
    output:
        weights=paths.WEIGHTS,
        spec=paths.SPEC,
        train_log=report(
            paths.TRAIN_LOG,
            caption="../report/train_log.rst",
            category="Training",
        ),
    log:
        "logs/train.log",
    benchmark:
        "benchmarks/train.tsv"
    threads: COMPUTE_THREADS
    resources:
        **job_resources("train"),
    params:
        **model_source_param(config["model"]["name"]),
        train=config["train"],
        model=config["model"],
        # the configured count, not what --cores leaves: results must not depend on --cores
        threads=TRAIN_THREADS,
    script:
        "../scripts/train.py"

rule prepare_data:
    output:
        data=paths.DATASET,
        summary=paths.DATASET_SUMMARY,
    log:
        "logs/prepare_data.log",
    # Decoding processes: the job's threads, not a param, as params changes rerun a rule.
    threads: COMPUTE_THREADS
    resources:
        **job_resources("prepare_data"),
    params:
        dataset=data_params(config),
        seed=config["train"]["seed"],
    script:
        "../scripts/prepare_data.py"

rule prepare_data:
    output:
        data=paths.DATASET,
        summary=paths.DATASET_SUMMARY,
    log:
        "logs/prepare_data.log",
    threads: COMPUTE_THREADS
    resources:
        **job_resources("prepare_data"),
    params:
        dataset=config["dataset"],
        seed=config["train"]["seed"],
        workers=THREADS,
    script:
        "../scripts/prepare_data.py"

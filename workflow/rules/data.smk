rule prepare_data:
    output:
        data=paths.DATASET,
        summary=paths.DATASET_SUMMARY,
    log:
        "logs/prepare_data.log",
    resources:
        **job_resources("prepare_data"),
    params:
        dataset=config["dataset"],
        seed=config["train"]["seed"],
    script:
        "../scripts/prepare_data.py"

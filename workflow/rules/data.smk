rule prepare_data:
    output:
        data=paths.DATASET,
        summary=paths.DATASET_SUMMARY,
    log:
        "logs/prepare_data.log",
    params:
        dataset=config["dataset"],
        seed=config["train"]["seed"],
    script:
        "../scripts/prepare_data.py"

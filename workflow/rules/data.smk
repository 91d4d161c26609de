rule prepare_data:
    output:
        data="results/data/dataset.npz",
        summary="results/data/summary.json",
    params:
        dataset=config["dataset"],
        seed=config["train"]["seed"],
    log:
        "logs/prepare_data.log",
    script:
        "../scripts/prepare_data.py"

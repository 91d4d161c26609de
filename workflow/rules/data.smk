rule prepare_data:
    output:
        data="results/data/dataset.npz",
        summary="results/data/summary.json",
    log:
        "logs/prepare_data.log",
    conda:
        "../envs/compressbench.yaml"
    resources:
        **job_resources("prepare_data"),
    params:
        dataset=config["dataset"],
        seed=config["train"]["seed"],
    script:
        "../scripts/prepare_data.py"

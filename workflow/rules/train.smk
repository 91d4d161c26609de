rule train:
    input:
        data=rules.prepare_data.output.data,
    output:
        weights="results/model/weights.pt",
        spec="results/model/spec.json",
        train_log=report(
            "results/model/train_log.tsv",
            caption="../report/train_log.rst",
            category="Training",
        ),
    log:
        "logs/train.log",
    conda:
        "../envs/compressbench.yaml"
    threads: THREADS
    resources:
        **job_resources("train"),
    params:
        train=config["train"],
        # the configured count, not what --cores leaves: results must not depend on --cores
        threads=THREADS,
    script:
        "../scripts/train.py"

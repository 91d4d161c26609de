# Evaluation checks quality only (nothing is timed), so it runs beside other jobs.
rule evaluate:
    input:
        model_dir=paths.MODEL_DIR,
        spec=paths.SPEC,
        data=paths.DATASET,
    output:
        predictions=paths.EVAL["predictions"],
        logits=paths.EVAL["logits"],
        metrics=paths.EVAL["metrics"],
        per_class=paths.EVAL["per_class"],
        confusion=paths.EVAL["confusion"],
    log:
        "logs/evaluate/{target}.log",
    threads: EVALUATE_THREADS
    resources:
        **job_resources("evaluate"),
    params:
        evaluate=config["evaluate"],
        threads=THREADS,
        runtime_options=target_runtime_options,
    script:
        "../scripts/evaluate.py"


rule parity:
    input:
        reference=paths.for_target(paths.EVAL["logits"], TRAINED),
        logits=paths.EVAL["logits"],
    output:
        parity=paths.EVAL["parity"],
    log:
        "logs/parity/{target}.log",
    resources:
        **job_resources("parity"),
    params:
        threshold=lambda wildcards: parity_threshold(config, wildcards.target),
    script:
        "../scripts/parity.py"

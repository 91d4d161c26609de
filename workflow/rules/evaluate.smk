# Evaluation times the whole test set, so it claims every core: no job runs beside it.
rule evaluate:
    input:
        model_dir=rules.build_target.output.model_dir,
        spec=rules.train.output.spec,
        data=rules.prepare_data.output.data,
    output:
        predictions="results/eval/{target}/predictions.tsv",
        logits="results/eval/{target}/logits.npy",
        metrics="results/eval/{target}/metrics.json",
        per_class="results/eval/{target}/per_class.tsv",
        confusion="results/eval/{target}/confusion.tsv",
    log:
        "logs/evaluate/{target}.log",
    conda:
        "../envs/compressbench.yaml"
    threads: TIMING_THREADS
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
        reference="results/eval/pytorch/logits.npy",
        logits="results/eval/{target}/logits.npy",
    output:
        parity="results/eval/{target}/parity.tsv",
    log:
        "logs/parity/{target}.log",
    conda:
        "../envs/compressbench.yaml"
    resources:
        **job_resources("parity"),
    params:
        threshold=lambda wildcards: parity_threshold(config, wildcards.target),
    script:
        "../scripts/parity.py"

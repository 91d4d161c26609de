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
    params:
        evaluate=config["evaluate"],
        threads=THREADS,
        runtime_options=target_runtime_options,
    threads: workflow.cores
    log:
        "logs/evaluate/{target}.log",
    script:
        "../scripts/evaluate.py"


rule parity:
    input:
        reference="results/eval/pytorch/logits.npy",
        logits="results/eval/{target}/logits.npy",
    output:
        parity="results/eval/{target}/parity.tsv",
    params:
        threshold=lambda wildcards: parity_threshold(config, wildcards.target),
    log:
        "logs/parity/{target}.log",
    script:
        "../scripts/parity.py"

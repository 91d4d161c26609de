rule aggregate:
    input:
        metrics=expand("results/eval/{target}/metrics.json", target=TARGET_NAMES),
        parity=expand("results/eval/{target}/parity.tsv", target=TARGET_NAMES),
        reference_metrics="results/eval/pytorch/metrics.json",
        onnx_fp32=rules.export_onnx.output.onnx,
        bench=expand("results/bench/{target}/summary.json", target=TARGET_NAMES),
    output:
        summary=report(
            "results/summary.tsv",
            caption="../report/summary.rst",
            category="Results",
        ),
    log:
        "logs/aggregate.log",
    conda:
        "../envs/compressbench.yaml"
    resources:
        **job_resources("aggregate"),
    script:
        "../scripts/aggregate.py"

rule aggregate:
    input:
        metrics=paths.for_targets(paths.EVAL["metrics"], TARGET_NAMES),
        parity=paths.for_targets(paths.EVAL["parity"], TARGET_NAMES),
        reference_metrics=paths.for_target(paths.EVAL["metrics"], "pytorch"),
        onnx_fp32=paths.ONNX,
        bench=paths.for_targets(paths.BENCH["summary"], TARGET_NAMES),
    output:
        summary=report(
            paths.SUMMARY,
            caption="../report/summary.rst",
            category="Results",
        ),
    log:
        "logs/aggregate.log",
    script:
        "../scripts/aggregate.py"

rule aggregate:
    input:
        metrics=paths.for_targets(paths.EVAL["metrics"], TARGET_NAMES),
        parity=paths.for_targets(paths.EVAL["parity"], TARGET_NAMES),
        trained_metrics=paths.for_target(paths.EVAL["metrics"], TRAINED),
        onnx_fp32=paths.ONNX,
        onnx_export=paths.ONNX_EXPORT,
        bench=paths.for_targets(paths.BENCH["summary"], TARGET_NAMES),
        predictions=paths.for_targets(paths.EVAL["predictions"], TARGET_NAMES),
        trained_predictions=paths.for_target(paths.EVAL["predictions"], TRAINED),
        aggregate_code=report_workflow.AGGREGATE_SOURCES,
    output:
        records=paths.SUMMARY_JSON,
        summary=report(
            paths.SUMMARY,
            caption="../report/summary.rst",
            category="Results",
        ),
    log:
        "logs/aggregate.log",
    resources:
        **job_resources("aggregate"),
    params:
        targets=TARGET_NAMES,
    script:
        "../scripts/aggregate.py"

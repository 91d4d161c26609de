rule export_onnx:
    input:
        weights=paths.WEIGHTS,
        spec=paths.SPEC,
    output:
        onnx=paths.ONNX,
        timing=paths.ONNX_EXPORT,
    log:
        "logs/export_onnx.log",
    resources:
        **job_resources("export_onnx"),
    params:
        export=config["export"],
        timings=config["preparation"]["timings"],
    script:
        "../scripts/export_onnx.py"


rule build_target:
    input:
        unpack(build_inputs),
    output:
        model_dir=directory(paths.MODEL_DIR),
    log:
        "logs/build/{target}.log",
    benchmark:
        "benchmarks/build/{target}.tsv"
    threads: COMPUTE_THREADS
    resources:
        **job_resources("build_target"),
    params:
        settings=target_build_settings,
        threads=TRAIN_THREADS,
        timings=config["preparation"],
    script:
        "../scripts/build_target.py"

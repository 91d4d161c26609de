rule export_onnx:
    input:
        weights=rules.train.output.weights,
        spec=rules.train.output.spec,
    output:
        onnx="results/onnx/model.onnx",
    log:
        "logs/export_onnx.log",
    conda:
        "../envs/compressbench.yaml"
    resources:
        **job_resources("export_onnx"),
    params:
        export=config["export"],
    script:
        "../scripts/export_onnx.py"


rule build_target:
    input:
        unpack(build_inputs),
    output:
        model_dir=directory("results/models/{target}"),
    log:
        "logs/build/{target}.log",
    conda:
        "../envs/compressbench.yaml"
    threads: THREADS
    resources:
        **job_resources("build_target"),
    params:
        settings=target_build_settings,
        threads=THREADS,
    script:
        "../scripts/build_target.py"

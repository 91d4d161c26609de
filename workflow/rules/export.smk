rule export_onnx:
    input:
        weights="results/model/weights.pt",
        spec="results/model/spec.json",
    output:
        onnx="results/onnx/model.onnx",
    log:
        "logs/export_onnx.log",
    conda:
        "../envs/compressbench.yaml"
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
    params:
        settings=target_build_settings,
        threads=THREADS,
    script:
        "../scripts/build_target.py"

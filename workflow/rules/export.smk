rule export_onnx:
    input:
        weights=rules.train.output.weights,
        spec=rules.train.output.spec,
    output:
        onnx="results/onnx/model.onnx",
    params:
        export=config["export"],
    log:
        "logs/export_onnx.log",
    script:
        "../scripts/export_onnx.py"


def build_inputs(wildcards):
    target = TARGETS[wildcards.target]
    inputs = {"weights": rules.train.output.weights, "spec": rules.train.output.spec}
    if target.needs_onnx:
        inputs["onnx"] = rules.export_onnx.output.onnx
    if target.needs_data:
        inputs["data"] = rules.prepare_data.output.data
    return inputs


rule build_target:
    input:
        unpack(build_inputs),
    output:
        model_dir=directory("results/models/{target}"),
    params:
        export=config["export"],
        compression=config.get("compression", {}),
    threads: THREADS
    log:
        "logs/build/{target}.log",
    script:
        "../scripts/build_target.py"

# Speed. Benchmark jobs time the runtimes, so each claims every core (threads: workflow.cores):
# no other job runs beside them. The runtimes themselves use THREADS threads (config runtime.threads).


rule environment:
    output:
        environment=paths.ENVIRONMENT,
    log:
        "logs/environment.log",
    params:
        threads=THREADS,
    script:
        "../scripts/environment.py"


rule benchmark:
    input:
        model_dir=paths.MODEL_DIR,
        spec=paths.SPEC,
        data=paths.DATASET,
    output:
        latency=paths.BENCH["latency"],
        throughput=paths.BENCH["throughput"],
        naive=paths.BENCH["naive"],
        summary=paths.BENCH["summary"],
    log:
        "logs/benchmark/{target}.log",
    threads: workflow.cores
    params:
        benchmark=config["benchmark"],
        threads=THREADS,
        runtime_options=target_runtime_options,
    script:
        "../scripts/benchmark.py"


# OpenVINO's own benchmark_app on the same IR, shape, threads and precision: the peer check.
rule benchmark_app:
    input:
        model_dir=paths.MODEL_DIR,
        spec=paths.SPEC,
        summary=paths.BENCH["summary"],
    output:
        benchmark_app=paths.BENCH["benchmark_app"],
    log:
        "logs/benchmark_app/{target}.log",
    wildcard_constraints:
        target="|".join(name for name in TARGETS if TARGETS[name].runtime == "openvino"),
    threads: workflow.cores
    params:
        seconds=config["benchmark"]["benchmark_app_seconds"],
        threads=THREADS,
        runtime_options=target_runtime_options,
    script:
        "../scripts/benchmark_app.py"

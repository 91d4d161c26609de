# Speed. Benchmark jobs time the runtimes, so each claims every core (threads: TIMING_THREADS):
# no other job runs beside them. The runtimes themselves use THREADS threads (config runtime.threads).

# benchmark_app.json of every configured OpenVINO target; none when benchmark.benchmark_app is false.
BENCHMARK_APP_OUTPUTS = expand(
    "results/bench/{target}/benchmark_app.json",
    target=[
        name
        for name in TARGET_NAMES
        if TARGETS[name].runtime == "openvino" and config["benchmark"]["benchmark_app"]
    ],
)


rule environment:
    output:
        environment="results/environment.json",
    log:
        "logs/environment.log",
    conda:
        "../envs/compressbench.yaml"
    resources:
        **job_resources("environment"),
    params:
        threads=THREADS,
    script:
        "../scripts/environment.py"


rule benchmark:
    input:
        model_dir=rules.build_target.output.model_dir,
        spec=rules.train.output.spec,
        data=rules.prepare_data.output.data,
    output:
        latency="results/bench/{target}/latency.tsv",
        throughput="results/bench/{target}/throughput.tsv",
        naive="results/bench/{target}/naive.tsv",
        summary="results/bench/{target}/summary.json",
    log:
        "logs/benchmark/{target}.log",
    conda:
        "../envs/compressbench.yaml"
    threads: TIMING_THREADS
    resources:
        **job_resources("benchmark"),
    params:
        benchmark=config["benchmark"],
        threads=THREADS,
        runtime_options=target_runtime_options,
    script:
        "../scripts/benchmark.py"


# OpenVINO's own benchmark_app on the same IR, shape, threads and precision: the peer check.
rule benchmark_app:
    input:
        model_dir=rules.build_target.output.model_dir,
        spec=rules.train.output.spec,
        summary=rules.benchmark.output.summary,
    output:
        benchmark_app="results/bench/{target}/benchmark_app.json",
    log:
        "logs/benchmark_app/{target}.log",
    wildcard_constraints:
        target="|".join(name for name in TARGETS if TARGETS[name].runtime == "openvino"),
    conda:
        "../envs/compressbench.yaml"
    threads: TIMING_THREADS
    resources:
        **job_resources("benchmark_app"),
    params:
        seconds=config["benchmark"]["benchmark_app_seconds"],
        threads=THREADS,
        runtime_options=target_runtime_options,
    script:
        "../scripts/benchmark_app.py"

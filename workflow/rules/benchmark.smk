# Speed. Benchmark jobs time the runtimes, so each claims every core (threads: workflow.cores):
# no other job runs beside them. The runtimes themselves use THREADS threads (config runtime.threads).
# Each target is measured in benchmark.repeats jobs (fresh processes); benchmark_summary combines them.
from compressbench.benchmark import BenchSettings

BENCH_REPEATS = list(range(config["benchmark"]["repeats"]))


def benchmark_priority(wildcards):
    """Round robin: every target's repeat r runs before any repeat r + 1, and benchmark jobs wait
    while any other job is ready (those have priority 0), so a machine that changes state mid-run
    affects every target alike. Priorities only order jobs: no target waits on another's files.
    """
    return -1 - int(wildcards.repeat)


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
        latency="results/bench/{target}/repeat{repeat}/latency.tsv",
        latency_1thread="results/bench/{target}/repeat{repeat}/latency_1thread.tsv",
        throughput="results/bench/{target}/repeat{repeat}/throughput.tsv",
        naive="results/bench/{target}/repeat{repeat}/naive.tsv",
        summary="results/bench/{target}/repeat{repeat}/summary.json",
    log:
        "logs/benchmark/{target}/repeat{repeat}.log",
    wildcard_constraints:
        repeat=r"\d+",
    priority: benchmark_priority
    conda:
        "../envs/compressbench.yaml"
    threads: workflow.cores
    params:
        # only what a job reads: changing benchmark.repeats adds or drops jobs, reruns none
        benchmark=BenchSettings.job_params(config["benchmark"]),
        threads=THREADS,
        runtime_options=target_runtime_options,
    script:
        "../scripts/benchmark.py"


# Median over repeats with the between-repeat range; whole-test-set times from throughput.
rule benchmark_summary:
    input:
        summaries=expand(
            "results/bench/{{target}}/repeat{repeat}/summary.json",
            repeat=BENCH_REPEATS,
        ),
        latency=expand(
            "results/bench/{{target}}/repeat{repeat}/latency.tsv", repeat=BENCH_REPEATS
        ),
    output:
        summary="results/bench/{target}/summary.json",
        repeats="results/bench/{target}/repeats.tsv",
        latency="results/bench/{target}/latency.tsv",
    log:
        "logs/benchmark_summary/{target}.log",
    conda:
        "../envs/compressbench.yaml"
    script:
        "../scripts/benchmark_summary.py"


# OpenVINO's own benchmark_app on the same IR, shape, threads and precision: the peer check.
rule benchmark_app:
    input:
        model_dir=rules.build_target.output.model_dir,
        spec=rules.train.output.spec,
        summary=rules.benchmark_summary.output.summary,
    output:
        benchmark_app="results/bench/{target}/benchmark_app.json",
    log:
        "logs/benchmark_app/{target}.log",
    wildcard_constraints:
        target="|".join(name for name in TARGETS if TARGETS[name].runtime == "openvino"),
    priority: -1 - len(BENCH_REPEATS)  # after every repeat (see benchmark_priority)
    conda:
        "../envs/compressbench.yaml"
    threads: workflow.cores
    params:
        seconds=config["benchmark"]["benchmark_app_seconds"],
        threads=THREADS,
        runtime_options=target_runtime_options,
    script:
        "../scripts/benchmark_app.py"

# Speed. Benchmark jobs time the runtimes, so each claims every core (threads: TIMING_THREADS):
# no other job runs beside them. The runtimes themselves use THREADS threads (config runtime.threads).
# Each target is measured in benchmark.repeats jobs (fresh processes); benchmark_summary combines them.
from compressbench.benchmark import BenchSettings


rule environment:
    output:
        environment=paths.ENVIRONMENT,
    log:
        "logs/environment.log",
    resources:
        **job_resources("environment"),
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
        **paths.BENCH_REPEAT,
    log:
        "logs/benchmark/{target}/repeat{repeat}.log",
    wildcard_constraints:
        repeat=r"\d+",
    priority: benchmark_priority
    threads: TIMING_THREADS
    resources:
        **job_resources("benchmark"),
    params:
        # only what a job reads: changing benchmark.repeats adds or drops jobs, and reruns only a
        # repeat whose round becomes full or stops being full
        benchmark=lambda wildcards: BenchSettings.job_params(
            config["benchmark"], int(wildcards.repeat)
        ),
        threads=THREADS,
        runtime_options=target_runtime_options,
    script:
        "../scripts/benchmark.py"


# Median over repeats with the between-repeat range; whole-test-set times from throughput.
rule benchmark_summary:
    input:
        summaries=expand(
            paths.BENCH_REPEAT["summary"], target="{target}", repeat=BENCH_REPEATS
        ),
        latency=expand(
            paths.BENCH_REPEAT["latency"], target="{target}", repeat=BENCH_REPEATS
        ),
        combine_code=report_workflow.COMBINE_SOURCES,
    output:
        summary=paths.BENCH["summary"],
        repeats=paths.BENCH["repeats"],
        latency=paths.BENCH["latency"],
    log:
        "logs/benchmark_summary/{target}.log",
    resources:
        **job_resources("benchmark_summary"),
    script:
        "../scripts/benchmark_summary.py"


# OpenVINO's own benchmark_app on the same IR, shape, threads and precision: the peer check. One job
# per full round, right after the repeat it is paired with (benchmark_app_priority), at batch 1 and at
# that repeat's best batch: its runs are spread over the benchmark phase like ours, and
# benchmark_app_summary compares the two round by round.
rule benchmark_app:
    input:
        model_dir=paths.MODEL_DIR,
        spec=paths.SPEC,
        summary=paths.BENCH_REPEAT["summary"],
    output:
        benchmark_app=paths.BENCH_APP_REPEAT,
    log:
        "logs/benchmark_app/{target}/repeat{repeat}.log",
    wildcard_constraints:
        target="|".join(name for name in TARGETS if TARGETS[name].runtime == "openvino"),
        repeat=r"\d+",
    priority: benchmark_app_priority
    threads: TIMING_THREADS
    resources:
        **job_resources("benchmark_app"),
    params:
        seconds=config["benchmark"]["benchmark_app_seconds"],
        threads=THREADS,
        runtime_options=target_runtime_options,
    script:
        "../scripts/benchmark_app.py"


rule benchmark_app_summary:
    input:
        summary=paths.BENCH["summary"],
        repeats=expand(
            paths.BENCH_APP_REPEAT, target="{target}", repeat=BENCH_APP_REPEATS
        ),
    output:
        benchmark_app=paths.BENCH["benchmark_app"],
    log:
        "logs/benchmark_app_summary/{target}.log",
    resources:
        **job_resources("benchmark_app_summary"),
    script:
        "../scripts/benchmark_app_summary.py"

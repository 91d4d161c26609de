# The model as a service under load (config `serve`, off by default; compressbench/serve).
# A serve job owns its server processes: it starts each on a free port the server picks itself,
# waits for readiness, runs the load from its own CPU and stops the server, also on an error,
# Ctrl-C or SIGTERM (compressbench/serve/process.py). Like the benchmark jobs it claims every core
# (threads: TIMING_THREADS), so nothing runs beside it, and asks a cluster for the node alone.
from compressbench.serve.settings import ServeSettings


rule serve:
    input:
        model_dir=paths.MODEL_DIR,
        spec=paths.SPEC,
        data=paths.DATASET,
        predictions=paths.EVAL["predictions"],
    output:
        **paths.SERVE_REPEAT,
    log:
        job="logs/serve/{target}/repeat{repeat}.log",
        server="logs/serve/{target}/repeat{repeat}.server.log",
    wildcard_constraints:
        repeat=r"\d+",
        target="|".join(served_targets(config)),
    priority: serve_priority
    threads: TIMING_THREADS
    resources:
        **job_resources("serve"),
    params:
        # only what a job reads: changing serve.repeats, targets or the SLO reruns no measurement
        serve=ServeSettings.job_params(config["serve"]),
        threads=THREADS,
        runtime_options=target_runtime_options,
    script:
        "../scripts/serve.py"


# Repeats combined; the capacity at the SLO, the time split and the overhead against the
# in-process benchmark (compressbench/serve/summary.py, analysis.py).
rule serve_summary:
    input:
        loads=expand(
            paths.SERVE_REPEAT["load"], target="{target}", repeat=SERVE_REPEATS
        ),
        requests=expand(
            paths.SERVE_REPEAT["requests"], target="{target}", repeat=SERVE_REPEATS
        ),
        runs=expand(paths.SERVE_REPEAT["run"], target="{target}", repeat=SERVE_REPEATS),
        bench=paths.BENCH["summary"],
    output:
        **paths.SERVE,
    log:
        "logs/serve_summary/{target}.log",
    resources:
        **job_resources("serve_summary"),
    params:
        slo_p99_ms=config["serve"]["slo_p99_ms"],
    script:
        "../scripts/serve_summary.py"

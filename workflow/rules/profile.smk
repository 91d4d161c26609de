# Where each target's call spends its time, per layer (compressbench.opprofile), at batch 1 and at
# the best batch size its benchmark found. A timing job like benchmark: it claims every core
# (threads: TIMING_THREADS), so nothing runs beside it, and it runs the runtimes with the same
# threads and options. It reads the target's combined benchmark summary, so it starts after all
# of that target's repeats, and its priority is below every repeat's (benchmark_priority), so the
# other targets' remaining repeats run first.
from compressbench.opprofile import ProfileSettings


rule profile:
    input:
        model_dir=paths.MODEL_DIR,
        spec=paths.SPEC,
        data=paths.DATASET,
        bench=paths.BENCH["summary"],
    output:
        **paths.PROFILE,
    log:
        "logs/profile/{target}.log",
    priority: AFTER_BENCHMARKS
    threads: TIMING_THREADS
    resources:
        **job_resources("profile"),
    params:
        profile=ProfileSettings.job_params(config["profile"]),
        threads=THREADS,
        runtime_options=target_runtime_options,
    script:
        "../scripts/profile.py"

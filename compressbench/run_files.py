"""The files one run of the workflow makes, as plain functions of its validated config.

The Snakefile's `all` rule asks for them (workflow/rules/common.smk), and a study asks for every
run's (workflow/rules/study.smk). Importing this module is cheap (no torch): the Snakefile reads it.
"""

from __future__ import annotations

from . import paths
from .benchmark import full_rounds
from .targets import TARGETS


def benchmark_app_targets(config: dict) -> list[str]:
    """Configured OpenVINO targets, when the benchmark_app cross-check is on."""
    if not config["benchmark"]["benchmark_app"]:
        return []
    return [name for name in config["targets"] if TARGETS[name].runtime == "openvino"]


def profiled_targets(config: dict) -> list[str]:
    """The targets with a per-layer profile (workflow/rules/profile.smk): all, when profile.enabled."""
    return list(config["targets"]) if config["profile"]["enabled"] else []


def profile_files(config: dict) -> list[str]:
    """Each profiled target's ops table and summary."""
    return [path for pattern in paths.PROFILE.values() for path in paths.for_targets(pattern, profiled_targets(config))]


def result_files(config: dict) -> list[str]:
    """Every result file the report stands on, also those it reads only through summaries (raw
    timings, predictions). Snakemake does not rebuild a missing intermediate file while the files
    made from it are up to date, so one removed by an interrupted run (or deleted) would stay
    missing under an unchanged report: `all` asks for them all, so the next plain run rebuilds it
    and then the summary and report that quote it."""
    targets = config["targets"]
    per_target = [*paths.EVAL.values(), *(p for k, p in paths.BENCH.items() if k != "benchmark_app")]
    repeats = range(config["benchmark"]["repeats"])
    return [
        paths.DATASET,
        paths.DATASET_SUMMARY,
        paths.WEIGHTS,
        paths.SPEC,
        paths.TRAIN_LOG,
        paths.ONNX,
        paths.ONNX_EXPORT,
        paths.ENVIRONMENT,
        *paths.for_targets(paths.MODEL_DIR, targets),
        *(path for pattern in per_target for path in paths.for_targets(pattern, targets)),
        *(
            pattern.format(target=target, repeat=repeat)
            for pattern in paths.BENCH_REPEAT.values()
            for target in targets
            for repeat in repeats
        ),
        *paths.for_targets(paths.BENCH["benchmark_app"], benchmark_app_targets(config)),
        *(
            paths.BENCH_APP_REPEAT.format(target=target, repeat=repeat)
            for target in benchmark_app_targets(config)
            for repeat in range(full_rounds(config["benchmark"]))  # benchmark_app runs in the full rounds
        ),
        *profile_files(config),
    ]

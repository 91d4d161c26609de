"""What the report rules of workflow/rules/report.smk read and write: plain functions of the
configured targets (paths from compressbench.paths), so report settings never change another rule.
"""

from __future__ import annotations

from .. import paths

FIGURES = ["training_curves", "confusion", "latency", "throughput", "test_set_time", "tradeoff", "naive"]


def figure_names(benchmark_app: bool) -> list[str]:
    """The report's figures; the benchmark_app one only when that cross-check runs."""
    return FIGURES + (["benchmark_app"] if benchmark_app else [])


def figure_files(names: list[str], ext: str) -> list[str]:
    return [paths.figure(name, ext) for name in names]


def figure_outputs(names: list[str], report) -> dict:
    """Named outputs of the plots rule: a PDF (LaTeX) and a PNG (Markdown, Snakemake's report) per figure.
    `report` is Snakemake's report() marker."""
    outputs = {}
    for name in names:
        outputs[f"{name}_pdf"] = paths.figure(name, "pdf")
        outputs[f"{name}_png"] = report(
            paths.figure(name, "png"), caption=f"../report/fig_{name}.rst", category="Figures"
        )
    return outputs


def result_inputs(targets: list[str], benchmark_app_targets: list[str]) -> dict:
    """Named inputs of the report rules: every result file the report reads."""
    inputs = {
        "summary": paths.SUMMARY,
        "train_log": paths.TRAIN_LOG,
        "spec": paths.SPEC,
        "dataset": paths.DATASET_SUMMARY,
        "metrics": paths.for_targets(paths.EVAL["metrics"], targets),
        "confusion": paths.for_target(paths.EVAL["confusion"], "pytorch"),
        "per_class": paths.for_target(paths.EVAL["per_class"], "pytorch"),
        "bench": paths.for_targets(paths.BENCH["summary"], targets),
        "latency": paths.for_targets(paths.BENCH["latency"], targets),
        "predictions": paths.for_targets(paths.EVAL["predictions"], targets),  # McNemar between two methods
        "environment": paths.ENVIRONMENT,
    }
    if benchmark_app_targets:
        inputs["benchmark_app"] = paths.for_targets(paths.BENCH["benchmark_app"], benchmark_app_targets)
    return inputs


TEMPLATE_FILES = [
    "templates/report.md.j2",
    "templates/report.tex.j2",
    "templates/macros.tex.j2",
    "templates/i18n/ru.yaml",
    "templates/i18n/en.yaml",
    "templates/claims/ru.yaml",
    "templates/claims/en.yaml",
    "templates/claims/coursework.yaml",
    "templates/bibliography.yaml",
]

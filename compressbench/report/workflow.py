"""What the report rules of workflow/rules/report.smk read and write, decided when the workflow is parsed.

Benchmark files are inputs only where a rule of this workflow makes them, so the report
works with and without the benchmark rules. Nothing here depends on config beyond the
targets, so report settings never change another rule.
"""

from __future__ import annotations

BASE_FIGURES = ["training_curves", "confusion"]
BENCH_FIGURES = ["latency", "throughput", "test_set_time", "tradeoff", "naive"]


def figure_names(rule_names: set[str], benchmark_app_outputs: list[str]) -> list[str]:
    names = list(BASE_FIGURES)
    if "benchmark" in rule_names:
        names += BENCH_FIGURES
    if "benchmark_app" in rule_names and benchmark_app_outputs:
        names.append("benchmark_app")
    return names


def figure_outputs(names: list[str], report) -> dict:
    """Named outputs of the plots rule: a PDF (LaTeX) and a PNG (Markdown, Snakemake's report) per figure.
    `report` is Snakemake's report() marker."""
    outputs = {}
    for name in names:
        outputs[f"{name}_pdf"] = f"reports/figures/{name}.pdf"
        outputs[f"{name}_png"] = report(
            f"reports/figures/{name}.png", caption=f"../report/fig_{name}.rst", category="Figures"
        )
    return outputs


def result_inputs(targets: list[str], rule_names: set[str], benchmark_app_outputs: list[str]) -> dict:
    inputs = {
        "summary": "results/summary.tsv",
        "train_log": "results/model/train_log.tsv",
        "spec": "results/model/spec.json",
        "dataset": "results/data/summary.json",
        "metrics": [f"results/eval/{t}/metrics.json" for t in targets],
        "confusion": "results/eval/pytorch/confusion.tsv",
        "per_class": "results/eval/pytorch/per_class.tsv",
    }
    if "benchmark" in rule_names:
        inputs["bench"] = [f"results/bench/{t}/summary.json" for t in targets]
        inputs["latency"] = [f"results/bench/{t}/latency.tsv" for t in targets]
    if "benchmark_app" in rule_names and benchmark_app_outputs:
        inputs["benchmark_app"] = list(benchmark_app_outputs)
    if "environment" in rule_names:
        inputs["environment"] = "results/environment.json"
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

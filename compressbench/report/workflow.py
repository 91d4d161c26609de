"""What the analysis and report rules of workflow/rules/report.smk read and write: plain functions of
the configured targets (paths from compressbench.paths), so report settings never change another rule;
and the code the summary rules before them run, which their outputs depend on.
"""

from __future__ import annotations

from pathlib import Path

from .. import paths
from ..targets import TRAINED
from .sections import figures

# The texts the analysis reads beside the results (compressbench.analysis)
ANALYSIS_FILES = {
    "coursework": "templates/coursework.yaml",
    "claims": "templates/claims.yaml",
    "bibliography": "templates/bibliography.yaml",
}
RENDER_FILES = [
    "templates/report.md.j2",
    "templates/macros.md.j2",
    "templates/report.tex.j2",
    "templates/macros.tex.j2",
    "templates/wording/ru.yaml",
    "templates/wording/en.yaml",
]
TEMPLATE_FILES = [*RENDER_FILES, *ANALYSIS_FILES.values()]
# The analysis code itself and the diagnosis it runs, where the imported package lies (a workflow copied
# elsewhere imports the installed one): findings.json holds their finding types and causes, so a version
# that adds, renames or removes one reruns the analysis (seconds) instead of leaving findings the report can
# no longer read.
_PACKAGE = Path(__file__).resolve().parents[1]
ANALYSIS_SOURCES = sorted(
    str(path) for package in ("analysis", "diagnosis") for path in (_PACKAGE / package).glob("*.py")
)
# The code that combines a target's repeats (benchmark_summary) and writes the run's records (aggregate):
# a version that adds or changes a combined figure recombines (seconds) instead of leaving summaries
# without it. The timed repeats themselves never rerun for it.
# (module names without ".py": "results.py" would read as a wording key to tests/test_wording.py)
COMBINE_SOURCES = [str((_PACKAGE / "repeats").with_suffix(".py"))]
AGGREGATE_SOURCES = [str((_PACKAGE / name).with_suffix(".py")) for name in ("aggregate", "results")]
# The code that writes the report and draws its figures, where the imported package lies: a version that
# words, numbers or lays out the report otherwise renders it again (seconds) instead of leaving the old one.
RENDER_SOURCES = sorted(str(path) for path in (_PACKAGE / "report").rglob("*.py"))
PLOT_SOURCES = [str((_PACKAGE / "plots").with_suffix(".py"))]  # (not imported: matplotlib is slow to load)
# A study's report (compressbench.report.study) renders with the same templates and cites from the bibliography
STUDY_TEMPLATE_FILES = [*RENDER_FILES, ANALYSIS_FILES["bibliography"]]


def figure_names(benchmark_app: bool, *, search: bool = False, serve: bool = False) -> list[str]:
    """The report's figures (compressbench.report.sections); the benchmark_app one only when that cross-check
    runs, the search's only when the run has a search, the service's only when the run serves."""
    return [f.name for f in figures(benchmark_app, search, serve)]


def figure_files(names: list[str], ext: str) -> list[str]:
    return [paths.figure(name, ext) for name in names]


def figure_outputs(names: list[str], report) -> dict:
    """Named outputs of the plots rule: a PDF (LaTeX) and a PNG (Markdown, Snakemake's report) per figure.
    `report` is Snakemake's report() marker."""
    outputs = {}
    for name in names:
        outputs[f"{name}_pdf"] = paths.figure(name, "pdf")
        outputs[f"{name}_png"] = report(paths.figure(name, "png"), caption="../report/figure.rst", category="Figures")
    return outputs


def result_inputs(targets: list[str], benchmark_app_targets: list[str]) -> dict:
    """Named inputs of the analysis and report rules: every result file compressbench.results reads."""
    inputs = {
        "records": paths.SUMMARY_JSON,
        "train_log": paths.TRAIN_LOG,
        "spec": paths.SPEC,
        "dataset": paths.DATASET_SUMMARY,
        "confusion": paths.for_target(paths.EVAL["confusion"], TRAINED),
        # the trained model's precision and recall per class, and every target's F1 per class
        "per_class": paths.for_targets(paths.EVAL["per_class"], list(dict.fromkeys([TRAINED, *targets]))),
        "latency": paths.for_targets(paths.BENCH["latency"], targets),  # raw calls: the latency figure
        "environment": paths.ENVIRONMENT,
    }
    if benchmark_app_targets:
        inputs["benchmark_app"] = paths.for_targets(paths.BENCH["benchmark_app"], benchmark_app_targets)
    return inputs


def analysis_inputs(
    targets: list[str], benchmark_app_targets: list[str], *, profiled=(), search: bool = False, served=()
) -> dict:
    """The analysis also reads every target's predictions (exact McNemar tests between two targets), the
    per-layer profiles (the diagnosis; `profiled`: [] when profile.enabled is off), when the run has a
    search its trials and its choice (compressbench.analysis.search), and when the run serves each served
    target's results/serve files and its benchmark summary."""
    inputs = {
        **result_inputs(targets, benchmark_app_targets),
        "predictions": paths.for_targets(paths.EVAL["predictions"], targets),
        "profiles": [paths.for_target(paths.PROFILE[name], t) for t in profiled for name in ("ops", "summary")],
    }
    if search:
        inputs |= {"search_trials": paths.SEARCH_TRIALS, "search_chosen": paths.SEARCH_CHOSEN}
    if served:
        inputs["serve_load"] = paths.for_targets(paths.SERVE["load"], served)
        inputs["serve_summary"] = paths.for_targets(paths.SERVE["summary"], served)
        inputs["serve_bench"] = paths.for_targets(paths.BENCH["summary"], served)
    return inputs

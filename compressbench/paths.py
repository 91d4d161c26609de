"""Where the workflow writes: every results/ and reports/ path pattern, once.

The rules (workflow/rules/*.smk), the report's inputs (report/workflow.py) and tests use these
names; `{target}` and `{name}` are Snakemake wildcards, filled with `for_targets` or `expand`.
"""

from __future__ import annotations

RESULTS = "results"
REPORTS = "reports"

DATASET = f"{RESULTS}/data/dataset.npz"
DATASET_SUMMARY = f"{RESULTS}/data/summary.json"
WEIGHTS = f"{RESULTS}/model/weights.pt"
SPEC = f"{RESULTS}/model/spec.json"
TRAIN_LOG = f"{RESULTS}/model/train_log.tsv"
ONNX = f"{RESULTS}/onnx/model.onnx"
MODEL_DIR = f"{RESULTS}/models/{{target}}"
ENVIRONMENT = f"{RESULTS}/environment.json"
SUMMARY = f"{RESULTS}/summary.tsv"


def _per_target(stage: str, files: dict[str, str]) -> dict[str, str]:
    return {name: f"{RESULTS}/{stage}/{{target}}/{name}.{ext}" for name, ext in files.items()}


# per target: evaluation (quality) and benchmark (speed) files
EVAL = _per_target(
    "eval",
    {"predictions": "tsv", "logits": "npy", "metrics": "json", "per_class": "tsv", "confusion": "tsv", "parity": "tsv"},
)
# per target, combined over the repeats: every repeat's latency calls, the per-repeat figures and
# the combined figures (benchmark_summary), plus OpenVINO's benchmark_app cross-check
BENCH = _per_target("bench", {"latency": "tsv", "repeats": "tsv", "summary": "json", "benchmark_app": "json"})
# per target and repeat: one benchmark job (a fresh process), `{repeat}` = 0, 1, ...
BENCH_REPEAT = {
    name: f"{RESULTS}/bench/{{target}}/repeat{{repeat}}/{name}.{ext}"
    for name, ext in {
        "latency": "tsv",
        "latency_1thread": "tsv",
        "throughput": "tsv",
        "naive": "tsv",
        "summary": "json",
    }.items()
}
# per target: where a call spends its time, per layer, at batch 1 and the best batch (compressbench.opprofile)
PROFILE = _per_target("profile", {"ops": "tsv", "summary": "json"})

REPORT_MD = f"{REPORTS}/report.md"
REPORT_TEX = f"{REPORTS}/report.tex"
REPORT_PDF = f"{REPORTS}/report.pdf"
REPORT_ZIP = f"{REPORTS}/report-latex.zip"
FIGURE = f"{REPORTS}/figures/{{name}}.{{ext}}"


def for_targets(pattern: str, targets: list[str]) -> list[str]:
    """A per-target pattern filled in for each target, in order."""
    return [pattern.format(target=target) for target in targets]


def for_target(pattern: str, target: str) -> str:
    return pattern.format(target=target)


def figure(name: str, ext: str) -> str:
    return FIGURE.format(name=name, ext=ext)


# studies (a config with a `study` section): each run is a whole workflow under its own folder
STUDY_RUN = f"{RESULTS}/runs/{{run}}"
STUDY_TABLE = f"{RESULTS}/study.tsv"
STUDY_SEED_SPREAD = f"{RESULTS}/study_seed_spread.tsv"
STUDY_MD = f"{REPORTS}/study.md"
STUDY_TEX = f"{REPORTS}/study.tex"
STUDY_PDF = f"{REPORTS}/study.pdf"
STUDY_FIGURES = f"{REPORTS}/figures"


def in_run(path: str, run: str = "{run}") -> str:
    """A run's copy of a single-run path (results/... or reports/...)."""
    return f"{STUDY_RUN.format(run=run)}/{path}"

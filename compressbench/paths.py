"""Where the workflow writes: every results/ and reports/ path pattern, once.

The rules (workflow/rules/*.smk), the report's inputs (report/workflow.py) and tests use these
names; `{target}` and `{name}` are Snakemake wildcards, filled with `for_targets` or `expand`.
"""

from __future__ import annotations

from pathlib import Path

RESULTS = "results"
REPORTS = "reports"

DATASET = f"{RESULTS}/data/dataset.npz"
DATASET_SUMMARY = f"{RESULTS}/data/summary.json"
WEIGHTS = f"{RESULTS}/model/weights.pt"
SPEC = f"{RESULTS}/model/spec.json"
TRAIN_LOG = f"{RESULTS}/model/train_log.tsv"
ONNX = f"{RESULTS}/onnx/model.onnx"
ONNX_EXPORT = f"{RESULTS}/onnx/export.json"  # how long the export took
MODEL_DIR = f"{RESULTS}/models/{{target}}"
ENVIRONMENT = f"{RESULTS}/environment.json"
SUMMARY = f"{RESULTS}/summary.tsv"  # the table view of SUMMARY_JSON (compressbench.results)
SUMMARY_JSON = f"{RESULTS}/summary.json"  # one typed record per target
FINDINGS = f"{RESULTS}/findings.json"  # every comparison and verdict the report states (compressbench.analysis)


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
# per OpenVINO target and repeat: benchmark_app's run in the same round as that repeat
BENCH_APP_REPEAT = f"{RESULTS}/bench/{{target}}/repeat{{repeat}}/benchmark_app.json"
# per target: where a call spends its time, per layer, at batch 1 and the best batch (compressbench.opprofile)
PROFILE = _per_target("profile", {"ops": "tsv", "summary": "json"})

# the model as a service (serve.enabled): per target and repeat, one serve job's steps, requests and
# facts; per target, every repeat's steps in one table and the combined figures (serve_summary)
SERVE_REPEAT = {
    name: f"{RESULTS}/serve/{{target}}/repeat{{repeat}}/{name}.{ext}"
    for name, ext in {"load": "tsv", "requests": "tsv", "run": "json"}.items()
}
SERVE = _per_target("serve", {"load": "tsv", "summary": "json"})

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


# a search (a config with a `search` section, compressbench/search): the Optuna storage every worker
# shares, each trial's variant, the tables and the choice the <runtime>_auto target is built from
SEARCH_DIR = f"{RESULTS}/search"
SEARCH_STUDY = f"{SEARCH_DIR}/study.json"  # the setup job's: fingerprint, base accuracy, storage path
SEARCH_STORAGE = f"{SEARCH_DIR}/journal.log"  # Optuna JournalStorage (file backend)
SEARCH_BASE_BUILD = f"{SEARCH_DIR}/base"  # the constraint's base target while the setup job measures it
SEARCH_WORKER = f"{SEARCH_DIR}/workers/{{worker}}.json"
SEARCH_TRIALS_DIR = f"{SEARCH_DIR}/trials"  # <number>/model: each complete trial's variant
TRIAL_MODEL = "{trial}/model"  # a trial's variant, under the trials folder


def trial_model(trials_dir, trial: int) -> str:
    return f"{trials_dir}/{TRIAL_MODEL.format(trial=trial)}"


def beside(search_file, pattern: str) -> str:
    """A SEARCH_* path in the folder of `search_file` (a job's own file directly in SEARCH_DIR): a
    study run's search then stays under its run's folder, where Snakemake's module prefix put it."""
    return f"{Path(search_file).parent}/{pattern.removeprefix(SEARCH_DIR + '/')}"


SEARCH_TRIALS = f"{SEARCH_DIR}/trials.tsv"
SEARCH_PARETO = f"{SEARCH_DIR}/pareto.tsv"
SEARCH_CHOSEN = f"{SEARCH_DIR}/chosen.json"

# studies (a config with a `study` section): each run is a whole workflow under its own folder
STUDY_RUN = f"{RESULTS}/runs/{{run}}"
STUDY_JSON = f"{RESULTS}/study.json"  # every run's settings and records (results.write_study)
STUDY_TABLE = f"{RESULTS}/study.tsv"  # its table view
STUDY_FINDINGS = f"{RESULTS}/study_findings.json"  # the study's findings (analysis.study)
STUDY_SEED_SPREAD = f"{RESULTS}/study_seed_spread.tsv"
STUDY_MD = f"{REPORTS}/study.md"
STUDY_TEX = f"{REPORTS}/study.tex"
STUDY_PDF = f"{REPORTS}/study.pdf"
STUDY_FIGURES = f"{REPORTS}/figures"  # beside study.md: report.study.write_study_report draws there


def in_run(path: str, run: str = "{run}") -> str:
    """A run's copy of a single-run path (results/... or reports/...)."""
    return f"{STUDY_RUN.format(run=run)}/{path}"


def root_of(path: str, pattern: str) -> str:
    """The run folder a file of `pattern` lies in: "." for a plain run, the run's folder in a study
    (whose modules prefix every path)."""
    path = str(path)
    if not path.endswith(pattern):
        raise ValueError(f"{path}: not a {pattern} file")
    return path[: -len(pattern)].rstrip("/") or "."


# a stage runs share (prepared data, trained model), by a hash of the settings that decide it
STUDY_SHARED = f"{RESULTS}/shared/{{stage}}/{{key}}"

# A study: the whole workflow once per run (config.study), each run a module of the main
# Snakefile with its own config and folder results/runs/<run>/, all in one DAG. Runs whose data
# (or data + model + training) settings agree share one prepared dataset (or trained model):
# the other runs take a copy instead of running the stage again.
import os
import sys

sys.path.insert(0, workflow.basedir)

import re

from compressbench.study import (
    DATA_SETTINGS,
    MODEL_SETTINGS,
    StudyError,
    expand_study,
    provider,
    swept_keys,
)
from compressbench.study_report import curve_keys, figure_paths

try:
    STUDY_RUNS = expand_study(config)
except StudyError as error:
    raise WorkflowError(f"config: {error}") from None

RUN_DIR = "results/runs/{run}"
# stage -> (the rule that makes it in a run, the files it makes, the settings that decide them)
SHARED_STAGES = {
    "data": (
        "prepare_data",
        ["results/data/dataset.npz", "results/data/summary.json"],
        DATA_SETTINGS,
    ),
    "model": (
        "train",
        [
            "results/model/weights.pt",
            "results/model/spec.json",
            "results/model/train_log.tsv",
        ],
        MODEL_SETTINGS,
    ),
}


def stage_provider(run, stage):
    return provider(STUDY_RUNS, run, SHARED_STAGES[stage][2])


for run_name, run_config in STUDY_RUNS.items():
    borrowed = [
        stage_rule
        for stage, (stage_rule, _, _) in SHARED_STAGES.items()
        if stage_provider(run_name, stage) != run_name
    ]
    workflow.module(
        name=f"run_{run_name}",
        snakefile=workflow.main_snakefile,
        config=run_config,
        prefix=RUN_DIR.format(run=run_name),
    )
    workflow.userule(
        rules=["*"],
        from_module=f"run_{run_name}",
        exclude_rules=["all", *borrowed],
        name_modifier=f"run_{run_name}_*",
        lineno=1,
    )(lambda: None)


def consumers(stage):
    return [run for run in STUDY_RUNS if stage_provider(run, stage) != run]


def shared_copy_source(stage):
    def source(wildcards):
        return f"{RUN_DIR.format(run=stage_provider(wildcards.run, stage))}/{wildcards.file}"

    return source


def alternatives(names):
    return "|".join(re.escape(name) for name in names)


if consumers("data"):

    rule share_data:
        input:
            shared_copy_source("data"),
        output:
            RUN_DIR + "/{file}",
        wildcard_constraints:
            run=alternatives(consumers("data")),
            file=alternatives(SHARED_STAGES["data"][1]),
        localrule: True
        shell:
            "ln -f {input} {output} 2>/dev/null || cp {input} {output}"


if consumers("model"):

    rule share_model:
        input:
            shared_copy_source("model"),
        output:
            RUN_DIR + "/{file}",
        wildcard_constraints:
            run=alternatives(consumers("model")),
            file=alternatives(SHARED_STAGES["model"][1]),
        localrule: True
        shell:
            "ln -f {input} {output} 2>/dev/null || cp {input} {output}"


rule study_table:
    input:
        summaries=expand(RUN_DIR + "/results/summary.tsv", run=STUDY_RUNS),
    output:
        table="results/study.tsv",
        seed_spread="results/study_seed_spread.tsv",
    log:
        "logs/study/table.log",
    params:
        runs=STUDY_RUNS,
        swept=swept_keys(config),
    script:
        "../scripts/study_table.py"


STUDY_FIGURES = {
    key: str(path)
    for key, path in zip(
        curve_keys(swept_keys(config)) or ["model.name"],
        figure_paths(swept_keys(config), "reports/figures"),
    )
}


rule study_report:
    input:
        table=rules.study_table.output.table,
        seed_spread=rules.study_table.output.seed_spread,
        environments=expand(RUN_DIR + "/results/environment.json", run=STUDY_RUNS),
        templates=[
            os.path.join(workflow.basedir, "templates", name)
            for name in ("study.md.j2", "study.tex.j2", "i18n/study.yaml")
        ],
    output:
        markdown="reports/study.md",
        latex="reports/study.tex",
        figures=[
            f"{path}.{suffix}"
            for path in STUDY_FIGURES.values()
            for suffix in ("pdf", "png")
        ],
    log:
        "logs/study/report.log",
    params:
        report={**config["report"], "dataset": config["dataset"]["name"]},
        swept=swept_keys(config),
        figures=STUDY_FIGURES,
    script:
        "../scripts/study_report.py"


rule study_pdf:
    input:
        latex=rules.study_report.output.latex,
        figures=rules.study_report.output.figures,
    output:
        pdf="reports/study.pdf",
    log:
        "logs/study/pdf.log",
    script:
        "../scripts/build_pdf.py"


def study_final_output():
    return [
        *rules.study_table.output,
        *rules.study_report.output,
        *rules.study_pdf.output,
    ]

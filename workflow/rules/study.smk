# A study: the whole workflow once per run (config.study), each run a module of the main
# Snakefile with its own config and folder (paths.STUDY_RUN), all in one DAG. Runs whose data
# (or data + model + training) settings agree share one prepared dataset (or trained model):
# the other runs take a copy instead of running the stage again. The study's own rules are small
# and run where Snakemake runs (localrules), also when the runs go to a cluster.
import os
import sys

sys.path.insert(0, workflow.basedir)

import re

from compressbench import paths
from compressbench.config import ConfigError, validate_config
from compressbench.study import (
    DATA_SETTINGS,
    MODEL_SETTINGS,
    StudyError,
    expand_study,
    provider,
    swept_keys,
)
from compressbench.study_report import figure_stems

try:
    validate_config(config)  # the base config; each run's module checks its own again
    STUDY_RUNS = expand_study(config)
except (ConfigError, StudyError) as error:
    raise WorkflowError(f"config: {error}") from None

# stage -> (the rule that makes it in a run, the files it makes, the settings that decide them)
SHARED_STAGES = {
    "data": ("prepare_data", [paths.DATASET, paths.DATASET_SUMMARY], DATA_SETTINGS),
    "model": ("train", [paths.WEIGHTS, paths.SPEC, paths.TRAIN_LOG], MODEL_SETTINGS),
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
        prefix=paths.STUDY_RUN.format(run=run_name),
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
        return paths.in_run(wildcards.file, stage_provider(wildcards.run, stage))

    return source


def alternatives(names):
    return "|".join(re.escape(name) for name in names)


if consumers("data"):

    rule share_data:
        input:
            shared_copy_source("data"),
        output:
            paths.in_run("{file}"),
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
            paths.in_run("{file}"),
        wildcard_constraints:
            run=alternatives(consumers("model")),
            file=alternatives(SHARED_STAGES["model"][1]),
        localrule: True
        shell:
            "ln -f {input} {output} 2>/dev/null || cp {input} {output}"


localrules:
    study_table,
    study_report,
    study_pdf,


rule study_table:
    input:
        summaries=expand(paths.in_run(paths.SUMMARY), run=STUDY_RUNS),
    output:
        table=paths.STUDY_TABLE,
        seed_spread=paths.STUDY_SEED_SPREAD,
    log:
        "logs/study/table.log",
    params:
        runs=STUDY_RUNS,
        swept=swept_keys(config),
    script:
        "../scripts/study_table.py"


STUDY_FIGURES = figure_stems(swept_keys(config), paths.STUDY_FIGURES)
STUDY_FIGURE_FILES = [
    f"{stem}.{ext}" for stem in STUDY_FIGURES.values() for ext in ("pdf", "png")
]


rule study_report:
    input:
        table=paths.STUDY_TABLE,
        seed_spread=paths.STUDY_SEED_SPREAD,
        environments=expand(paths.in_run(paths.ENVIRONMENT), run=STUDY_RUNS),
        templates=[
            os.path.join(workflow.basedir, "templates", name)
            for name in ("study.md.j2", "study.tex.j2", "i18n/study.yaml")
        ],
    output:
        markdown=paths.STUDY_MD,
        latex=paths.STUDY_TEX,
        figures=STUDY_FIGURE_FILES,
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
        latex=paths.STUDY_TEX,
        figures=STUDY_FIGURE_FILES,
    output:
        pdf=paths.STUDY_PDF,
    log:
        "logs/study/pdf.log",
    script:
        "../scripts/build_pdf.py"


def study_final_output():
    return [
        paths.STUDY_TABLE,
        paths.STUDY_SEED_SPREAD,
        paths.STUDY_MD,
        paths.STUDY_PDF,
    ]

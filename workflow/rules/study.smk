# A study: the whole workflow once per run (config.study), each run a module of the main
# Snakefile with its own config and folder (paths.STUDY_RUN), all in one DAG. Runs whose data
# (or data + model + training) settings agree share one prepared dataset (or trained model):
# it is made once, in results/shared/<stage>/<hash of those settings>/, by a module of its own,
# and every run's results/data and results/model files are symbolic links to it. A shared folder
# belongs to settings, not to a run, so adding, removing or changing a run never moves another
# run's inputs; Snakemake touches a link, not its target, so no shared file looks newer than
# what was made from it. The study's own rules are small and run where Snakemake runs
# (localrules), also when the runs go to a cluster.
import os
import sys

sys.path.insert(0, workflow.basedir)

import re

from compressbench import paths
from compressbench.config import ConfigError, validate_config
from compressbench.run_files import result_files
from compressbench.study import (
    SHARED_STAGES,
    StudyError,
    provider,
    shared_file,
    stage_prefixes,
    swept_keys,
    validated_runs,
)
from compressbench.report.study import figure_names
from compressbench.report.workflow import STUDY_TEMPLATE_FILES

try:
    validate_config(config)  # the base config; then each run's, errors naming the run
    STUDY_RUNS = validated_runs(config)
except (ConfigError, StudyError) as error:
    raise WorkflowError(f"config: {error}") from None


def first_runs(stage):
    """Per shared dataset (or model), the first run with its settings: its module makes it."""
    settings = SHARED_STAGES[stage].settings
    return [run for run in STUDY_RUNS if provider(STUDY_RUNS, run, settings) == run]


# Module and rule names are held in variables (Snakemake's dynamic modules: `use rule ... from
# study_module as study_rules*` reads them). Module names start with data_, model_ or run_, so no
# run name makes one equal to the variable's name. A shared dataset or model is made by a module
# of its own (named after the first run that uses it) with its files in results/shared/.
for study_run in first_runs("data"):
    study_module = f"data_{study_run}"
    study_rules = f"run_{study_run}_prepare_data"

    module:
        name: study_module
        snakefile:
            workflow.main_snakefile
        config:
            STUDY_RUNS[study_run]
        replace_prefix:
            stage_prefixes(STUDY_RUNS[study_run], "data")

    use rule prepare_data from study_module as study_rules


for study_run in first_runs("model"):
    study_module = f"model_{study_run}"
    study_rules = f"run_{study_run}_train"

    module:
        name: study_module
        snakefile:
            workflow.main_snakefile
        config:
            STUDY_RUNS[study_run]
        replace_prefix:
            stage_prefixes(STUDY_RUNS[study_run], "model")

    use rule train from study_module as study_rules


# Every run: the whole workflow but data preparation and training, in results/runs/<run>/.
for study_run, study_config in STUDY_RUNS.items():
    study_module = f"run_{study_run}"
    study_rules = f"run_{study_run}_"

    module:
        name: study_module
        snakefile:
            workflow.main_snakefile
        config:
            study_config
        prefix:
            paths.STUDY_RUN.format(run=study_run)

    use rule * from study_module exclude all, prepare_data, train as study_rules*


def alternatives(names):
    return "|".join(re.escape(name) for name in names)


def link_target(wildcards, input, output):
    """The shared file as seen from the link's folder (a relative link survives a moved folder)."""
    return os.path.relpath(input[0], os.path.dirname(output[0]))


def shared_source(stage):
    def source(wildcards):
        return shared_file(STUDY_RUNS[wildcards.run], stage, wildcards.file)

    return source


# share_data, share_model: a run's files of a shared stage, as links to the shared folder
for study_stage in SHARED_STAGES:

    rule:
        name:
            f"share_{study_stage}"
        input:
            shared_source(study_stage),
        output:
            paths.in_run("{file}"),
        wildcard_constraints:
            run=alternatives(STUDY_RUNS),
            file=alternatives(SHARED_STAGES[study_stage].files),
        localrule: True
        params:
            target=link_target,
        shell:
            "ln -s {params.target:q} {output:q}"


localrules:
    study_table,
    study_analyze,
    study_report,
    study_pdf,


# What results.load_results reads of each run (its records, model, data and machine)
STUDY_RUN_FILES = (
    paths.SUMMARY_JSON,
    paths.SPEC,
    paths.DATASET_SUMMARY,
    paths.TRAIN_LOG,
    paths.ENVIRONMENT,
)


rule study_table:
    input:
        [paths.in_run(path, run) for run in STUDY_RUNS for path in STUDY_RUN_FILES],
    output:
        study=paths.STUDY_JSON,
        table=paths.STUDY_TABLE,
    log:
        "logs/study/table.log",
    params:
        runs=STUDY_RUNS,
        swept=swept_keys(config),
    script:
        "../scripts/study_table.py"


rule study_analyze:
    input:
        study=paths.STUDY_JSON,
    output:
        findings=paths.STUDY_FINDINGS,
        seed_spread=paths.STUDY_SEED_SPREAD,
    log:
        "logs/study/analyze.log",
    script:
        "../scripts/study_analyze.py"


STUDY_FIGURE_FILES = [
    f"{paths.STUDY_FIGURES}/{name}.{ext}"
    for name in figure_names(swept_keys(config))
    for ext in ("pdf", "png")
]


rule study_report:
    input:
        study=paths.STUDY_JSON,
        findings=paths.STUDY_FINDINGS,
        templates=[
            os.path.join(workflow.basedir, path) for path in STUDY_TEMPLATE_FILES
        ],
    output:
        markdown=paths.STUDY_MD,
        latex=paths.STUDY_TEX,
        figures=STUDY_FIGURE_FILES,
    log:
        "logs/study/report.log",
    params:
        report=config["report"],
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
    """The study's table and report, and every run's result files (see run_files.result_files:
    a lost intermediate file is rebuilt; each run's data and model links follow its settings).
    """
    runs = [
        paths.in_run(path, run)
        for run, run_config in STUDY_RUNS.items()
        for path in result_files(run_config)
    ]
    return [
        paths.STUDY_TABLE,
        paths.STUDY_SEED_SPREAD,
        paths.STUDY_MD,
        paths.STUDY_PDF,
        *runs,
    ]

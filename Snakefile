from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


# A study config (a `study` section) runs this same workflow once per run, each run a module
# with its own config and folder (workflow/rules/study.smk); otherwise this is one run.
if config.get("study"):

    include: "workflow/rules/study.smk"

    rule all:
        input:
            study_final_output(),

else:

    include: "workflow/rules/common.smk"
    include: "workflow/rules/data.smk"
    include: "workflow/rules/train.smk"
    include: "workflow/rules/export.smk"
    include: "workflow/rules/evaluate.smk"
    include: "workflow/rules/aggregate.smk"
    include: "workflow/rules/benchmark.smk"
    include: "workflow/rules/serve.smk"
    include: "workflow/rules/profile.smk"
    include: "workflow/rules/report.smk"

    if "search" in config:

        include: "workflow/rules/search.smk"

    rule all:
        input:
            get_final_output(config),


# Without SLURM's commands the SLURM executor would fail at its first submission, talking about
# sacct and accounts: say what is missing before any job starts.
onstart:
    from compressbench.machine import missing_cluster_commands

    if missing_cluster_commands(workflow.executor_plugin.name):
        raise WorkflowError(missing_cluster_commands(workflow.executor_plugin.name))

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


# A study config runs this same workflow once per run, as modules (workflow/rules/study.smk).
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
    include: "workflow/rules/report.smk"  # last: it looks for the rules above

    rule all:
        input:
            "results/summary.tsv",
            "reports/report.md",
            "reports/report.pdf",
            "reports/report-latex.zip",

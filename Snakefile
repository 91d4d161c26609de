from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


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
        RESULT_FILES,  # so that a missing one is rebuilt: see report.smk
        "results/summary.tsv",
        "reports/report.md",
        "reports/report.pdf",
        "reports/report-latex.zip",

# The report: figures, Markdown + LaTeX, PDF and an Overleaf-ready zip. These rules read only
# result files and config["report"], so changing the report settings reruns only them.
# Include this file after every rule that produces results (benchmark.smk included).
from compressbench.report import workflow as report_workflow

REPORT_RULE_NAMES = {rule.name for rule in workflow.rules}
REPORT_BENCHMARK_APP = list(globals().get("BENCHMARK_APP_OUTPUTS", []))
REPORT_FIGURES = report_workflow.figure_names(REPORT_RULE_NAMES, REPORT_BENCHMARK_APP)
REPORT_INPUTS = report_workflow.result_inputs(
    TARGET_NAMES, REPORT_RULE_NAMES, REPORT_BENCHMARK_APP
)
REPORT_FIGURE_PDFS = expand("reports/figures/{name}.pdf", name=REPORT_FIGURES)
REPORT_FIGURE_PNGS = expand("reports/figures/{name}.png", name=REPORT_FIGURES)


rule report_plots:
    input:
        **REPORT_INPUTS,
    output:
        **report_workflow.figure_outputs(REPORT_FIGURES, report),
    log:
        "logs/report/plots.log",
    conda:
        "../envs/compressbench.yaml"
    resources:
        **job_resources("report_plots"),
    params:
        report=config["report"],
    script:
        "../scripts/plots.py"


rule render_report:
    input:
        **REPORT_INPUTS,
        figures=REPORT_FIGURE_PDFS,
        pngs=REPORT_FIGURE_PNGS,
        templates=[
            os.path.join(workflow.basedir, path)
            for path in report_workflow.TEMPLATE_FILES
        ],
    output:
        markdown=report(
            "reports/report.md", caption="../report/report_md.rst", category="Report"
        ),
        latex="reports/report.tex",
    log:
        "logs/report/render.log",
    conda:
        "../envs/compressbench.yaml"
    resources:
        **job_resources("render_report"),
    params:
        report=config["report"],
    script:
        "../scripts/render_report.py"


# Needs XeLaTeX + latexmk on the machine (the conda env has no TeX); the message says how to install.
rule report_pdf:
    input:
        latex=rules.render_report.output.latex,
        figures=REPORT_FIGURE_PDFS,
    output:
        pdf=report(
            "reports/report.pdf", caption="../report/report_pdf.rst", category="Report"
        ),
    log:
        "logs/report/pdf.log",
    conda:
        "../envs/compressbench.yaml"
    resources:
        **job_resources("report_pdf"),
    script:
        "../scripts/build_pdf.py"


rule report_zip:
    input:
        latex=rules.render_report.output.latex,
        figures=REPORT_FIGURE_PDFS,
    output:
        archive="reports/report-latex.zip",
    log:
        "logs/report/zip.log",
    conda:
        "../envs/compressbench.yaml"
    resources:
        **job_resources("report_zip"),
    script:
        "../scripts/zip_report.py"

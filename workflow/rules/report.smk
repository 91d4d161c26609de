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
# Every result file the report stands on, also those it reads only through summaries (raw timings,
# predictions). Snakemake does not rebuild a missing intermediate file while the files made from it
# are up to date, so one removed by an interrupted or failed run (or deleted) would stay missing
# under an unchanged report: rule all asks for them all, so the next plain run rebuilds it and
# then the summary and report that quote it.
RESULT_FILES = [
    *rules.prepare_data.output,
    *rules.train.output,
    *rules.export_onnx.output,
    *expand(
        [
            *rules.build_target.output,
            *rules.evaluate.output,
            *rules.parity.output,
            *(rules.benchmark.output if "benchmark" in REPORT_RULE_NAMES else []),
        ],
        target=TARGET_NAMES,
    ),
    *REPORT_BENCHMARK_APP,
    *(
        [rules.environment.output.environment]
        if "environment" in REPORT_RULE_NAMES
        else []
    ),
]
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
    script:
        "../scripts/zip_report.py"

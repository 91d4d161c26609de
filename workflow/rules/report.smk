# Analysis and report: findings, figures, Markdown + LaTeX, PDF and an Overleaf-ready zip. These rules
# read only result files, the project's texts and config["report"], so changing the report settings
# reruns only these rules; inputs and figures are plain functions of config (common.smk).


# Every comparison, verdict and explanation the report states, as data (compressbench.analysis).
rule analyze:
    input:
        **analysis_inputs(config),
        **{
            name: os.path.join(workflow.basedir, path)
            for name, path in report_workflow.ANALYSIS_FILES.items()
        },
        analysis_code=report_workflow.ANALYSIS_SOURCES,
    output:
        findings=paths.FINDINGS,
    log:
        "logs/analyze.log",
    resources:
        **job_resources("analyze"),
    params:
        served=serving(config),  # the service section's targets (none when the run does not serve)
    script:
        "../scripts/analyze.py"


rule report_plots:
    input:
        **report_inputs(config),
        findings=paths.FINDINGS,
        plot_code=report_workflow.PLOT_SOURCES,
    output:
        **report_workflow.figure_outputs(report_figures(config), report),
    log:
        "logs/report/plots.log",
    resources:
        **job_resources("report_plots"),
    params:
        report=config["report"],
        targets=config["targets"],  # in the order of the per-target inputs
    script:
        "../scripts/plots.py"


rule render_report:
    input:
        **report_inputs(config),
        findings=paths.FINDINGS,
        figures=report_workflow.figure_files(report_figures(config), "pdf"),
        pngs=report_workflow.figure_files(report_figures(config), "png"),
        templates=[
            os.path.join(workflow.basedir, path)
            for path in report_workflow.TEMPLATE_FILES
        ],
        render_code=report_workflow.RENDER_SOURCES,
    output:
        markdown=report(
            paths.REPORT_MD, caption="../report/report_md.rst", category="Report"
        ),
        latex=paths.REPORT_TEX,
    log:
        "logs/report/render.log",
    resources:
        **job_resources("render_report"),
    params:
        report=config["report"],
    script:
        "../scripts/render_report.py"


# Needs XeLaTeX + latexmk on the machine (setup.sh --with-tex); the message says how to install.
rule report_pdf:
    input:
        latex=paths.REPORT_TEX,
        figures=report_workflow.figure_files(report_figures(config), "pdf"),
    output:
        pdf=report(
            paths.REPORT_PDF, caption="../report/report_pdf.rst", category="Report"
        ),
    log:
        "logs/report/pdf.log",
    resources:
        **job_resources("report_pdf"),
    script:
        "../scripts/build_pdf.py"


rule report_zip:
    input:
        latex=paths.REPORT_TEX,
        figures=report_workflow.figure_files(report_figures(config), "pdf"),
    output:
        archive=paths.REPORT_ZIP,
    log:
        "logs/report/zip.log",
    resources:
        **job_resources("report_zip"),
    script:
        "../scripts/zip_report.py"

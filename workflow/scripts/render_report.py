from pathlib import Path

from compressbench.logs import logged
from compressbench.report import build_context, load_from_inputs, render_latex, render_markdown

with logged(snakemake.log[0]):
    data = load_from_inputs(snakemake.input)
    report_dir = Path(snakemake.output.markdown).parent
    figures = {
        Path(path).stem: Path(path).with_suffix("").relative_to(report_dir).as_posix()
        for path in snakemake.input.figures
    }
    context = build_context(data, snakemake.params.report, figures)
    Path(snakemake.output.markdown).write_text(render_markdown(context), encoding="utf-8")
    Path(snakemake.output.latex).write_text(render_latex(context), encoding="utf-8")
    for group in context["claims"]:
        for claim in group["claims"]:
            print(f"{group['runtime']}: {claim['verdict']}: {claim['text'][:70]}")

from pathlib import Path

from compressbench import plots
from compressbench.logs import logged
from compressbench.report import load_from_inputs
from compressbench.report.i18n import Strings

with logged(snakemake.log[0]):
    data = load_from_inputs(snakemake.input)
    strings = Strings(snakemake.params.report["language"])
    latency_files = dict(zip(snakemake.params.targets, map(Path, snakemake.input.latency), strict=True))
    for key in snakemake.output.keys():
        if key.endswith("_pdf"):
            name = key[: -len("_pdf")]
            written = plots.make_figure(name, data, strings, Path(snakemake.output[key]).with_suffix(""), latency_files)
            print(name, *written)

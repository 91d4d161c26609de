from pathlib import Path

from compressbench.logs import logged
from compressbench.preparation import PreparationTimings
from compressbench.spec import ModelSpec
from compressbench.targets import get_target
from compressbench.targets.context import BuildContext, build_target

with logged(snakemake.log[0]):
    inputs = snakemake.input
    context = BuildContext(
        spec=ModelSpec.load(inputs.spec),
        checkpoint=Path(inputs.weights),
        onnx_path=Path(inputs.onnx) if "onnx" in inputs.keys() else None,
        dataset_path=Path(inputs.data) if "data" in inputs.keys() else None,
        settings=snakemake.params.settings,
        threads=snakemake.params.threads,
        source_dir=Path(inputs.source) if "source" in inputs.keys() else None,
        search_choice=Path(inputs.chosen) if "chosen" in inputs.keys() else None,
    )
    timings = PreparationTimings.from_config(snakemake.params.timings)
    build_target(get_target(snakemake.wildcards.target), context, Path(snakemake.output.model_dir), timings)

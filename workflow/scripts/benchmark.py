from pathlib import Path

from compressbench.benchmark import BenchSettings, benchmark_target
from compressbench.data import load_dataset
from compressbench.logs import logged
from compressbench.model import ModelSpec
from compressbench.preprocess import normalize
from compressbench.targets import get_target

with logged(snakemake.log[0]):
    spec = ModelSpec.load(snakemake.input.spec)
    dataset = load_dataset(snakemake.input.data)
    images = normalize(dataset.test_images, spec.mean, spec.std)
    settings = BenchSettings.from_config(snakemake.params.benchmark, threads=snakemake.params.threads)
    target = get_target(snakemake.wildcards.target)
    summary = benchmark_target(
        target,
        Path(snakemake.input.model_dir),
        spec,
        images,
        settings,
        snakemake.params.runtime_options,
        snakemake.output,
    )
    print({key: value for key, value in summary.items() if not isinstance(value, (dict, list, str))})

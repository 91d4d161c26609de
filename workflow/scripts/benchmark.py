from pathlib import Path

from compressbench.benchmark import BenchSettings, benchmark_target
from compressbench.data import load_dataset
from compressbench.logs import exit_skipping_teardown, logged
from compressbench.spec import ModelSpec
from compressbench.preprocess import normalize
from compressbench.targets import get_target

with logged(snakemake.log[0]):
    spec = ModelSpec.load(snakemake.input.spec)

    def load_images(count=None):
        test_images = load_dataset(snakemake.input.data, train=False).test_images
        return normalize(test_images[:count], spec.mean, spec.std)

    settings = BenchSettings.from_config(snakemake.params.benchmark, threads=snakemake.params.threads)
    summary = benchmark_target(
        get_target(snakemake.wildcards.target),
        Path(snakemake.input.model_dir),
        spec,
        load_images,
        settings,
        snakemake.params.runtime_options,
        snakemake.output,
        repeat=int(snakemake.wildcards.repeat),
    )
    print({key: value for key, value in summary.items() if not isinstance(value, (dict, list, str))})
# the next timed job starts when this process is gone: skip the runtime's unloading
exit_skipping_teardown()

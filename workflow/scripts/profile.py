from pathlib import Path

from compressbench.data import load_dataset
from compressbench.logs import logged
from compressbench.opprofile import ProfileSettings, images_needed, profile_target
from compressbench.preprocess import normalize
from compressbench.spec import ModelSpec
from compressbench.tables import read_json
from compressbench.targets import get_target

with logged(snakemake.log[0]):
    spec = ModelSpec.load(snakemake.input.spec)
    batch_best = int(read_json(snakemake.input.bench)["batch_size_best"])
    test_images = load_dataset(snakemake.input.data, train=False).test_images[: images_needed(batch_best)]
    profiles = profile_target(
        get_target(snakemake.wildcards.target),
        Path(snakemake.input.model_dir),
        spec,
        normalize(test_images, spec.mean, spec.std),
        snakemake.params.threads,
        snakemake.params.runtime_options,
        batch_best,
        ProfileSettings.from_config(snakemake.params.profile),
        snakemake.output,
    )
    for profile in profiles:
        print(
            f"batch {profile.batch}: {len(profile.layers)} layers, profiled call {profile.profiled_call_us:.1f} us "
            f"(without the profiler {profile.call_us:.1f} us), outside operators {profile.outside_us:.1f} us"
        )

from pathlib import Path

from compressbench.logs import logged
from compressbench.serve.job import job_data, serve_job
from compressbench.serve.settings import ServeSettings
from compressbench.spec import ModelSpec
from compressbench.targets import get_target

with logged(snakemake.log.job):
    spec = ModelSpec.load(snakemake.input.spec)
    settings = ServeSettings.from_config(snakemake.params.serve, threads=snakemake.params.threads)
    data = job_data(snakemake.input.data, spec, snakemake.input.predictions, settings.parity_images)
    facts = serve_job(
        get_target(snakemake.wildcards.target),
        Path(snakemake.input.model_dir).parents[2],  # the run folder: results/models/<target> in it
        data,
        settings,
        snakemake.params.runtime_options,
        snakemake.output,
        Path(snakemake.log.server),
        repeat=int(snakemake.wildcards.repeat),
    )
    print({key: facts[key] for key in ("target", "repeat", "cpus", "threads", "precision")})

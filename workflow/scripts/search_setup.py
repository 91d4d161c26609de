from pathlib import Path

from compressbench import paths
from compressbench.logs import logged
from compressbench.search.study import create_study
from compressbench.search.trial import base_accuracy, digests, trial_context
from compressbench.tables import write_json

with logged(snakemake.log[0]):
    params = snakemake.params
    storage = paths.beside(snakemake.output.study, paths.SEARCH_STORAGE)
    work_dir = Path(paths.beside(snakemake.output.study, paths.SEARCH_BASE_BUILD))
    context = trial_context(snakemake.input, params, params.threads, None, work_dir)
    fingerprint = {**params.fingerprint, **digests(snakemake.input.weights, context.dataset)}
    accuracy = base_accuracy(context, params.base, work_dir) if params.base else None
    study = create_study(storage, params.directions, fingerprint, accuracy, params.candidates)
    summary = {
        "storage": storage,
        "study": study.study_name,
        "base": params.base,
        "base_validation_accuracy": study.user_attrs["base_validation_accuracy"],  # the first setup's
        "validation_images": int(len(context.dataset.validation_labels)),
        "fingerprint": fingerprint,
    }
    write_json(summary, snakemake.output.study)
    print({key: value for key, value in summary.items() if key != "fingerprint"})

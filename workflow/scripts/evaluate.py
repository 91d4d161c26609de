from pathlib import Path

from compressbench.data import load_dataset
from compressbench.evaluation import EvalSettings, evaluate, write_evaluation
from compressbench.logs import logged
from compressbench.model import ModelSpec
from compressbench.targets import get_target

with logged(snakemake.log[0]):
    spec = ModelSpec.load(snakemake.input.spec)
    dataset = load_dataset(snakemake.input.data, train=False)
    settings = EvalSettings.from_config(snakemake.params.evaluate, threads=snakemake.params.threads)
    target = get_target(snakemake.wildcards.target)
    result = evaluate(target, Path(snakemake.input.model_dir), spec, dataset, settings, snakemake.params.runtime_options)
    write_evaluation(result, dataset, spec, snakemake.output)
    print({key: value for key, value in result["metrics"].items() if not isinstance(value, list)})

from compressbench.data import load_dataset
from compressbench.logs import logged
from compressbench.training import TrainSettings, save_checkpoint, train, write_train_log

with logged(snakemake.log[0]):
    settings = TrainSettings.from_config(snakemake.params.train, threads=snakemake.params.threads)
    model, spec, log_rows = train(load_dataset(snakemake.input.data), settings, snakemake.params.model)
    save_checkpoint(model, snakemake.output.weights)
    spec.save(snakemake.output.spec)
    write_train_log(log_rows, snakemake.output.train_log)

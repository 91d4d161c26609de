from compressbench.data import prepare_dataset, save_dataset
from compressbench.logs import logged
from compressbench.tables import write_json

with logged(snakemake.log[0]):
    settings = snakemake.params.dataset
    dataset = prepare_dataset(
        settings["name"],
        settings["root"],
        settings["image_size"],
        settings["train_limit"],
        settings["test_limit"],
        seed=snakemake.params.seed,
        workers=snakemake.threads,
        validation_size=settings.get("validation_size", 0),
    )
    save_dataset(dataset, snakemake.output.data)
    summary = {
        "source": settings["name"],
        "root": settings["root"],
        "train_images": int(len(dataset.train_labels)),
        "test_images": int(len(dataset.test_labels)),
        "validation_images": int(len(dataset.validation_labels)),
        "channels": dataset.channels,
        "image_size": dataset.image_size,
        "class_names": dataset.class_names,
    }
    write_json(summary, snakemake.output.summary)
    print(summary)

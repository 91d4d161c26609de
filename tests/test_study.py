import pytest

from compressbench.study import (
    DATA_SETTINGS,
    MODEL_SETTINGS,
    StudyError,
    expand_study,
    provider,
    swept_keys,
)

BASE = {
    "dataset": {"name": "digits", "root": None},
    "model": {"name": "lenet5", "kwargs": {}},
    "train": {"epochs": 2, "seed": 0},
    "compression": {"pruning_sparsity": 0.5},
    "targets": ["pytorch"],
}


def with_study(study):
    return {**BASE, "study": study}


def test_grid_is_every_combination_with_readable_names():
    runs = expand_study(with_study({"grid": {"model.name": ["lenet5", "resnet8"], "train.seed": [0, 1]}}))
    assert list(runs) == ["name-lenet5_seed-0", "name-lenet5_seed-1", "name-resnet8_seed-0", "name-resnet8_seed-1"]
    assert runs["name-resnet8_seed-1"]["model"]["name"] == "resnet8"
    assert runs["name-resnet8_seed-1"]["train"] == {"epochs": 2, "seed": 1}
    assert "study" not in runs["name-lenet5_seed-0"]
    assert BASE["train"]["seed"] == 0  # the base config is not modified


def test_explicit_runs_and_grid_together():
    config = with_study(
        {"grid": {"compression.pruning_sparsity": [0.25, 0.75]}, "runs": [{"name": "long", "set": {"train.epochs": 9}}]}
    )
    runs = expand_study(config)
    assert list(runs) == ["pruning_sparsity-0.25", "pruning_sparsity-0.75", "long"]
    assert runs["long"]["train"]["epochs"] == 9
    assert swept_keys(config) == ["compression.pruning_sparsity", "train.epochs"]


@pytest.mark.parametrize(
    ("study", "message"),
    [
        ({"grid": {"train.epoch": [1]}}, "'train.epoch' is not a setting"),
        ({"grid": {"train.seed": []}}, "study.grid.train.seed: needs a non-empty list"),
        ({"grid": {"train.seed": 3}}, "study.grid.train.seed: needs a non-empty list"),
        ({"runs": [{"name": "a/b", "set": {}}]}, "study.runs[0].name"),
        ({"runs": [{"name": "x", "sett": {}}]}, "study.runs[0]"),
        ({"runs": [{"name": "x"}, {"name": "x"}]}, "two runs are named 'x'"),
        ({}, "lists no runs"),
        ({"grid": {"dataset.name.deeper": [1]}}, "not a setting"),
    ],
)
def test_bad_study_names_the_key(study, message):
    with pytest.raises(StudyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        expand_study(with_study(study))


def test_runs_share_data_and_model_where_settings_agree():
    runs = expand_study(with_study({"grid": {"train.seed": [0, 1], "compression.pruning_sparsity": [0.25, 0.5]}}))
    names = list(runs)
    # compression settings do not change data or training: same seed -> same provider
    assert provider(runs, "seed-0_pruning_sparsity-0.5", MODEL_SETTINGS) == "seed-0_pruning_sparsity-0.25"
    assert provider(runs, "seed-1_pruning_sparsity-0.5", MODEL_SETTINGS) == "seed-1_pruning_sparsity-0.25"
    # the seed picks the stratified subsets, so data differs between seeds
    assert provider(runs, "seed-1_pruning_sparsity-0.25", DATA_SETTINGS) == "seed-1_pruning_sparsity-0.25"
    assert all(provider(runs, name, ["dataset"]) == names[0] for name in names)

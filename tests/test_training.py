"""Tests for compressbench.training: a seeded run is bitwise reproducible on one machine."""

from __future__ import annotations

import csv
import dataclasses

import numpy as np
import pytest
import torch
from conftest import make_settings

from compressbench.data import Dataset, load_digits_source, stratified_subset
from compressbench.model import LeNet5, load_weights
from compressbench.preprocess import channel_stats
from compressbench.training import (
    TRAIN_LOG_COLUMNS,
    TrainSettings,
    make_optimizer,
    make_scheduler,
    make_spec,
    random_crop,
    resolve_device,
    save_checkpoint,
    train,
    write_train_log,
)


@pytest.fixture(autouse=True)
def restore_torch_globals():
    """train() sets the thread count and deterministic algorithms process-wide; undo that."""
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    yield
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic)


@pytest.fixture(scope="module")
def digits() -> Dataset:
    """300 train and 200 test digits at 32x32, one channel, stratified."""
    dataset = load_digits_source(32)
    dataset.train_images, dataset.train_labels = stratified_subset(dataset.train_images, dataset.train_labels, 300, 0)
    dataset.test_images, dataset.test_labels = stratified_subset(dataset.test_images, dataset.test_labels, 200, 0)
    return dataset


SETTINGS = make_settings(TrainSettings, "train", epochs=2, batch_size=64, learning_rate=0.003, threads=1, seed=0)


@pytest.fixture(scope="module")
def two_runs(digits):
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    runs = [train(digits, SETTINGS) for _ in range(2)]
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic)
    return runs


def tiny_dataset(channels: int) -> Dataset:
    images = np.arange(2 * channels * 16 * 16, dtype=np.int64).reshape(2, channels, 16, 16) % 256
    return Dataset(images.astype(np.uint8), np.array([0, 1]), images.astype(np.uint8), np.array([1, 0]), ["a", "b"])


def test_same_seed_gives_bitwise_identical_weights(two_runs):
    (model_a, _, _), (model_b, _, _) = two_runs
    state_a, state_b = model_a.state_dict(), model_b.state_dict()
    assert list(state_a) == list(state_b)
    for name in state_a:
        assert state_a[name].numpy().tobytes() == state_b[name].numpy().tobytes(), name


def test_same_seed_gives_identical_logs_and_specs(two_runs):
    (_, spec_a, log_a), (_, spec_b, log_b) = two_runs
    assert spec_a == spec_b
    for row_a, row_b in zip(log_a, log_b, strict=True):
        for column in ["epoch", "train_loss", "train_accuracy", "test_accuracy"]:
            assert row_a[column] == row_b[column], column


def test_other_seed_gives_other_weights(digits, two_runs):
    model_a = two_runs[0][0]
    model_c, _, _ = train(digits, dataclasses.replace(SETTINGS, seed=1))
    assert not torch.equal(model_a.state_dict()["features.0.weight"], model_c.state_dict()["features.0.weight"])


def test_log_rows_have_the_train_log_columns(two_runs):
    _, _, log = two_runs[0]
    assert [row["epoch"] for row in log] == [1, 2]
    for row in log:
        assert list(row) == TRAIN_LOG_COLUMNS
        assert 0.0 <= row["train_accuracy"] <= 1.0 and 0.0 <= row["test_accuracy"] <= 1.0
        assert row["train_loss"] > 0 and row["seconds"] >= 0


def test_training_learns_something(two_runs):
    model, _, log = two_runs[0]
    assert not model.training
    assert log[1]["train_loss"] < log[0]["train_loss"]
    assert log[-1]["test_accuracy"] > 0.2  # 10 classes: chance is 0.1


def test_spec_describes_the_data(digits, two_runs):
    _, spec, _ = two_runs[0]
    assert spec.in_channels == 1 and spec.input_size == 32 and spec.num_classes == 10
    assert spec.class_names == [str(d) for d in range(10)]
    mean, std = channel_stats(digits.train_images)
    assert spec.mean == mean and spec.std == std


def test_write_train_log_is_tab_separated_with_header(two_runs, tmp_path):
    _, _, log = two_runs[0]
    path = tmp_path / "train_log.tsv"
    write_train_log(log, path)
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    assert rows[0] == TRAIN_LOG_COLUMNS
    assert len(rows) == 1 + len(log)
    assert [int(row[0]) for row in rows[1:]] == [1, 2]
    assert float(rows[2][3]) == log[1]["test_accuracy"]


def test_checkpoint_reloads_through_load_weights(two_runs, tmp_path):
    model, spec, _ = two_runs[0]
    path = tmp_path / "model.pt"
    save_checkpoint(model, path)
    loaded = load_weights(spec, path)
    for name, tensor in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], tensor), name


def test_sgd_without_flip_trains(digits):
    settings = make_settings(
        TrainSettings, "train", epochs=1, optimizer="sgd", learning_rate=0.01, horizontal_flip=False, threads=1
    )
    model, spec, log = train(digits, settings)
    assert len(log) == 1 and spec.num_classes == 10
    assert all(torch.isfinite(tensor).all() for tensor in model.state_dict().values())


# --- make_spec -----------------------------------------------------------------------


def test_make_spec_dataset_normalization():
    dataset = tiny_dataset(3)
    spec = make_spec(dataset, "dataset")
    assert (spec.mean, spec.std) == channel_stats(dataset.train_images)
    assert spec.input_shape == (3, 16, 16) and spec.num_classes == 2 and spec.class_names == ["a", "b"]


def test_make_spec_no_normalization():
    spec = make_spec(tiny_dataset(3), "none")
    assert spec.mean == [0.0, 0.0, 0.0] and spec.std == [1.0, 1.0, 1.0]


def test_make_spec_explicit_normalization():
    spec = make_spec(tiny_dataset(3), {"mean": (0.1, 0.2, 0.3), "std": [0.4, 0.5, 0.6]})
    assert spec.mean == [0.1, 0.2, 0.3] and spec.std == [0.4, 0.5, 0.6]


@pytest.mark.parametrize(
    ("channels", "normalization", "got"),
    [
        (1, {"mean": [0.5, 0.5, 0.5], "std": [0.2, 0.2, 0.2]}, "got 3 and 3"),
        (3, {"mean": [0.5], "std": [0.2]}, "got 1 and 1"),
        (3, {"mean": [0.5, 0.5, 0.5], "std": [0.2, 0.2]}, "got 3 and 2"),
        (1, {"mean": [0.5], "std": []}, "got 1 and 0"),
    ],
)
def test_make_spec_explicit_normalization_of_wrong_length(channels, normalization, got):
    with pytest.raises(ValueError, match=f"need {channels} values \\(one per channel\\), {got}"):
        make_spec(tiny_dataset(channels), normalization)


def test_train_rejects_wrong_normalization_before_training(digits):
    settings = make_settings(
        TrainSettings, "train", epochs=1, threads=1, normalization={"mean": [0.1, 0.2, 0.3], "std": [1, 1, 1]}
    )
    with pytest.raises(ValueError, match="train.normalization"):
        train(digits, settings)


# --- make_optimizer ------------------------------------------------------------------


def test_make_optimizer_adam_and_sgd():
    model = LeNet5(1, 10, 16)
    adam = make_optimizer(
        model, make_settings(TrainSettings, "train", optimizer="adam", learning_rate=0.01, weight_decay=0.1)
    )
    assert isinstance(adam, torch.optim.Adam)
    assert adam.defaults["lr"] == 0.01 and adam.defaults["weight_decay"] == 0.1
    sgd = make_optimizer(model, make_settings(TrainSettings, "train", optimizer="sgd", learning_rate=0.1, momentum=0.8))
    assert isinstance(sgd, torch.optim.SGD)
    assert sgd.defaults["lr"] == 0.1 and sgd.defaults["momentum"] == 0.8


@pytest.mark.parametrize("name", ["rmsprop", "Adam", ""])
def test_unknown_optimizer_raises(name):
    with pytest.raises(ValueError, match=f"train.optimizer={name!r}: use adam or sgd"):
        make_optimizer(LeNet5(1, 10, 16), make_settings(TrainSettings, "train", optimizer=name))


def test_train_with_unknown_optimizer_raises(digits):
    with pytest.raises(ValueError, match="use adam or sgd"):
        train(digits, make_settings(TrainSettings, "train", epochs=1, threads=1, optimizer="rmsprop"))


# --- device, mixed precision, schedule, augmentation, other models -------------------


def test_spec_records_device_amp_model_and_summary(two_runs):
    _, spec, _ = two_runs[0]
    assert spec.train["device"] == "auto" and spec.train["amp"] == "none"
    assert spec.train["device_used"] == ("cpu" if not torch.cuda.is_available() else torch.cuda.get_device_name())
    assert spec.model == {"name": "lenet5"}
    assert spec.summary["architecture"] == "LeNet-5" and spec.summary["params"] == 61_706


def test_bf16_autocast_trains_on_cpu(digits):
    settings = make_settings(
        TrainSettings, "train", epochs=1, threads=1, device="cpu", amp="bf16", horizontal_flip=False
    )
    model, spec, log = train(digits, settings)
    assert spec.train["amp"] == "bf16" and spec.train["device_used"] == "cpu"
    assert all(tensor.dtype == torch.float32 for tensor in model.state_dict().values())  # weights stay FP32
    assert log[0]["train_loss"] > 0 and np.isfinite(log[0]["train_loss"])


def test_fp16_on_cpu_fails_before_training(digits):
    with pytest.raises(ValueError, match="train.amp=fp16 needs CUDA"):
        train(digits, make_settings(TrainSettings, "train", epochs=1, threads=1, device="cpu", amp="fp16"))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_cuda_without_cuda_fails_before_training(digits):
    with pytest.raises(ValueError, match="train.device=cuda: CUDA is not available"):
        train(digits, make_settings(TrainSettings, "train", epochs=1, threads=1, device="cuda"))


def test_auto_device_is_cpu_without_cuda():
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="train.device='tpu'"):
        resolve_device("tpu")


def test_cosine_schedule_anneals_to_zero():
    model = LeNet5(1, 10, 16)
    settings = make_settings(TrainSettings, "train", epochs=4, learning_rate=0.1, optimizer="sgd", lr_schedule="cosine")
    optimizer = make_optimizer(model, settings)
    scheduler = make_scheduler(optimizer, settings)
    rates = []
    for _ in range(settings.epochs):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert rates[0] == 0.1 and rates == sorted(rates, reverse=True)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="train.lr_schedule='step'"):
        make_scheduler(optimizer, make_settings(TrainSettings, "train", lr_schedule="step"))


def test_random_crop_cuts_a_shifted_window_of_the_padded_image():
    batch = torch.arange(2 * 1 * 4 * 4, dtype=torch.float32).reshape(2, 1, 4, 4) + 1
    crops = random_crop(batch, 2, torch.Generator().manual_seed(0))
    again = random_crop(batch, 2, torch.Generator().manual_seed(0))
    assert crops.shape == batch.shape and torch.equal(crops, again)
    padded = torch.nn.functional.pad(batch, (2, 2, 2, 2))
    for image, crop in zip(padded, crops, strict=True):
        windows = [image[:, y : y + 4, x : x + 4] for y in range(5) for x in range(5)]
        assert any(torch.equal(window, crop) for window in windows)


def test_resnet_with_crop_and_cosine_trains(digits):
    settings = make_settings(
        TrainSettings,
        "train",
        epochs=3,
        batch_size=32,
        threads=1,
        learning_rate=0.01,
        lr_schedule="cosine",
        random_crop_padding=2,
    )
    model, spec, log = train(digits, settings, {"name": "resnet8", "shortcut": None, "kwargs": {}})
    assert spec.model == {"name": "resnet8"} and spec.summary["architecture"] == "ResNet-8"
    assert spec.train["lr_schedule"] == "cosine" and spec.train["random_crop_padding"] == 2
    assert log[-1]["train_loss"] < log[0]["train_loss"]
    assert log[-1]["test_accuracy"] > 0.2  # 10 classes: chance is 0.1
    assert not model.training and next(model.parameters()).device.type == "cpu"


def test_broken_model_fails_before_training(digits):
    with pytest.raises(ValueError, match="model.name='byo_models:wrong_output'"):
        train(digits, make_settings(TrainSettings, "train", epochs=50, threads=1), {"name": "byo_models:wrong_output"})

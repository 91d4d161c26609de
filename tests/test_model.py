"""Tests for compressbench.model: LeNet-5 sizing, its spec file and safe weight loading."""

from __future__ import annotations

import os

import pytest
import torch

from compressbench.model import LeNet5, ModelSpec, build_model, count_parameters, feature_map_size, load_weights


def make_spec(in_channels: int = 3, input_size: int = 32, num_classes: int = 10) -> ModelSpec:
    return ModelSpec(
        in_channels=in_channels,
        input_size=input_size,
        num_classes=num_classes,
        class_names=[f"class_{i}" for i in range(num_classes)],
        mean=[0.5] * in_channels,
        std=[0.25] * in_channels,
    )


@pytest.mark.parametrize("in_channels", [3, 1])
def test_lenet5_output_shape(in_channels):
    torch.manual_seed(0)
    model = LeNet5(in_channels=in_channels, num_classes=10, input_size=32).eval()
    with torch.inference_mode():
        logits = model(torch.zeros(4, in_channels, 32, 32))
    assert logits.shape == (4, 10)
    assert logits.dtype == torch.float32


def test_lenet5_output_shape_for_other_sizes():
    model = LeNet5(in_channels=1, num_classes=7, input_size=64).eval()
    with torch.inference_mode():
        assert model(torch.zeros(2, 1, 64, 64)).shape == (2, 7)


def test_parameter_count_of_coursework_lenet5():
    # conv1 3*6*5*5 + 6 = 456; conv2 6*16*5*5 + 16 = 2416; fc1 16*5*5*120 + 120 = 48120;
    # fc2 120*84 + 84 = 10164; fc3 84*10 + 10 = 850; total 456 + 2416 + 48120 + 10164 + 850 = 62006
    assert count_parameters(LeNet5(3, 10, 32)) == 62_006
    # one input channel: conv1 1*6*5*5 + 6 = 156, i.e. 300 fewer
    assert count_parameters(LeNet5(1, 10, 32)) == 61_706


@pytest.mark.parametrize(("input_size", "side"), [(32, 5), (28, 4), (16, 1), (17, 1), (64, 13)])
def test_feature_map_size(input_size, side):
    # ((input - 4) // 2 - 4) // 2, e.g. 32 -> 28 -> 14 -> 10 -> 5
    assert feature_map_size(input_size) == side


@pytest.mark.parametrize("input_size", [15, 8, 1])
def test_feature_map_size_too_small(input_size):
    with pytest.raises(ValueError, match=f"model.input_size={input_size}: LeNet-5 needs at least 16 pixels"):
        feature_map_size(input_size)
    with pytest.raises(ValueError, match="at least 16 pixels"):
        LeNet5(1, 10, input_size)


def test_model_spec_save_load_round_trip(tmp_path):
    spec = ModelSpec(
        in_channels=3,
        input_size=32,
        num_classes=3,
        class_names=["airplane", "café", "猫"],
        mean=[0.4914, 0.4822, 0.4465],
        std=[0.247, 0.2435, 0.2616],
    )
    path = tmp_path / "spec.json"
    spec.save(path)
    loaded = ModelSpec.load(path)
    assert loaded == spec
    assert loaded.input_shape == (3, 32, 32)


def test_build_model_follows_spec():
    spec = make_spec(in_channels=1, input_size=28, num_classes=4)
    model = build_model(spec)
    with torch.inference_mode():
        assert model(torch.zeros(1, *spec.input_shape)).shape == (1, 4)


def test_load_weights_round_trip(tmp_path):
    spec = make_spec()
    torch.manual_seed(1)
    model = build_model(spec)
    path = tmp_path / "weights.pt"
    torch.save(model.state_dict(), path)
    loaded = load_weights(spec, path)
    assert not loaded.training
    for name, tensor in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], tensor), name
    images = torch.rand(2, 3, 32, 32)
    with torch.inference_mode():
        assert torch.equal(loaded(images), model.eval()(images))


class _Payload:
    """Runs os.mkdir(path) when unpickled by an unrestricted unpickler."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (str(self.path),))


def test_load_weights_refuses_pickled_objects_without_running_them(tmp_path):
    sentinel = tmp_path / "pwned"
    path = tmp_path / "weights.pt"
    torch.save(_Payload(sentinel), path)
    with pytest.raises(ValueError, match="not a LeNet-5 state dict") as error:
        load_weights(make_spec(), path)
    assert str(path) in str(error.value)
    assert not sentinel.exists()
    # the payload is live: loading without weights_only would have run it
    torch.load(path, weights_only=False)
    assert sentinel.is_dir()


def test_load_weights_refuses_plain_custom_object(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save({"model": _Payload(tmp_path / "never")}, path)
    with pytest.raises(ValueError, match="not a LeNet-5 state dict"):
        load_weights(make_spec(), path)
    assert not (tmp_path / "never").exists()


def test_load_weights_refuses_state_dict_of_other_shape(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save(LeNet5(1, 10, 32).state_dict(), path)  # one input channel
    with pytest.raises(ValueError, match="not a LeNet-5 state dict for this data"):
        load_weights(make_spec(in_channels=3), path)
    torch.save({"features.0.weight": torch.zeros(6, 3, 5, 5)}, path)  # missing keys
    with pytest.raises(ValueError, match="not a LeNet-5 state dict"):
        load_weights(make_spec(), path)


def test_load_weights_refuses_garbage_and_missing_files(tmp_path):
    path = tmp_path / "weights.pt"
    path.write_bytes(b"definitely not a checkpoint")
    with pytest.raises(ValueError, match="not a LeNet-5 state dict"):
        load_weights(make_spec(), path)
    with pytest.raises((ValueError, FileNotFoundError), match="missing.pt"):
        load_weights(make_spec(), tmp_path / "missing.pt")

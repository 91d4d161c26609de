"""Tests for compressbench.model: the registry and bring-your-own models, their errors, the spec file,
safe weight loading and the model summary."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest
import torch

from compressbench.model import (
    LeNet5,
    ModelConfigError,
    ModelSpec,
    build_model,
    count_parameters,
    feature_map_size,
    load_weights,
    model_settings,
)
from compressbench.model_summary import describe


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


# --- registry, bring-your-own models and their errors ---------------------------------


def spec_for(model: dict, in_channels: int = 3, input_size: int = 32, num_classes: int = 10) -> ModelSpec:
    spec = make_spec(in_channels, input_size, num_classes)
    spec.model = model
    return spec


@pytest.mark.parametrize(
    "model",
    [
        {"name": "lenet5"},
        {"name": "resnet8"},
        {"name": "resnet20", "shortcut": "B"},
        {"name": "mobilenetv2", "width_multiplier": 0.25},
        {"name": "byo_models:TinyNet", "kwargs": {"width": 4}},
    ],
)
@pytest.mark.parametrize(("in_channels", "input_size", "num_classes"), [(3, 32, 10), (1, 16, 7)])
def test_every_model_is_sized_from_the_data(model, in_channels, input_size, num_classes):
    spec = spec_for(model, in_channels, input_size, num_classes)
    network = build_model(spec).eval()
    with torch.inference_mode():
        assert network(torch.zeros(3, in_channels, input_size, input_size)).shape == (3, num_classes)


def test_resnet_parameter_counts():
    # ResNet-8, option A: stem 3*16*9 + BN 32 = 464; stage 1 block 2*(16*16*9 + 32) = 4672;
    # stage 2 block 16*32*9 + 64 + 32*32*9 + 64 = 13952; stage 3 block 32*64*9 + 128 + 64*64*9 + 128
    # = 55552; fc 64*10 + 10 = 650; total 75290 (zero-padding shortcuts have no parameters)
    assert count_parameters(build_model(spec_for({"name": "resnet8"}))) == 75_290
    # ResNet-20: He et al. 2016, Table 6 gives 0.27M
    assert round(count_parameters(build_model(spec_for({"name": "resnet20"}))), -4) == 270_000
    # option B adds a 1x1 conv + BN at the two stage changes: 16*32 + 64 + 32*64 + 128 = 2752
    assert count_parameters(build_model(spec_for({"name": "resnet8", "shortcut": "B"}))) == 75_290 + 2_752


def test_mobilenetv2_width_multiplier_shrinks_it():
    full = count_parameters(build_model(spec_for({"name": "mobilenetv2"})))
    quarter = count_parameters(build_model(spec_for({"name": "mobilenetv2", "width_multiplier": 0.25})))
    assert 2.0e6 < full < 2.5e6  # torchvision's MobileNetV2 (2.2M at 10 classes)
    assert quarter < full / 5


def test_model_kwargs_reach_a_byo_builder():
    narrow = build_model(spec_for({"name": "byo_models:TinyNet", "kwargs": {"width": 2}}))
    wide = build_model(spec_for({"name": "byo_models:TinyNet", "kwargs": {"width": 8}}))
    assert narrow.head.in_features == 4 * 8 * 8 and wide.head.in_features == 16 * 8 * 8  # 32x32 pooled twice


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ({"name": "resnet50"}, "model.name='resnet50': unknown"),
        ({"name": "byo models:Tiny"}, "package.module:callable"),
        ({"name": "resnet8", "width_multiplier": 0.5}, "model.width_multiplier=0.5: resnet8 does not take it"),
        ({"name": "lenet5", "shortcut": "B"}, "model.shortcut='B': lenet5 does not take it"),
        ({"name": "no_such_module_here:Net"}, "cannot import module 'no_such_module_here'"),
        ({"name": "byo_models:Missing"}, "module 'byo_models' has no attribute 'Missing'"),
        ({"name": "byo_models:NOT_CALLABLE"}, "'NOT_CALLABLE' is a int, not a callable"),
        ({"name": "byo_models:raises"}, "raised RuntimeError: this builder always fails"),
        ({"name": "byo_models:returns_a_list"}, "returned a list, not a torch.nn.Module"),
        ({"name": "byo_models:wrong_output"}, r"output for 2 images is \(2, 11\); expected .*\(2, 10\)"),
        ({"name": "byo_models:fails_forward"}, r"forward pass on a \(2, 3, 32, 32\) batch raised RuntimeError"),
        ({"name": "byo_models:TinyNet", "kwargs": {"depth": 3}}, "unexpected keyword argument 'depth'"),
        ({"name": "mobilenetv2", "width_multiplier": -1}, "model.width_multiplier=-1: must be positive"),
    ],
)
def test_bad_model_configs_name_the_key_and_value(model, message):
    with pytest.raises(ModelConfigError, match=message) as error:
        build_model(spec_for(model))
    assert "model." in str(error.value)


def test_a_module_that_raises_on_import_is_reported(tmp_path, monkeypatch):
    (tmp_path / "broken_byo.py").write_text("raise ImportError('needs a package that is not installed')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(
        ModelConfigError, match="model.name='broken_byo:Net': importing 'broken_byo' raised ImportError"
    ):
        build_model(spec_for({"name": "broken_byo:Net"}))


def test_spec_records_the_model_and_old_specs_mean_lenet5(tmp_path):
    spec = spec_for({"name": "resnet8", "shortcut": "B"})
    spec.save(tmp_path / "spec.json")
    assert ModelSpec.load(tmp_path / "spec.json").model == {"name": "resnet8", "shortcut": "B"}
    old = {key: value for key, value in dataclasses.asdict(make_spec()).items() if key not in ("model", "summary")}
    (tmp_path / "old.json").write_text(json.dumps(old))
    assert isinstance(build_model(ModelSpec.load(tmp_path / "old.json")), LeNet5)


def test_model_settings_drop_unset_options():
    config = {"name": "mobilenetv2", "width_multiplier": None, "shortcut": None, "kwargs": {}}
    assert model_settings(config) == {"name": "mobilenetv2"}
    assert model_settings(None) == {"name": "lenet5"}


def test_weights_of_another_architecture_are_refused(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save(build_model(spec_for({"name": "resnet8"})).state_dict(), path)
    with pytest.raises(ValueError, match="not a ResNet-20 state dict"):
        load_weights(spec_for({"name": "resnet20"}), path)
    loaded = load_weights(spec_for({"name": "resnet8"}), path)
    assert not loaded.training


# --- model summary ---------------------------------------------------------------------


def test_lenet5_summary_counts_layers_params_and_macs():
    summary = describe(LeNet5(3, 10, 32), (3, 32, 32), "LeNet-5")
    # conv1 6*28*28 outputs x 3*5*5 = 352800; conv2 16*10*10 x 6*5*5 = 240000;
    # fc 400*120 + 120*84 + 84*10 = 58920; total 651720
    assert summary["macs"] == 651_720
    assert summary["params"] == summary["trainable_params"] == 62_006
    assert summary["layer_counts"] == {"Conv2d": 2, "ReLU": 4, "MaxPool2d": 2, "Flatten": 1, "Linear": 3}
    first = summary["layers"][0]
    assert first == {
        "name": "features.0",
        "type": "Conv2d",
        "output_shape": [6, 28, 28],
        "params": 456,
        "macs": 352_800,
    }
    assert sum(layer["params"] for layer in summary["layers"]) == summary["params"]
    assert sum(layer["macs"] for layer in summary["layers"]) == summary["macs"]


def test_resnet_summary_leaves_out_identity_shortcuts():
    summary = describe(build_model(spec_for({"name": "resnet8"})), (3, 32, 32), "ResNet-8")
    assert summary["layer_counts"]["Conv2d"] == 7 and summary["layer_counts"]["BatchNorm2d"] == 7
    assert "Identity" not in summary["layer_counts"]
    assert summary["layers"][-1]["output_shape"] == [10]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ({"name": "vgg16"}, "model.name='vgg16': unknown"),
        ({"name": "pkg.mod:"}, "model.name='pkg.mod:': write a bring-your-own model as package.module:callable"),
        ({"name": "mobilenetv2", "shortcut": "A"}, "model.shortcut='A': mobilenetv2 does not take it"),
    ],
)
def test_config_check_names_bad_model_settings_before_anything_runs(model, message):
    from compressbench.config import ConfigError, load_config

    with pytest.raises(ConfigError, match=message):
        load_config({"model": model})

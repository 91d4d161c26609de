"""The model: its spec file, the registry or bring-your-own builder, and safe weight loading.

`spec.json` (ModelSpec) holds everything needed to rebuild the network after training: the data's
shape and normalisation and the `model` section of the config. Weights are a plain state dict
loaded with `weights_only=True`, so no pickled code runs; a bring-your-own model's module is
imported from config, i.e. it runs the user's code because the user chose it.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import torch
from torch import nn

from .architectures import ARCHITECTURES, builder_arguments, check_model_config, model_source_digest
from .architectures.lenet import LeNet5, feature_map_size

# Defined without torch (benchmark processes of other runtimes never import it); re-exported here.
from .spec import DEFAULT_MODEL, ModelSpec

__all__ = ["LeNet5", "ModelConfigError", "ModelSpec", "build_model", "feature_map_size", "load_weights"]


class ModelConfigError(ValueError):
    """A `model.*` setting that does not build a working classifier for this data."""


def model_settings(model: dict | None) -> dict:
    """The `model` config section as recorded in spec.json: unset (null) options and empty kwargs dropped."""
    settings = {key: value for key, value in (model or DEFAULT_MODEL).items() if value not in (None, {})}
    settings.setdefault("name", DEFAULT_MODEL["name"])
    try:
        check_model_config(settings)
    except ValueError as error:
        raise ModelConfigError(str(error)) from None
    return settings


def model_label(model: dict) -> str:
    """Human name: the registry's label, or the bring-your-own `module:callable`."""
    name = model.get("name", DEFAULT_MODEL["name"])
    return ARCHITECTURES[name].label if name in ARCHITECTURES else name


def resolve_builder(name: str):
    """The callable behind `model.name`; a bring-your-own module is imported from the working
    directory or PYTHONPATH."""
    module_name, _, attribute = (ARCHITECTURES[name].builder if name in ARCHITECTURES else name).partition(":")
    where = f"model.name={name!r}"
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        raise ModelConfigError(
            f"{where}: cannot import module {module_name!r} ({error}); it must be importable "
            "from the working directory or PYTHONPATH"
        ) from error
    except Exception as error:
        raise ModelConfigError(f"{where}: importing {module_name!r} raised {type(error).__name__}: {error}") from error
    except SystemExit as error:  # not an Exception: it would end the job with no word of the model
        raise ModelConfigError(f"{where}: {exit_text(module_name, 'importing', error)}") from error
    if not hasattr(module, attribute):
        raise ModelConfigError(f"{where}: module {module_name!r} has no attribute {attribute!r}")
    builder = getattr(module, attribute)
    if not callable(builder):
        raise ModelConfigError(f"{where}: {attribute!r} is a {type(builder).__name__}, not a callable")
    return builder


def exit_text(what: str, doing: str, error: SystemExit) -> str:
    return (
        f"{doing} {what!r} called sys.exit({error.code!r}) (argparse does that when it parses a "
        'command line that is not its own): keep command-line code under `if __name__ == "__main__":`'
    )


def build_model(spec: ModelSpec) -> nn.Module:
    """Build `spec.model` for this data as builder(num_classes=, in_channels=, image_size=, **arguments)
    and check that it maps a batch of images to one logit per class."""
    settings = model_settings(spec.model)
    where = f"model.name={settings['name']!r}"
    builder = resolve_builder(settings["name"])
    try:
        arguments = builder_arguments(settings)
        sizes = {"num_classes": spec.num_classes, "in_channels": spec.in_channels, "image_size": spec.input_size}
        model = builder(**sizes, **arguments)
    except Exception as error:
        raise ModelConfigError(
            f"{where}: building it with {sizes} and model.kwargs/options {arguments} raised "
            f"{type(error).__name__}: {error}"
        ) from error
    except SystemExit as error:
        raise ModelConfigError(f"{where}: {exit_text(settings['name'], 'calling', error)}") from error
    if not isinstance(model, nn.Module):
        raise ModelConfigError(f"{where}: returned a {type(model).__name__}, not a torch.nn.Module")
    check_output_shape(model, spec, where)
    return model


def check_output_shape(model: nn.Module, spec: ModelSpec, where: str) -> None:
    """Two blank images in eval mode (so BatchNorm statistics stay untouched) must give (2, classes)."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            output = model(torch.zeros(2, *spec.input_shape))
    except Exception as error:
        raise ModelConfigError(
            f"{where}: forward pass on a (2, {', '.join(map(str, spec.input_shape))}) batch raised "
            f"{type(error).__name__}: {error}"
        ) from error
    finally:
        model.train(was_training)
    shape = tuple(output.shape) if isinstance(output, torch.Tensor) else type(output).__name__
    if shape != (2, spec.num_classes):
        raise ModelConfigError(
            f"{where}: output for 2 images is {shape}; expected a tensor of shape (2, {spec.num_classes}) "
            "(one logit per class)"
        )


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def load_weights(spec: ModelSpec, weights_path: str | Path) -> nn.Module:
    """Rebuild the network from a state dict; weights_only=True never runs pickled code."""
    model = build_model(spec)
    if not Path(weights_path).is_file():
        raise FileNotFoundError(f"{weights_path}: model weights file does not exist")
    try:
        state = torch.load(weights_path, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as error:
        raise ValueError(
            f"{weights_path}: not a {model_label(spec.model)} state dict for this data ({error})"
            f"{code_change_note(spec)}"
        ) from error
    return model.eval()


def code_change_note(spec: ModelSpec) -> str:
    """Why weights may not fit: a bring-your-own model's code edited since they were trained."""
    trained_with = spec.train.get("model_source_sha256")
    name = spec.model.get("name", DEFAULT_MODEL["name"])
    if trained_with is None or trained_with == model_source_digest(name):
        return ""
    return f"; the code of model.name={name!r} changed since training: retrain (a plain snakemake run does)"

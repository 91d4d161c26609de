"""Saving and loading networks whose layers are narrower than the base model's.

Structured pruning and width-scaled students change the layers' widths but not the network's
code. They are saved as a plain state dict (`model.pt`) plus `architecture.json`: the integer
width attributes of every convolution, linear and batch-norm layer. Loading rebuilds the base
network from its spec, narrows those layers to the recorded widths and loads the state dict
with `torch.load(weights_only=True)`: no pickled code runs (torch-pruning's own
`tp.state_dict` pickles whole modules, which weights_only refuses).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from .model import ModelSpec, build_model, load_weights

ARCHITECTURE = "architecture.json"
WEIGHTS = "model.pt"
RESIZABLE = (nn.Conv1d, nn.Conv2d, nn.Linear, nn.BatchNorm1d, nn.BatchNorm2d)
WIDTH_ATTRIBUTES = ("in_channels", "out_channels", "groups", "in_features", "out_features", "num_features")


def layer_widths(model: nn.Module) -> dict[str, dict[str, int]]:
    """{layer name: {width attribute: value}} for every resizable layer."""
    return {
        name: {attr: int(getattr(module, attr)) for attr in WIDTH_ATTRIBUTES if hasattr(module, attr)}
        for name, module in model.named_modules()
        if isinstance(module, RESIZABLE)
    }


def save_resized(model: nn.Module, out_dir: Path) -> None:
    torch.save(model.state_dict(), out_dir / WEIGHTS)
    (out_dir / ARCHITECTURE).write_text(json.dumps(layer_widths(model), indent=1), encoding="utf-8")


def narrow(model: nn.Module, widths: dict[str, dict[str, int]], state: dict[str, torch.Tensor]) -> nn.Module:
    """Give the base network's layers the recorded widths and the state dict's tensor shapes."""
    modules = dict(model.named_modules())
    for name, attributes in widths.items():
        module = modules.get(name)
        if not isinstance(module, RESIZABLE):
            raise ValueError(f"{ARCHITECTURE}: layer {name!r} is not a resizable layer of this network")
        for attr, value in attributes.items():
            setattr(module, attr, value)
        prefix = f"{name}." if name else ""
        for tensor_name, _ in list(module.named_parameters(recurse=False)):
            module.register_parameter(tensor_name, nn.Parameter(torch.empty_like(state[prefix + tensor_name])))
        for tensor_name, tensor in list(module.named_buffers(recurse=False)):
            if tensor is not None and prefix + tensor_name in state:
                module.register_buffer(tensor_name, torch.empty_like(state[prefix + tensor_name]))
    return model


def load_resized(spec: ModelSpec, model_dir: Path) -> nn.Module:
    widths = json.loads((model_dir / ARCHITECTURE).read_text(encoding="utf-8"))
    state = torch.load(model_dir / WEIGHTS, map_location="cpu", weights_only=True)
    try:
        model = narrow(build_model(spec), widths, state)
        model.load_state_dict(state)
    except (KeyError, RuntimeError) as error:
        raise ValueError(f"{model_dir}: weights do not match {ARCHITECTURE} ({error})") from error
    return model.eval()


def load_model(spec: ModelSpec, model_dir: Path, weights_name: str = WEIGHTS) -> nn.Module:
    """A target folder's PyTorch model: resized when it has architecture.json, else the base network."""
    model_dir = Path(model_dir)
    if (model_dir / ARCHITECTURE).is_file():
        return load_resized(spec, model_dir)
    return load_weights(spec, model_dir / weights_name)

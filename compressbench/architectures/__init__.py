"""Model registry: `model.name` -> the callable that builds the network.

Every builder is called as ``builder(num_classes=..., in_channels=..., image_size=..., **options)``
so that a registry model and a bring-your-own ``package.module:callable`` are sized from the data
the same way. Importing this module is cheap (no torch): config checks read it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from dataclasses import dataclass
from importlib.machinery import PathFinder
from pathlib import Path


@dataclass(frozen=True)
class Architecture:
    name: str
    builder: str  # "module:callable"
    options: tuple[str, ...] = ()  # the `model.*` config keys this builder takes as keyword arguments
    label: str = ""  # human name for the report


ARCHITECTURES = {
    arch.name: arch
    for arch in [
        Architecture("lenet5", "compressbench.architectures.lenet:lenet5", label="LeNet-5"),
        Architecture("resnet8", "compressbench.architectures.resnet:resnet8", ("shortcut",), "ResNet-8"),
        Architecture("resnet20", "compressbench.architectures.resnet:resnet20", ("shortcut",), "ResNet-20"),
        Architecture(
            "mobilenetv2", "compressbench.architectures.mobilenet:mobilenetv2", ("width_multiplier",), "MobileNetV2"
        ),
    ]
}

# `model.*` keys that set an option of some registry model; null in config = the builder's default
MODEL_OPTIONS = ("shortcut", "width_multiplier")
CALLABLE_PATTERN = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


def is_custom(name: str) -> bool:
    """A bring-your-own `package.module:callable` rather than a registry name."""
    return ":" in name


def check_model_config(model: dict) -> None:
    """What can be checked without importing anything: the name's form and which options apply."""
    name = model.get("name", "lenet5")
    if is_custom(name):
        if not CALLABLE_PATTERN.match(name):
            raise ValueError(f"model.name={name!r}: write a bring-your-own model as package.module:callable")
        taken: tuple[str, ...] = ()
    elif name in ARCHITECTURES:
        taken = ARCHITECTURES[name].options
    else:
        raise ValueError(
            f"model.name={name!r}: unknown (registry: {', '.join(ARCHITECTURES)}; or package.module:callable)"
        )
    for option in MODEL_OPTIONS:
        if model.get(option) is not None and option not in taken:
            users = [arch.name for arch in ARCHITECTURES.values() if option in arch.options]
            raise ValueError(
                f"model.{option}={model[option]!r}: {name} does not take it (only {', '.join(users)}); "
                f"pass a bring-your-own model's arguments in model.kwargs"
            )


def narrowing_obstacle(model: dict) -> str | None:
    """Why a registry model cannot lose channels (structured pruning, a narrower student), or None."""
    name = model.get("name", "lenet5")
    if name in ARCHITECTURES and "shortcut" in ARCHITECTURES[name].options and model.get("shortcut") in (None, "A"):
        default = f" ({name}'s default)" if model.get("shortcut") is None else ""
        return (
            f"model.shortcut: A{default} zero-pads each stage's shortcut by a fixed number of "
            "channels, which no longer fit once channels are removed; set model.shortcut: B "
            "(1x1 projection shortcuts)"
        )
    return None


def builder_arguments(model: dict) -> dict:
    """Keyword arguments for the builder beyond the data sizes: set options plus model.kwargs."""
    options = {option: model[option] for option in MODEL_OPTIONS if model.get(option) is not None}
    clash = set(options) & set(model.get("kwargs") or {})
    if clash:
        raise ValueError(f"model.kwargs: {sorted(clash)} already set as model.{sorted(clash)[0]}")
    return {**options, **(model.get("kwargs") or {})}


def module_search_path() -> list[str]:
    """Where a bring-your-own module is imported from: PYTHONPATH and the rest of sys.path, then the
    working directory (compressbench.model.resolve_builder appends it)."""
    return [*sys.path, os.getcwd()]


def source_files(module_name: str) -> dict[str, Path]:
    """The Python files of a module's code, found without importing (running) it: every .py file
    of its top-level package, or the module's own file, by their names within it. Empty when it is
    not found."""
    top = module_name.split(".")[0]
    spec = PathFinder.find_spec(top, module_search_path())
    if spec is None:
        return {}
    if spec.submodule_search_locations:  # a package (also a namespace package)
        return {
            f"{top}/{path.relative_to(folder).as_posix()}": path
            for folder in spec.submodule_search_locations
            for path in sorted(Path(folder).rglob("*.py"))
            if path.is_file()
        }
    return {Path(spec.origin).name: Path(spec.origin)} if spec.origin and os.path.isfile(spec.origin) else {}


@functools.cache
def model_source_digest(name: str) -> str | None:
    """SHA-256 of a bring-your-own model's source files (names and contents), so that editing the
    code retrains the model (a param of the train rule); None for a registry model."""
    if not is_custom(name):
        return None
    files = source_files(name.partition(":")[0])
    if not files:
        return None  # not importable: training stops naming model.name
    digest = hashlib.sha256()
    for relative, path in sorted(files.items()):
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()

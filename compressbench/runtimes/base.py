"""One interface for every inference runtime.

A runtime opens a target's model folder with a fixed thread count and hands out
predict functions: `compile(batch_size)` is the tuned path (static shape, reused
buffers, as the runtime's documentation recommends for CPU inference) and `naive()`
is the one-image-per-call code a beginner writes, kept to explain the coursework's
timings.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..preprocess import split_batches
from ..spec import ModelSpec

Predict = Callable[[np.ndarray], np.ndarray]


class TargetRuntimeError(RuntimeError):
    """A runtime cannot open or run a target; the message names the target and why."""


def model_files_text(model_dir: str | Path) -> str:
    """A target's model files, for an error about them (a damaged file's runtime error rarely names it)."""
    folder = Path(model_dir)
    if not folder.is_dir():
        return f"{folder} (no such folder)"
    return ", ".join(str(path) for path in sorted(folder.iterdir())) or f"{folder} (empty)"


class Runtime(ABC):
    name: str = ""
    model_suffixes: tuple[str, ...] = ()
    profiler: str = ""  # the tool profile_calls uses, as summary.json of a profile names it

    def __init__(self, model_dir: str | Path, spec: ModelSpec, threads: int, options):
        """`options`: this runtime's dataclass from runtimes.options (PyTorchOptions, ...)."""
        self.model_dir = Path(model_dir)
        self.spec = spec
        self.threads = threads
        self.options = options
        self._compiled: dict[int, Predict] = {}

    def model_files(self) -> list[Path]:
        return self.model_files_in(self.model_dir)

    @classmethod
    def model_files_in(cls, model_dir: Path) -> list[Path]:
        """The runtime's model files in a folder, by suffix; none is an error naming the folder."""
        files = sorted(p for p in Path(model_dir).iterdir() if p.suffix in cls.model_suffixes)
        if not files:
            raise TargetRuntimeError(f"{model_dir}: no {'/'.join(cls.model_suffixes)} model files")
        return files

    @classmethod
    def build_facts(cls, model_dir: Path) -> dict:
        """Facts about a freshly built model folder that the runtime would otherwise work out in every
        benchmark job; build_target records them in build_info.json. None by default."""
        return {}

    def compiled(self, batch_size: int) -> Predict:
        if batch_size not in self._compiled:
            self._compiled[batch_size] = self.compile(batch_size)
        return self._compiled[batch_size]

    @abstractmethod
    def compile(self, batch_size: int) -> Predict:
        """Return a function mapping a (batch_size, C, H, W) float32 array to logits."""

    def runtime_timer(self, batch_size: int) -> Callable[[], float] | None:
        """The runtime's own timer of the last call of compiled(batch_size), in ms, where it keeps one
        (OpenVINO's InferRequest.latency, the figure benchmark_app reports); None where it keeps none."""
        return None

    def empty_batch_call(self) -> Predict | None:
        """The tuned call where it takes a batch of no images, else None: every operator is dispatched and no
        image computed, so its time is a lower bound on what a call costs besides the images (an operator may
        skip some of its own overhead on an empty input)."""
        return None

    @abstractmethod
    def naive(self) -> Predict:
        """Return the beginner's per-call function: dynamic shapes, copies, defaults."""

    @abstractmethod
    def info(self) -> dict:
        """What the runtime actually uses: threads, version, and `precision`, what ran, spelled as in
        runtimes.options.PRECISIONS."""

    @abstractmethod
    def profile_calls(self, batch_size: int, batches: list[np.ndarray], limit) -> list:
        """Per-layer profile of the tuned call at `batch_size` with the runtime's own profiler, on a
        model prepared as compile() prepares it: one opprofile.ProfiledCall per timed call of
        `limit` (an opprofile.CallLimit), cycling through `batches`. Never used while timing."""

    def predict(self, images: np.ndarray, batch_size: int) -> np.ndarray:
        """Logits for all images in batches; the last partial batch gets its own shape."""
        outputs = [np.array(self.compiled(len(batch))(batch), copy=True) for batch in split_batches(images, batch_size)]
        return np.concatenate(outputs) if outputs else np.zeros((0, self.spec.num_classes), np.float32)

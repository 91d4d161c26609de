"""Calibration images shared by the INT8 targets, so OpenVINO and ONNX Runtime see the same ones.

The images come from the training split (never the test set the targets are scored on),
stratified by class and chosen with a fixed seed: the same config always picks the same images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .data import load_dataset, stratified_subset
from .model import ModelSpec
from .preprocess import normalize

DEFAULT_CALIBRATION_SIZE = 300
DEFAULT_SEED = 0


def calibration_indices(labels: np.ndarray, size: int, seed: int = DEFAULT_SEED) -> np.ndarray:
    """Indices of `size` training samples with the class balance of the split, sorted.

    Stratified when every class can get a sample, otherwise a seeded random choice.
    """
    if size < 1:
        raise ValueError(f"compression.calibration_size={size}: must be at least 1")
    indices = np.arange(len(labels))
    if size >= len(labels):
        return indices
    if size >= len(np.unique(labels)):
        chosen, _ = stratified_subset(indices, labels, size, seed)
    else:
        chosen = np.random.default_rng(seed).choice(indices, size=size, replace=False)
    return np.sort(chosen)


def calibration_images(
    dataset_path: str | Path, spec: ModelSpec, size: int = DEFAULT_CALIBRATION_SIZE, seed: int = DEFAULT_SEED
) -> np.ndarray:
    """Preprocessed float32 NCHW calibration images, exactly as every runtime is fed."""
    if dataset_path is None:
        raise ValueError("calibration needs the cached dataset (TargetSpec.needs_data=True)")
    dataset = load_dataset(dataset_path)
    chosen = calibration_indices(dataset.train_labels, size, seed)
    return normalize(dataset.train_images[chosen], spec.mean, spec.std)


def from_settings(dataset_path: str | Path, spec: ModelSpec, settings: dict) -> np.ndarray:
    """Calibration images sized and seeded by config.yaml's `compression` section."""
    return calibration_images(
        dataset_path,
        spec,
        int(settings.get("calibration_size", DEFAULT_CALIBRATION_SIZE)),
        int(settings.get("seed", DEFAULT_SEED)),
    )


def batches(images: np.ndarray, batch_size: int) -> list[np.ndarray]:
    return [images[start : start + batch_size] for start in range(0, len(images), batch_size)]


def cpu_has_vnni() -> bool:
    """x86 VNNI (AVX512_VNNI or AVX_VNNI): u8 x s8 products accumulate without int16 saturation.

    Without it, ONNX Runtime and PyTorch advise 7-bit activations (reduce_range) on x86.
    """
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_vnni" in flags or "avx_vnni" in flags

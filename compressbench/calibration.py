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


def calibration_indices(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
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


def labelled_calibration_images(
    dataset_path: str | Path, spec: ModelSpec, size: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Preprocessed float32 NCHW calibration images, exactly as every runtime is fed, and their labels."""
    if dataset_path is None:
        raise ValueError("calibration needs the cached dataset (TargetSpec.needs_data=True)")
    dataset = load_dataset(dataset_path)
    chosen = calibration_indices(dataset.train_labels, size, seed)
    return normalize(dataset.train_images[chosen], spec.mean, spec.std), dataset.train_labels[chosen]


def calibration_images(dataset_path: str | Path, spec: ModelSpec, size: int, seed: int) -> np.ndarray:
    """Preprocessed float32 NCHW calibration images, exactly as every runtime is fed."""
    return labelled_calibration_images(dataset_path, spec, size, seed)[0]


def from_settings(dataset_path: str | Path, spec: ModelSpec, settings: dict) -> np.ndarray:
    """Calibration images sized and seeded by config.yaml's `compression` section."""
    return calibration_images(dataset_path, spec, int(settings["calibration_size"]), int(settings["seed"]))


def labelled_from_settings(dataset_path: str | Path, spec: ModelSpec, settings: dict) -> tuple[np.ndarray, np.ndarray]:
    """from_settings with the images' labels."""
    size, seed = int(settings["calibration_size"]), int(settings["seed"])
    return labelled_calibration_images(dataset_path, spec, size, seed)

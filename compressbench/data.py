"""Data sources that all end in the same cached arrays.

Every source (torchvision's CIFAR-10 files, an image folder, scikit-learn's digits)
is decoded once into uint8 NCHW images, int64 labels and class names, saved as one
``.npz`` that training, export and evaluation read.
"""

from __future__ import annotations

import io
import itertools
import pickle
import warnings
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"


class DataError(ValueError):
    """A dataset input is missing or malformed; the message names it."""


@dataclass
class Dataset:
    train_images: np.ndarray  # uint8, (N, C, H, W)
    train_labels: np.ndarray  # int64, (N,)
    test_images: np.ndarray
    test_labels: np.ndarray
    class_names: list[str]
    # Held out of the training images (dataset.validation_size): never trained on, never a final
    # figure; what a search selects on. Empty (0 images of the same shape) without one.
    validation_images: np.ndarray | None = None
    validation_labels: np.ndarray | None = None

    def __post_init__(self):
        if self.validation_images is None:
            self.validation_images = np.empty((0, *self.test_images.shape[1:]), np.uint8)
            self.validation_labels = np.empty(0, np.int64)

    @property
    def channels(self) -> int:
        return int(self.train_images.shape[1])

    @property
    def image_size(self) -> int:
        return int(self.train_images.shape[2])


def save_dataset(dataset: Dataset, path: str | Path) -> None:
    np.savez(
        path,
        train_images=dataset.train_images,
        train_labels=dataset.train_labels,
        test_images=dataset.test_images,
        test_labels=dataset.test_labels,
        validation_images=dataset.validation_images,
        validation_labels=dataset.validation_labels,
        class_names=np.array(dataset.class_names, dtype=str),
    )


def load_dataset(path: str | Path, train: bool = True) -> Dataset:
    """The cached dataset. train=False leaves the training and validation splits empty (no images,
    same image shape): jobs that only use the test split (evaluation, benchmarks) then read a sixth
    of a CIFAR-10 cache. A cache without a validation split (older, or validation_size 0) has an
    empty one."""
    try:
        with np.load(path, allow_pickle=False) as arrays:
            test_images = arrays["test_images"]
            empty = np.empty((0, *test_images.shape[1:]), np.uint8), np.empty(0, np.int64)
            validation = train and "validation_images" in arrays.files
            return Dataset(
                train_images=arrays["train_images"] if train else empty[0],
                train_labels=arrays["train_labels"].astype(np.int64) if train else empty[1],
                test_images=test_images,
                test_labels=arrays["test_labels"].astype(np.int64),
                class_names=[str(name) for name in arrays["class_names"]],
                validation_images=arrays["validation_images"] if validation else empty[0],
                validation_labels=arrays["validation_labels"].astype(np.int64) if validation else empty[1],
            )
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(
            f"{path}: damaged dataset cache ({type(error).__name__}: {error}); delete it and rerun to rebuild it"
        ) from error


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Resize uint8 NCHW images to size x size with bilinear filtering."""
    if images.shape[2] == size and images.shape[3] == size:
        return images
    resized = [_resize_chw(image, size) for image in images]
    return np.stack(resized) if resized else images.reshape(0, images.shape[1], size, size)


def _resize_chw(image: np.ndarray, size: int) -> np.ndarray:
    if image.shape[0] == 1:
        pil = Image.fromarray(image[0])
        return np.asarray(pil.resize((size, size), Image.BILINEAR))[None]
    pil = Image.fromarray(image.transpose(1, 2, 0))
    return np.asarray(pil.resize((size, size), Image.BILINEAR)).transpose(2, 0, 1)


# --- scikit-learn digits -------------------------------------------------------------


def load_digits_source(image_size: int, test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    # 8x8 intensities 0..16 -> 0..255 grayscale, one channel
    images = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)[:, None]
    images = resize_images(images, image_size)
    labels = digits.target.astype(np.int64)
    train_x, test_x, train_y, test_y = train_test_split(
        images, labels, test_size=test_fraction, stratify=labels, random_state=seed
    )
    return Dataset(train_x, train_y, test_x, test_y, [str(name) for name in digits.target_names])


# --- CIFAR-10 in its own python format -----------------------------------------------


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Unpickles CIFAR-10 batches (dicts of bytes, lists and numpy arrays) and nothing else."""

    ALLOWED = {
        ("_codecs", "encode"),  # how Python 3 pickles bytes at protocol 2
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def _read_cifar_batch(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return _ArrayOnlyUnpickler(io.BytesIO(handle.read()), encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, ValueError, KeyError) as error:
        raise DataError(f"{path}: not a CIFAR-10 batch file ({error})") from error


def _cifar_batch_arrays(path: Path) -> tuple[np.ndarray, np.ndarray]:
    batch = _read_cifar_batch(path)
    try:
        data = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        labels = np.asarray(batch.get("labels", batch.get("fine_labels")), dtype=np.int64)
    except (KeyError, TypeError, ValueError) as error:
        raise DataError(f"{path}: unexpected CIFAR-10 batch contents ({error})") from error
    if len(data) != len(labels):
        raise DataError(f"{path}: {len(data)} images but {len(labels)} labels")
    return data, labels


def _ensure_cifar10_files(root: Path) -> Path:
    folder = root / CIFAR10_FOLDER
    if folder.is_dir():
        return folder
    try:
        from torchvision.datasets import CIFAR10

        CIFAR10(str(root), train=True, download=True)
    except Exception as error:  # network errors come in many types
        raise DataError(
            f"dataset.root={root}: no CIFAR-10 copy found and the download failed ({error}). "
            f"Put {CIFAR10_ARCHIVE} (or its extracted {CIFAR10_FOLDER}/ folder) into {root}, "
            "or work offline with `dataset.name: imagefolder` pointing at an ImageFolder copy "
            "(train/<class>/, test/<class>/), or with `dataset.name: digits`."
        ) from error
    return folder


def load_cifar10_source(root: str | Path, image_size: int = 32) -> Dataset:
    folder = _ensure_cifar10_files(Path(root).expanduser())
    train_files = sorted(folder.glob("data_batch_*"))
    test_file = folder / "test_batch"
    meta_file = folder / "batches.meta"
    for required in [test_file, meta_file]:
        if not required.is_file():
            raise DataError(f"{required}: missing from the CIFAR-10 folder")
    if not train_files:
        raise DataError(f"{folder}: no data_batch_* files")
    train = [_cifar_batch_arrays(path) for path in train_files]
    test_images, test_labels = _cifar_batch_arrays(test_file)
    try:
        class_names = [str(name) for name in _read_cifar_batch(meta_file)["label_names"]]
    except (KeyError, TypeError) as error:
        raise DataError(f"{meta_file}: no label_names list ({error})") from error
    return Dataset(
        train_images=resize_images(np.concatenate([images for images, _ in train]), image_size),
        train_labels=np.concatenate([labels for _, labels in train]),
        test_images=resize_images(test_images, image_size),
        test_labels=test_labels,
        class_names=class_names,
    )


# --- ImageFolder layout --------------------------------------------------------------


def _class_folders(split_dir: Path) -> list[str]:
    if not split_dir.is_dir():
        raise DataError(f"{split_dir}: missing; expected train/<class>/ and test/<class>/ folders")
    classes = sorted(p.name for p in split_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise DataError(f"{split_dir}: holds no class folders")
    return classes


def _read_image(path: Path, size: int) -> np.ndarray:
    """Decode one image to HxW (grayscale) or HxWx3 (colour) uint8, resized."""
    try:
        with Image.open(path) as image:
            image.load()
            converted = _to_8_bit(image, path)
    except Image.DecompressionBombError as error:
        raise DataError(
            f"{path}: image too large to decode safely ({error}); PIL's limit is "
            f"{Image.MAX_IMAGE_PIXELS} pixels (PIL.Image.MAX_IMAGE_PIXELS): shrink or remove it"
        ) from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise DataError(f"{path}: cannot read image ({error})") from error
    if converted.size != (size, size):
        converted = converted.resize((size, size), Image.BILINEAR)
    return np.asarray(converted)


def _to_8_bit(image: Image.Image, path: Path) -> Image.Image:
    """8-bit L for grayscale modes (1, L, LA, gray palettes, 16/32-bit integer, float), RGB otherwise."""
    if image.mode.startswith("I"):  # 16/32-bit grayscale: keep the top 8 bits
        high_bits = 24 if image.mode == "I" and np.asarray(image).max() > 65535 else 8
        return Image.fromarray((np.asarray(image).astype(np.uint32) >> high_bits).astype(np.uint8))
    if image.mode == "F":  # float grayscale (TIFF): 0..1 or 0..255 intensities
        return Image.fromarray(_float_to_uint8(np.asarray(image), path))
    return image.convert("L" if image.mode in ("L", "LA", "1", "P") and _is_gray(image) else "RGB")


def _float_to_uint8(values: np.ndarray, path: Path) -> np.ndarray:
    low, high = float(np.min(values)), float(np.max(values))
    if not (np.isfinite(low) and np.isfinite(high)) or low < 0 or high > 255:
        raise DataError(f"{path}: float image with values {low:g}..{high:g}; expected 0..1 or 0..255")
    scale = 255.0 if high <= 1.0 else 1.0
    return np.round(values * scale).astype(np.uint8)


def _is_gray(image: Image.Image) -> bool:
    if image.mode != "P":
        return True
    palette = np.asarray(image.convert("RGB"))
    return bool((palette[..., 0] == palette[..., 1]).all() and (palette[..., 1] == palette[..., 2]).all())


def _image_files(folder: Path) -> list[Path]:
    """Image files of a class folder; hidden files (macOS "._x.jpg" copies) are skipped, other
    non-image files are skipped with a warning so nothing is dropped unnoticed."""
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    files = [p for p in entries if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS]
    kept = set(files)  # a set: a list would make this quadratic (5,000 files per CIFAR-10 class)
    skipped = [p.name for p in entries if p not in kept]
    if skipped:
        warnings.warn(
            f"{folder}: skipped {len(skipped)} entries that are not image files: {', '.join(skipped[:5])}", stacklevel=3
        )
    return files


def _read_split(split_dir: Path, classes: list[str], size: int, workers: int) -> tuple[list[np.ndarray], np.ndarray]:
    files: list[Path] = []
    labels: list[int] = []
    for label, name in enumerate(classes):
        class_files = _image_files(split_dir / name)
        if not class_files:
            raise DataError(f"{split_dir / name}: class folder holds no images")
        files.extend(class_files)
        labels.extend([label] * len(class_files))
    return _decode_all(files, size, workers), np.array(labels, dtype=np.int64)


# Below this many files a process pool costs more than it saves.
PARALLEL_DECODE_MIN_FILES = 2000


def _decode_all(files: list[Path], size: int, workers: int) -> list[np.ndarray]:
    """Decode `files` in order; in `workers` processes when there are many (decoding 60,000 JPEGs
    is CPU-bound: about 40 s in one process here). A worker's DataError reaches the caller as is."""
    if workers <= 1 or len(files) < PARALLEL_DECODE_MIN_FILES:
        return [_read_image(path, size) for path in files]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_read_image, files, itertools.repeat(size), chunksize=256))


def _to_nchw(images: list[np.ndarray], channels: int) -> np.ndarray:
    converted = []
    for image in images:
        if image.ndim == 2:
            image = image[None] if channels == 1 else np.repeat(image[None], 3, axis=0)
        else:
            image = image.transpose(2, 0, 1)
        converted.append(image)
    return np.ascontiguousarray(np.stack(converted))


def load_imagefolder_source(root: str | Path, image_size: int, workers: int = 1) -> Dataset:
    root = Path(root).expanduser()
    if not root.is_dir():
        problem = "is a file, not a folder" if root.exists() else "folder does not exist"
        raise DataError(f"dataset.root={root}: {problem}")
    train_classes = _class_folders(root / "train")
    test_classes = _class_folders(root / "test")
    if train_classes != test_classes:
        odd = sorted(set(train_classes) ^ set(test_classes))
        raise DataError(
            f"dataset.root={root}: train/ and test/ must have the same classes; only in one of them: {', '.join(odd)}"
        )
    train_images, train_labels = _read_split(root / "train", train_classes, image_size, workers)
    test_images, test_labels = _read_split(root / "test", train_classes, image_size, workers)
    channels = 1 if all(image.ndim == 2 for image in train_images + test_images) else 3
    return Dataset(
        _to_nchw(train_images, channels), train_labels, _to_nchw(test_images, channels), test_labels, train_classes
    )


# --- selection and limits ------------------------------------------------------------


def stratified_subset(
    images: np.ndarray, labels: np.ndarray, limit: int | None, seed: int, setting: str = "limit"
) -> tuple[np.ndarray, np.ndarray]:
    """Keep `limit` samples with the class balance of the full split (all when limit is None).

    Each class gets its share rounded by largest remainder; which samples is a seeded draw.
    """
    if limit is None or limit >= len(labels):
        return images, labels
    kept = stratified_indices(labels, limit, seed, setting)
    return images[kept], labels[kept]


def stratified_indices(labels: np.ndarray, limit: int, seed: int, setting: str) -> np.ndarray:
    """Sorted indices of `limit` samples with the class balance of `labels` (see stratified_subset)."""
    classes, counts = np.unique(labels, return_counts=True)
    if limit < len(classes):
        raise DataError(f"{setting}={limit}: smaller than the number of classes ({len(classes)})")
    exact = counts * (limit / len(labels))
    quota = np.floor(exact).astype(int)
    by_remainder = np.argsort(-(exact - quota), kind="stable")
    quota[by_remainder[: limit - quota.sum()]] += 1
    rng = np.random.default_rng(seed)
    kept = np.concatenate(
        [
            rng.choice(np.flatnonzero(labels == cls), size=n, replace=False)
            for cls, n in zip(classes, quota, strict=True)
        ]
    )
    kept.sort()
    return kept


def load_source(name: str, root: str | Path | None, image_size: int, seed: int = 0, workers: int = 1) -> Dataset:
    """The whole dataset from its source; `workers`: processes decoding image files (imagefolder)."""
    if name == "digits":
        return load_digits_source(image_size, seed=seed)
    if root is None:
        raise DataError(f"dataset.root is required for dataset.name={name}")
    if name == "cifar10":
        return load_cifar10_source(root, image_size)
    if name == "imagefolder":
        return load_imagefolder_source(root, image_size, workers)
    raise DataError(f"dataset.name={name!r}: unknown source (cifar10, imagefolder, digits)")


def hold_out_validation(dataset: Dataset, size: int, seed: int) -> None:
    """Move a stratified, seeded `size` of the training images into the validation split (in place).
    0 keeps every training image (no validation split)."""
    if size == 0:
        return
    if size >= len(dataset.train_labels):
        raise DataError(
            f"dataset.validation_size={size}: the training split has only {len(dataset.train_labels)} images; "
            "the validation images are held out of it"
        )
    held = stratified_indices(dataset.train_labels, size, seed, "dataset.validation_size")
    kept = np.setdiff1d(np.arange(len(dataset.train_labels)), held)
    dataset.validation_images, dataset.validation_labels = dataset.train_images[held], dataset.train_labels[held]
    dataset.train_images, dataset.train_labels = dataset.train_images[kept], dataset.train_labels[kept]


def prepare_dataset(
    name: str,
    root: str | Path | None,
    image_size: int,
    train_limit: int | None = None,
    test_limit: int | None = None,
    seed: int = 0,
    workers: int = 1,
    validation_size: int = 0,
) -> Dataset:
    """The dataset from its source: the validation split held out of all training images first,
    then the training and test limits applied to what is left."""
    dataset = load_source(name, root, image_size, seed, workers)
    check_classes(dataset, f"dataset.name={name}" + (f", dataset.root={root}" if name != "digits" else ""))
    hold_out_validation(dataset, validation_size, seed)
    dataset.train_images, dataset.train_labels = stratified_subset(
        dataset.train_images, dataset.train_labels, train_limit, seed, "dataset.train_limit"
    )
    dataset.test_images, dataset.test_labels = stratified_subset(
        dataset.test_images, dataset.test_labels, test_limit, seed, "dataset.test_limit"
    )
    return dataset


def check_classes(dataset: Dataset, source: str) -> None:
    """A classifier needs two classes or more, each with training images; a class without test
    images is said aloud (its recall is undefined)."""
    names = dataset.class_names
    if len(names) < 2:
        raise DataError(f"{source}: {len(names)} class ({', '.join(names)}); classification needs at least two")
    for split, labels in (("train", dataset.train_labels), ("test", dataset.test_labels)):
        empty = ", ".join(repr(names[i]) for i in sorted(set(range(len(names))) - set(labels.tolist())))
        if empty and split == "train":
            raise DataError(f"{source}: no training images of class {empty}")
        if empty:
            warnings.warn(f"{source}: no test images of class {empty}; its recall is undefined", stacklevel=3)

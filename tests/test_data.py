"""Tests for compressbench.data: every source ends in the same uint8 NCHW arrays."""

from __future__ import annotations

import io
import os
import pickle
import struct
import urllib.error

import numpy as np
import pytest
import torchvision.datasets
from PIL import Image

from compressbench import data
from compressbench.data import (
    CIFAR10_FOLDER,
    DataError,
    Dataset,
    load_cifar10_source,
    load_dataset,
    load_digits_source,
    load_imagefolder_source,
    load_source,
    prepare_dataset,
    resize_images,
    save_dataset,
    stratified_subset,
)

# --- scikit-learn digits -------------------------------------------------------------


@pytest.fixture(scope="module")
def digits_8() -> Dataset:
    return load_digits_source(8)


def test_digits_shapes_dtypes_and_class_names(digits_8):
    # 1797 images; a stratified 25 % test split rounds up to ceil(1797 * 0.25) = 450
    assert digits_8.train_images.shape == (1347, 1, 8, 8)
    assert digits_8.test_images.shape == (450, 1, 8, 8)
    assert digits_8.train_images.dtype == np.uint8 and digits_8.test_images.dtype == np.uint8
    assert digits_8.train_labels.dtype == np.int64 and digits_8.test_labels.dtype == np.int64
    assert digits_8.train_labels.shape == (1347,) and digits_8.test_labels.shape == (450,)
    assert digits_8.class_names == [str(d) for d in range(10)]
    assert digits_8.channels == 1 and digits_8.image_size == 8
    assert set(np.unique(digits_8.train_labels)) == set(range(10))
    assert set(np.unique(digits_8.test_labels)) == set(range(10))


def test_digits_intensity_scale_is_full_uint8_range(digits_8):
    # intensities 0..16 are mapped onto 0..255: 16 * 255 / 16 = 255
    assert digits_8.train_images.min() == 0
    assert digits_8.train_images.max() == 255


def test_digits_split_is_stratified_and_seeded(digits_8):
    again = load_digits_source(8)
    np.testing.assert_array_equal(again.train_images, digits_8.train_images)
    np.testing.assert_array_equal(again.test_labels, digits_8.test_labels)
    other_seed = load_digits_source(8, seed=1)
    assert not np.array_equal(other_seed.test_labels, digits_8.test_labels)
    # every class keeps about a quarter of its images in the test split
    total = np.bincount(np.concatenate([digits_8.train_labels, digits_8.test_labels]))
    test = np.bincount(digits_8.test_labels)
    assert np.all(np.abs(test - total * 0.25) <= 1)


def test_digits_resize_to_image_size(digits_8):
    resized = load_digits_source(32)
    assert resized.train_images.shape == (1347, 1, 32, 32)
    assert resized.test_images.shape == (450, 1, 32, 32)
    assert resized.train_images.dtype == np.uint8
    np.testing.assert_array_equal(resized.train_labels, digits_8.train_labels)


def test_load_source_digits_needs_no_root():
    dataset = load_source("digits", None, 16)
    assert dataset.image_size == 16 and dataset.channels == 1


def test_load_source_unknown_name_and_missing_root():
    with pytest.raises(DataError, match="unknown source"):
        load_source("mnist", "somewhere", 32)
    with pytest.raises(DataError, match="dataset.root is required"):
        load_source("cifar10", None, 32)


def test_resize_images_keeps_uniform_images_uniform_and_handles_empty():
    images = np.zeros((2, 3, 10, 10), dtype=np.uint8)
    images[0, 0] = 200  # first image: pure red
    images[1, 2] = 50  # second image: dark blue
    resized = resize_images(images, 4)
    assert resized.shape == (2, 3, 4, 4) and resized.dtype == np.uint8
    assert np.all(resized[0, 0] == 200) and np.all(resized[0, 1:] == 0)
    assert np.all(resized[1, 2] == 50) and np.all(resized[1, :2] == 0)
    assert resize_images(images, 10) is images
    assert resize_images(np.zeros((0, 1, 10, 10), dtype=np.uint8), 4).shape == (0, 1, 4, 4)


# --- CIFAR-10 python format ----------------------------------------------------------
#
# The original cifar-10-batches-py files were written by Python 2's cPickle with
# protocol 2: every str (dict keys, 'batch_label', class names, the raw array bytes)
# is an 8-bit SHORT_BINSTRING/BINSTRING, and the array is rebuilt through
# numpy.core.multiarray._reconstruct. Python 3's pickler writes bytes differently at
# protocol 2 (through _codecs.encode), so the miniature archive is written by a pickler
# that emits bytes the way Python 2 wrote str.


class _Python2Pickler(pickle._Pickler):
    dispatch = pickle._Pickler.dispatch.copy()

    def _save_py2_str(self, obj: bytes) -> None:
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = _save_py2_str


def python2_pickle(obj, numpy_module: bytes = b"numpy.core.multiarray") -> bytes:
    """Protocol 2 pickle as Python 2 with numpy 1.x wrote it."""
    buffer = io.BytesIO()
    _Python2Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue().replace(b"cnumpy._core.multiarray\n", b"c" + numpy_module + b"\n")


CLASS_NAMES = ["airplane", "automobile", "bird"]


def cifar_pixel(index: np.ndarray, channel: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A pixel value that differs between images, channels, rows and columns."""
    return (index * 37 + channel * 80 + y * 5 + x * 3) % 256


def cifar_row(index: int) -> np.ndarray:
    """One 3072-byte CIFAR-10 row, laid out by hand: R plane, G plane, B plane, each 32x32 row-major."""
    row = np.empty(3072, dtype=np.uint8)
    for channel in range(3):
        for y in range(32):
            for x in range(32):
                row[channel * 1024 + y * 32 + x] = cifar_pixel(index, channel, y, x)
    return row


def expected_cifar_image(index: int) -> np.ndarray:
    channel, y, x = np.indices((3, 32, 32))
    return cifar_pixel(index, channel, y, x).astype(np.uint8)


def write_pickle(path, obj, numpy_module: bytes = b"numpy.core.multiarray") -> None:
    path.write_bytes(python2_pickle(obj, numpy_module))


def cifar_batch(indices: list[int], labels: list[int], batch_label: bytes) -> dict:
    return {
        b"batch_label": batch_label,
        b"labels": labels,
        b"data": np.stack([cifar_row(i) for i in indices]),
        b"filenames": [f"image_{i}.png".encode() for i in indices],
    }


@pytest.fixture
def cifar_root(tmp_path):
    """A miniature cifar-10-batches-py/: two train batches (3 + 2 images), a test batch of 2."""
    folder = tmp_path / CIFAR10_FOLDER
    folder.mkdir()
    write_pickle(folder / "data_batch_1", cifar_batch([0, 1, 2], [0, 1, 2], b"training batch 1 of 2"))
    write_pickle(folder / "data_batch_2", cifar_batch([3, 4], [2, 0], b"training batch 2 of 2"))
    write_pickle(folder / "test_batch", cifar_batch([5, 6], [1, 2], b"testing batch 1 of 1"))
    write_pickle(
        folder / "batches.meta",
        {b"num_cases_per_batch": 3, b"label_names": [name.encode() for name in CLASS_NAMES], b"num_vis": 3072},
    )
    return tmp_path


def test_miniature_archive_is_python2_protocol2_format(cifar_root):
    raw = (cifar_root / CIFAR10_FOLDER / "data_batch_1").read_bytes()
    assert raw[:2] == b"\x80\x02"  # PROTO 2
    assert b"U\x04data" in raw  # SHORT_BINSTRING key, as Python 2 wrote str
    assert b"cnumpy.core.multiarray\n_reconstruct\n" in raw
    assert b"_codecs" not in raw
    # the bytes-keyed format the CIFAR-10 page documents: pickle.load(fo, encoding="bytes")
    batch = pickle.loads(raw, encoding="bytes")
    assert batch[b"data"].shape == (3, 3072) and batch[b"data"].dtype == np.uint8


def test_cifar10_reads_images_labels_and_class_names(cifar_root):
    dataset = load_cifar10_source(cifar_root)
    assert dataset.class_names == CLASS_NAMES
    assert dataset.train_images.shape == (5, 3, 32, 32) and dataset.train_images.dtype == np.uint8
    assert dataset.test_images.shape == (2, 3, 32, 32)
    # batches concatenated in order: data_batch_1 then data_batch_2
    np.testing.assert_array_equal(dataset.train_labels, [0, 1, 2, 2, 0])
    np.testing.assert_array_equal(dataset.test_labels, [1, 2])
    assert dataset.train_labels.dtype == np.int64 and dataset.test_labels.dtype == np.int64
    for position, index in enumerate([0, 1, 2, 3, 4]):
        np.testing.assert_array_equal(dataset.train_images[position], expected_cifar_image(index))
    for position, index in enumerate([5, 6]):
        np.testing.assert_array_equal(dataset.test_images[position], expected_cifar_image(index))


def test_cifar10_pixel_order_red_green_blue_row_major(cifar_root):
    image = load_cifar10_source(cifar_root).train_images[1]  # image index 1
    # row[0] is R(0,0); row[1] is R(0,1) (next column); row[32] is R(1,0) (next row);
    # row[1024] is G(0,0); row[2048] is B(0,0)
    row = cifar_row(1)
    assert image[0, 0, 0] == row[0] == (37 + 0 + 0 + 0) % 256
    assert image[0, 0, 1] == row[1] == (37 + 0 + 0 + 3) % 256
    assert image[0, 1, 0] == row[32] == (37 + 0 + 5 + 0) % 256
    assert image[1, 0, 0] == row[1024] == (37 + 80 + 0 + 0) % 256
    assert image[2, 31, 31] == row[3071] == (37 + 160 + 155 + 93) % 256


def test_cifar10_reads_python3_str_keys_and_modern_numpy_module(tmp_path):
    folder = tmp_path / CIFAR10_FOLDER
    folder.mkdir()
    batch = {"data": np.stack([cifar_row(7)]), "labels": [1]}
    for name in ["data_batch_1", "test_batch"]:
        write_pickle(folder / name, batch, numpy_module=b"numpy._core.multiarray")
    write_pickle(folder / "batches.meta", {"label_names": ["cat", "dog"]})
    dataset = load_cifar10_source(tmp_path)
    np.testing.assert_array_equal(dataset.train_images[0], expected_cifar_image(7))
    assert dataset.class_names == ["cat", "dog"]


def test_cifar10_reads_batches_pickled_by_python3_at_protocol_2(tmp_path):
    folder = tmp_path / CIFAR10_FOLDER
    folder.mkdir()
    batch = {"data": np.stack([cifar_row(7)]), "labels": [1]}
    for name in ["data_batch_1", "test_batch"]:
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": ["cat", "dog"]}, protocol=2))
    np.testing.assert_array_equal(load_cifar10_source(tmp_path).train_images[0], expected_cifar_image(7))


def test_cifar10_resizes_to_image_size(cifar_root):
    dataset = load_cifar10_source(cifar_root, image_size=16)
    assert dataset.train_images.shape == (5, 3, 16, 16)
    assert dataset.test_images.shape == (2, 3, 16, 16)
    assert dataset.train_images.dtype == np.uint8
    np.testing.assert_array_equal(dataset.train_labels, [0, 1, 2, 2, 0])


def test_cifar10_through_prepare_dataset(cifar_root):
    with pytest.warns(UserWarning, match="no test images of class 'airplane'"):  # the miniature test batch
        dataset = prepare_dataset("cifar10", cifar_root, 32)
    assert len(dataset.train_labels) == 5 and dataset.class_names == CLASS_NAMES


class _PrintPayload:
    def __reduce__(self):
        return (print, ("pwned",))


class _MkdirPayload:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (str(self.path),))


@pytest.mark.parametrize("where", ["whole_file", "inside_batch"])
def test_cifar10_refuses_pickled_code_without_running_it(cifar_root, capfd, where):
    sentinel = cifar_root / "pwned_dir"
    payloads = [_PrintPayload(), _MkdirPayload(sentinel)]
    obj = payloads if where == "whole_file" else {"data": payloads, "labels": [0]}
    evil = pickle.dumps(obj, protocol=2)
    target = cifar_root / CIFAR10_FOLDER / "data_batch_1"
    target.write_bytes(evil)

    with pytest.raises(DataError, match="not a CIFAR-10 batch file") as error:
        load_cifar10_source(cifar_root)
    assert str(target) in str(error.value)
    assert "pwned" not in capfd.readouterr().out
    assert not sentinel.exists()

    # the payload is live: an unrestricted unpickler would have run both calls
    pickle.loads(evil)
    assert "pwned" in capfd.readouterr().out
    assert sentinel.is_dir()


def test_cifar10_refuses_truncated_and_garbage_batches(cifar_root):
    target = cifar_root / CIFAR10_FOLDER / "test_batch"
    target.write_bytes(target.read_bytes()[:100])
    with pytest.raises(DataError, match="test_batch"):
        load_cifar10_source(cifar_root)
    target.write_bytes(b"")
    with pytest.raises(DataError, match="test_batch"):
        load_cifar10_source(cifar_root)


def test_cifar10_wrong_row_length_and_label_count(cifar_root):
    target = cifar_root / CIFAR10_FOLDER / "data_batch_2"
    write_pickle(target, {b"data": np.zeros((2, 3000), dtype=np.uint8), b"labels": [0, 1]})
    with pytest.raises(DataError, match="unexpected CIFAR-10 batch contents"):
        load_cifar10_source(cifar_root)
    write_pickle(target, {b"data": np.zeros((2, 3072), dtype=np.uint8), b"labels": [0, 1, 2]})
    with pytest.raises(DataError, match="2 images but 3 labels"):
        load_cifar10_source(cifar_root)


@pytest.mark.parametrize("missing", ["test_batch", "batches.meta"])
def test_cifar10_missing_files(cifar_root, missing):
    (cifar_root / CIFAR10_FOLDER / missing).unlink()
    with pytest.raises(DataError, match=f"{missing}: missing"):
        load_cifar10_source(cifar_root)


def test_cifar10_no_train_batches(cifar_root):
    for path in (cifar_root / CIFAR10_FOLDER).glob("data_batch_*"):
        path.unlink()
    with pytest.raises(DataError, match="no data_batch_"):
        load_cifar10_source(cifar_root)


@pytest.mark.parametrize(
    "failure",
    [urllib.error.URLError("[Errno -3] Temporary failure in name resolution"), OSError("Network is unreachable")],
)
def test_cifar10_without_copy_or_network_points_to_offline_sources(tmp_path, monkeypatch, failure):
    calls = []

    def offline_cifar10(root, train=True, download=False, **kwargs):
        calls.append((root, train, download))
        raise failure

    monkeypatch.setattr(torchvision.datasets, "CIFAR10", offline_cifar10)
    root = tmp_path / "no_cifar_here"
    with pytest.raises(DataError) as error:
        load_cifar10_source(root)
    message = str(error.value)
    assert "imagefolder" in message
    assert "digits" in message
    assert str(root) in message
    assert "cifar-10-python.tar.gz" in message
    assert calls == [(str(root), True, True)]


# --- ImageFolder layout --------------------------------------------------------------


def save_image(path, mode: str, size: tuple[int, int], value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, value).save(path)


def test_imagefolder_resizes_colour_images(tmp_path):
    save_image(tmp_path / "train" / "cat" / "a.png", "RGB", (40, 30), (255, 0, 0))
    save_image(tmp_path / "train" / "cat" / "b.jpg", "RGB", (64, 64), (0, 0, 255))
    save_image(tmp_path / "train" / "dog" / "c.png", "RGB", (20, 50), (0, 255, 0))
    save_image(tmp_path / "test" / "cat" / "d.jpeg", "RGB", (33, 17), (10, 20, 30))
    save_image(tmp_path / "test" / "dog" / "e.png", "RGB", (8, 8), (200, 100, 50))

    dataset = load_imagefolder_source(tmp_path, 24)
    assert dataset.class_names == ["cat", "dog"]
    assert dataset.train_images.shape == (3, 3, 24, 24) and dataset.train_images.dtype == np.uint8
    assert dataset.test_images.shape == (2, 3, 24, 24)
    np.testing.assert_array_equal(dataset.train_labels, [0, 0, 1])
    np.testing.assert_array_equal(dataset.test_labels, [0, 1])
    assert dataset.train_labels.dtype == np.int64
    # a uniform PNG stays exactly uniform, in channel-first order
    assert np.all(dataset.train_images[0, 0] == 255) and np.all(dataset.train_images[0, 1:] == 0)
    assert np.all(dataset.train_images[2, 1] == 255) and np.all(dataset.train_images[2, [0, 2]] == 0)
    assert np.all(dataset.test_images[1].reshape(3, -1).T == [200, 100, 50])
    # JPEG is lossy: blue stays clearly blue
    blue = dataset.train_images[1].reshape(3, -1).mean(axis=1)
    assert blue[2] > 240 and blue[0] < 15 and blue[1] < 15


def test_imagefolder_grayscale_only_gives_one_channel(tmp_path):
    save_image(tmp_path / "train" / "a" / "1.png", "L", (10, 10), 100)
    save_image(tmp_path / "train" / "b" / "2.png", "L", (50, 20), 7)
    save_image(tmp_path / "test" / "a" / "3.jpg", "L", (16, 16), 60)
    save_image(tmp_path / "test" / "b" / "4.png", "1", (16, 16), 1)  # bilevel counts as grayscale
    dataset = load_imagefolder_source(tmp_path, 16)
    assert dataset.channels == 1
    assert dataset.train_images.shape == (2, 1, 16, 16)
    assert dataset.test_images.shape == (2, 1, 16, 16)
    assert np.all(dataset.train_images[0] == 100) and np.all(dataset.train_images[1] == 7)
    assert np.all(dataset.test_images[1] == 255)


def test_imagefolder_mixed_modes_give_three_channels(tmp_path):
    save_image(tmp_path / "train" / "a" / "gray.png", "L", (12, 12), 80)
    save_image(tmp_path / "train" / "b" / "rgba.png", "RGBA", (20, 20), (1, 2, 3, 128))
    save_image(tmp_path / "test" / "a" / "colour.png", "RGB", (16, 16), (9, 8, 7))
    save_image(tmp_path / "test" / "b" / "gray.png", "L", (16, 16), 33)
    dataset = load_imagefolder_source(tmp_path, 16)
    assert dataset.channels == 3
    assert dataset.train_images.shape == (2, 3, 16, 16)
    assert dataset.test_images.shape == (2, 3, 16, 16)
    # grayscale images are repeated into all three channels
    assert np.all(dataset.train_images[0] == 80)
    assert np.all(dataset.test_images[1] == 33)
    assert np.all(dataset.train_images[1].reshape(3, -1).T == [1, 2, 3])  # alpha dropped
    assert dataset.train_images.flags["C_CONTIGUOUS"]


def test_imagefolder_ignores_non_images_and_hidden_folders(tmp_path):
    save_image(tmp_path / "train" / "a" / "1.png", "L", (16, 16), 1)
    save_image(tmp_path / "test" / "a" / "2.PNG", "L", (16, 16), 2)  # suffix case does not matter
    (tmp_path / "train" / "a" / "notes.txt").write_text("not an image")
    (tmp_path / "train" / ".cache").mkdir()
    (tmp_path / "train" / "stray.png").write_bytes(b"a file beside the class folders")
    with pytest.warns(UserWarning, match="skipped 1 entries that are not image files: notes.txt"):
        dataset = load_imagefolder_source(tmp_path, 16)
    assert dataset.class_names == ["a"]
    assert len(dataset.train_labels) == 1 and len(dataset.test_labels) == 1


def test_imagefolder_scales_16_bit_grayscale(tmp_path):
    levels = np.array([[0, 64], [128, 255]], dtype=np.uint16)
    for split in ["train", "test"]:
        path = tmp_path / split / "a" / "deep.png"
        path.parent.mkdir(parents=True)
        Image.fromarray(levels * 257).save(path)  # 16-bit: k * 257 is k on the 8-bit scale
    dataset = load_imagefolder_source(tmp_path, 2)
    np.testing.assert_array_equal(dataset.train_images[0, 0], levels.astype(np.uint8))


def test_imagefolder_class_mismatch_names_the_odd_classes(tmp_path):
    for split, name in [("train", "cat"), ("train", "dog"), ("test", "cat"), ("test", "bird")]:
        save_image(tmp_path / split / name / "x.png", "L", (16, 16), 0)
    with pytest.raises(DataError, match="same classes") as error:
        load_imagefolder_source(tmp_path, 16)
    assert "bird, dog" in str(error.value)
    assert "cat" not in str(error.value).split("only in one of them:")[1]


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("split", ["train", "test"])
def test_imagefolder_corrupt_image_names_its_path(tmp_path, monkeypatch, split, workers):
    monkeypatch.setattr(data, "PARALLEL_DECODE_MIN_FILES", 1)  # a worker process meets the bad file
    for s in ["train", "test"]:
        save_image(tmp_path / s / "a" / "good.png", "L", (16, 16), 0)
    corrupt = tmp_path / split / "a" / "broken.jpg"
    corrupt.write_bytes(np.random.default_rng(0).integers(0, 256, 512, dtype=np.uint8).tobytes())
    with pytest.raises(DataError, match="cannot read image") as error:
        load_imagefolder_source(tmp_path, 16, workers=workers)
    assert str(corrupt) in str(error.value)


def test_imagefolder_decodes_the_same_in_worker_processes(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    for split, count in (("train", 30), ("test", 10)):
        for i in range(count):
            pixels = rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)
            path = tmp_path / split / f"class{i % 3}" / f"{i:02d}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(path)
    serial = load_imagefolder_source(tmp_path, 16, workers=1)
    monkeypatch.setattr(data, "PARALLEL_DECODE_MIN_FILES", 1)
    parallel = load_imagefolder_source(tmp_path, 16, workers=2)
    assert np.array_equal(parallel.train_images, serial.train_images)
    assert np.array_equal(parallel.test_labels, serial.test_labels)
    assert parallel.class_names == serial.class_names == ["class0", "class1", "class2"]


def test_imagefolder_truncated_jpeg_names_its_path(tmp_path):
    save_image(tmp_path / "train" / "a" / "whole.jpg", "RGB", (64, 64), (1, 2, 3))
    save_image(tmp_path / "test" / "a" / "good.png", "RGB", (16, 16), (1, 2, 3))
    truncated = tmp_path / "train" / "a" / "truncated.jpg"
    truncated.write_bytes((tmp_path / "train" / "a" / "whole.jpg").read_bytes()[:200])
    with pytest.raises(DataError) as error:
        load_imagefolder_source(tmp_path, 16)
    assert str(truncated) in str(error.value)


def test_imagefolder_missing_folders(tmp_path):
    with pytest.raises(DataError, match="folder does not exist"):
        load_imagefolder_source(tmp_path / "nowhere", 16)
    with pytest.raises(DataError, match="train: missing"):
        load_imagefolder_source(tmp_path, 16)
    save_image(tmp_path / "train" / "a" / "x.png", "L", (16, 16), 0)
    with pytest.raises(DataError, match="test: missing"):
        load_imagefolder_source(tmp_path, 16)
    (tmp_path / "test").mkdir()
    with pytest.raises(DataError, match="holds no class folders"):
        load_imagefolder_source(tmp_path, 16)
    (tmp_path / "test" / "a").mkdir()
    with pytest.raises(DataError, match="class folder holds no images"):
        load_imagefolder_source(tmp_path, 16)


def test_imagefolder_through_load_source(tmp_path):
    save_image(tmp_path / "train" / "a" / "x.png", "L", (16, 16), 0)
    save_image(tmp_path / "test" / "a" / "y.png", "L", (16, 16), 0)
    assert load_source("imagefolder", tmp_path, 16).class_names == ["a"]


# --- stratified_subset ---------------------------------------------------------------


def test_stratified_subset_keeps_size_and_class_balance():
    labels = np.repeat(np.arange(4), [40, 30, 20, 10])  # 100 samples, shares 40/30/20/10 %
    images = np.arange(100)
    kept_images, kept_labels = stratified_subset(images, labels, 20, seed=0)
    assert len(kept_images) == len(kept_labels) == 20
    np.testing.assert_array_equal(np.bincount(kept_labels), [8, 6, 4, 2])  # 20 * shares
    np.testing.assert_array_equal(labels[kept_images], kept_labels)  # images stay with their labels
    assert len(np.unique(kept_images)) == 20
    again, _ = stratified_subset(images, labels, 20, seed=0)
    np.testing.assert_array_equal(again, kept_images)


def test_stratified_subset_without_limit_keeps_everything():
    labels = np.array([0, 1, 0, 1])
    images = np.arange(4)
    for limit in [None, 4, 10]:
        kept_images, kept_labels = stratified_subset(images, labels, limit, seed=0)
        assert kept_images is images and kept_labels is labels


def test_stratified_subset_limit_below_class_count():
    labels = np.repeat(np.arange(5), 4)
    with pytest.raises(DataError, match="limit=4: smaller than the number of classes \\(5\\)"):
        stratified_subset(np.arange(20), labels, 4, seed=0)


def test_stratified_subset_limit_just_below_size():
    labels = np.repeat(np.arange(3), 10)
    _, kept_labels = stratified_subset(np.arange(30), labels, 29, seed=0)
    assert len(kept_labels) == 29 and sorted(np.bincount(kept_labels)) == [9, 10, 10]


def test_prepare_dataset_applies_limits():
    dataset = prepare_dataset("digits", None, 8, train_limit=100, test_limit=50, seed=0)
    assert dataset.train_images.shape == (100, 1, 8, 8)
    assert dataset.test_images.shape == (50, 1, 8, 8)
    assert np.all(np.bincount(dataset.train_labels, minlength=10) >= 9)


# --- cache round trip ----------------------------------------------------------------


def test_save_and_load_dataset_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    dataset = Dataset(
        train_images=rng.integers(0, 256, (4, 3, 5, 5), dtype=np.uint8),
        train_labels=np.array([0, 1, 2, 1], dtype=np.int64),
        test_images=rng.integers(0, 256, (2, 3, 5, 5), dtype=np.uint8),
        test_labels=np.array([2, 0], dtype=np.int64),
        class_names=["chat", "café", "猫"],
    )
    path = tmp_path / "dataset.npz"
    save_dataset(dataset, path)
    loaded = load_dataset(path)
    for field in ["train_images", "train_labels", "test_images", "test_labels"]:
        original, restored = getattr(dataset, field), getattr(loaded, field)
        assert restored.dtype == original.dtype
        np.testing.assert_array_equal(restored, original)
    assert loaded.class_names == ["chat", "café", "猫"]
    assert all(type(name) is str for name in loaded.class_names)
    assert loaded.channels == 3 and loaded.image_size == 5
    test_only = load_dataset(path, train=False)
    np.testing.assert_array_equal(test_only.test_images, dataset.test_images)
    assert test_only.train_images.shape == (0, 3, 5, 5) and test_only.train_labels.shape == (0,)
    assert test_only.channels == 3 and test_only.image_size == 5 and test_only.class_names == loaded.class_names


def test_load_dataset_casts_labels_to_int64(tmp_path):
    path = tmp_path / "dataset.npz"
    np.savez(
        path,
        train_images=np.zeros((1, 1, 2, 2), np.uint8),
        train_labels=np.array([1], np.int32),
        test_images=np.zeros((1, 1, 2, 2), np.uint8),
        test_labels=np.array([0], np.uint8),
        class_names=np.array(["a", "b"]),
    )
    loaded = load_dataset(path)
    assert loaded.train_labels.dtype == np.int64 and loaded.test_labels.dtype == np.int64

"""Odd and hostile input (issue 14): every user-controlled input works literally or fails early with a
message naming the input; nothing is dropped silently. Data is made by each test (no network)."""

from __future__ import annotations

import subprocess
import warnings

import numpy as np
import pytest
from conftest import SNAKEMAKE, make_settings, planned_jobs, write_config
from PIL import Image

from compressbench.config import ConfigError, check_config, default_config, usable_cpus
from compressbench.data import DataError, load_dataset, load_imagefolder_source, prepare_dataset, save_dataset
from compressbench.report.latex import engine_available
from compressbench.runlock import other_run_note
from compressbench.tables import read_matrix_tsv, write_matrix_tsv


def save_image(path, image: Image.Image) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def two_class_folder(root, classes=("a", "b")):
    for split in ("train", "test"):
        for value, name in enumerate(classes):
            save_image(root / split / name / "x.png", Image.new("L", (8, 8), 40 * value))


# --- dataset folders and files --------------------------------------------------------


def test_huge_image_names_the_file_and_the_limit(tmp_path, monkeypatch):
    two_class_folder(tmp_path)
    bomb = tmp_path / "train" / "a" / "huge.png"
    save_image(bomb, Image.new("L", (64, 64), 0))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 64*64 > 2 * 1000: PIL refuses to decode
    with pytest.raises(DataError) as error:
        load_imagefolder_source(tmp_path, 16)
    assert str(bomb) in str(error.value) and "1000 pixels" in str(error.value)


def test_single_class_dataset_is_an_input_error(tmp_path):
    for split in ("train", "test"):
        save_image(tmp_path / split / "only" / "x.png", Image.new("L", (8, 8), 1))
    with pytest.raises(DataError, match=r"dataset.root=.*1 class \(only\).*at least two"):
        prepare_dataset("imagefolder", tmp_path, 16)


def test_float_tiff_stays_grayscale_and_is_scaled(tmp_path):
    two_class_folder(tmp_path)
    values = np.array([[0.0, 0.5], [1.0, 0.25]], dtype=np.float32)
    save_image(tmp_path / "train" / "b" / "float.tif", Image.fromarray(values, mode="F"))
    dataset = load_imagefolder_source(tmp_path, 2)
    assert dataset.channels == 1
    np.testing.assert_array_equal(dataset.train_images[1, 0], [[0, 128], [255, 64]])


def test_float_tiff_out_of_range_names_the_file(tmp_path):
    two_class_folder(tmp_path)
    odd = tmp_path / "test" / "a" / "odd.tiff"
    save_image(odd, Image.fromarray(np.array([[-3.0, 900.0]], dtype=np.float32), mode="F"))
    with pytest.raises(DataError, match="values -3..900") as error:
        load_imagefolder_source(tmp_path, 4)
    assert str(odd) in str(error.value)


def test_test_limit_error_names_the_setting():
    with pytest.raises(DataError, match=r"dataset.test_limit=3: smaller than the number of classes \(10\)"):
        prepare_dataset("digits", None, 8, test_limit=3)
    with pytest.raises(DataError, match=r"dataset.train_limit=2"):
        prepare_dataset("digits", None, 8, train_limit=2)


def test_hidden_files_skipped_and_other_files_reported(tmp_path):
    two_class_folder(tmp_path)
    (tmp_path / "train" / "a" / "._x.png").write_bytes(b"\x00\x05\x16\x07 macOS resource fork")
    (tmp_path / "train" / "a" / "notes.txt").write_text("not an image")
    (tmp_path / "train" / "a" / "nested").mkdir()
    with pytest.warns(UserWarning, match=r"skipped 2 entries that are not image files: nested, notes.txt"):
        dataset = load_imagefolder_source(tmp_path, 8)
    assert len(dataset.train_labels) == 2


ODD_NAMES = ["true", "$\\input$", "a\tb", "новый класс", "label", "class", "null", "0", " spaced "]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_odd_class_names_survive_the_data_cache(tmp_path, name):
    two_class_folder(tmp_path, (name, "zz"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        save_dataset(prepare_dataset("imagefolder", tmp_path, 8), tmp_path / "cache.npz")
    assert load_dataset(tmp_path / "cache.npz").class_names == sorted([name, "zz"])


# --- confusion table: any class name, also one equal to a column ----------------------


@pytest.mark.parametrize(
    "names", [["true", "false"], ["true \\ predicted", "x"], ["a\tb", 'q"uote'], ["yes", "no", "~"]]
)
def test_confusion_table_round_trips_any_class_names(tmp_path, names):
    matrix = np.arange(len(names) ** 2).reshape(len(names), len(names))
    path = tmp_path / "confusion.tsv"
    write_matrix_tsv(names, matrix, path, "true \\ predicted")
    assert read_matrix_tsv(path) == (names, matrix.tolist())


# --- config ---------------------------------------------------------------------------


def test_threads_above_usable_cpus_rejected_naming_the_key():
    from test_config import default_config

    config = default_config()
    config["runtime"]["threads"] = usable_cpus() + 1
    with pytest.raises(ConfigError, match=rf"runtime.threads={usable_cpus() + 1}: more than the {usable_cpus()} CPUs"):
        check_config(config)
    config["runtime"]["threads"] = usable_cpus()
    check_config(config)


# --- the workflow: lost result files, a second run in the same folder -----------------


@pytest.mark.parametrize(
    ("lost", "rule"),
    [
        ("results/bench/onnxruntime/repeat0/throughput.tsv", "benchmark"),
        ("results/bench/openvino/repeat1/naive.tsv", "benchmark"),
        ("results/bench/openvino/latency.tsv", "benchmark_summary"),
        ("results/eval/onnxruntime_int8/predictions.tsv", "evaluate"),
        ("results/eval/openvino/confusion.tsv", "evaluate"),
    ],
)
def test_a_lost_result_file_is_rebuilt_by_the_next_run(workflow_copy, lost, rule):
    """Ctrl-C (or a failure) in a forced re-benchmark removes that job's outputs while the summary and
    report made from them stay up to date; Snakemake then leaves a missing intermediate file alone
    ("Nothing to be done"). The next plain run must rebuild it, and the summary and report after it."""
    path = workflow_copy / lost
    aside = path.with_name(path.name + ".aside")
    path.rename(aside)  # a rename keeps the file's time stamp: putting it back restores the run
    try:
        jobs = planned_jobs(workflow_copy, write_config(workflow_copy), targets=[])
    finally:
        aside.rename(path)
    assert jobs.get(rule) == 1 and {"aggregate", "report_plots", "render_report"} <= set(jobs), jobs


def test_second_run_in_the_same_folder_is_told_another_run_is_active(workflow_copy):
    locks = workflow_copy / ".snakemake" / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    lock = locks / "0.output.lock"
    lock.write_text(str(workflow_copy / "results" / "summary.tsv") + "\n")  # what an active run writes
    try:
        result = subprocess.run(
            [*SNAKEMAKE, "-n", "--cores", "1", "--configfile", str(write_config(workflow_copy))],
            cwd=workflow_copy,
            capture_output=True,
            text=True,
        )
    finally:
        lock.unlink()
    assert "another Snakemake run is active" in result.stderr and "--rerun-incomplete" in result.stderr
    assert other_run_note(workflow_copy) is None


# --- report: class names, title and author drawn and typeset literally ----------------

REPORT_CLASSES = ["true", "$\\alpha^2$", "$\\input$", "true \\ predicted", "класс & #1"]


def fabricated_report_data(tmp_path, classes=REPORT_CLASSES):
    from test_report import fabricate

    from compressbench.report import load

    fabricate(tmp_path, classes=classes)
    matrix = np.full((len(classes), len(classes)), 3) + 40 * np.eye(len(classes), dtype=int)
    write_matrix_tsv(classes, matrix, tmp_path / "results" / "eval" / "pytorch" / "confusion.tsv", "true \\ predicted")
    return load(tmp_path)


def test_confusion_with_a_class_named_like_a_column_loads_plots_and_renders(tmp_path):
    from compressbench import plots
    from compressbench.report import build_context, render_latex, render_markdown
    from compressbench.report.i18n import Strings

    data = fabricated_report_data(tmp_path)
    names, matrix = data.results.confusion
    assert names == REPORT_CLASSES and matrix[0][0] == 43 and matrix[0][1] == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing glyph, no mathtext
        written = plots.make_figure("confusion", data, Strings("en"), tmp_path / "fig" / "confusion")
    assert all(path.stat().st_size > 1000 for path in written)
    context = build_context(data, {"language": "en", "title": "t", "author": ""}, {"confusion": "fig/confusion"})
    assert "$\\alpha^2$" in render_markdown(context).replace("\\$", "$").replace("\\\\", "\\")
    assert "\\input" not in render_latex(context).replace("\\textbackslash{}input", "")


def test_class_names_are_drawn_literally_not_as_mathtext(tmp_path):
    import matplotlib.pyplot as plt

    from compressbench import plots

    data = fabricated_report_data(tmp_path)
    drawn = []
    original_savefig = plt.Figure.savefig

    def record_ticks(figure, *args, **kwargs):
        drawn.extend(label.get_text() for ax in figure.axes for label in ax.get_xticklabels())
        drawn.extend(str(label.get_parse_math()) for ax in figure.axes for label in ax.get_xticklabels())
        return original_savefig(figure, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plt.Figure, "savefig", record_ticks)
        plots.make_figure("confusion", data, plots.Strings("ru"), tmp_path / "confusion")
    assert "$\\alpha^2$" in drawn and "True" not in drawn


def test_a_glyph_the_plot_font_lacks_fails_naming_figure_and_character(tmp_path):
    from compressbench import plots

    data = fabricated_report_data(tmp_path, classes=["cat 🚀", "dog"])
    with pytest.raises(plots.PlotTextError, match=r"figure confusion: Glyph 128640 \(\\N\{ROCKET\}\) missing"):
        plots.make_figure("confusion", data, plots.Strings("en"), tmp_path / "confusion")
    assert not list(tmp_path.glob("confusion.*"))  # no finished-looking figure left behind


def test_check_log_reads_missing_characters_wrapped_at_79_columns():
    from compressbench.report.latex import check_log, missing_glyph_errors

    wrapped = (
        "Missing character: There is no 🚀 (U+1F680) in font CMU Serif Roman/OT:script=la\n"
        "tn;language=dflt;mapping=tex-text;!\n"
    )
    errors, _ = check_log(wrapped)
    font = "CMU Serif Roman/OT:script=latn;language=dflt;mapping=tex-text;"
    assert errors == [f"missing character 🚀 (U+1F680) in font {font}"]
    message = missing_glyph_errors(wrapped, "\\title{x}\n\\author{Ivan 🚀 Петров}\n")[0]
    assert "U+1F680" in message and "line 2: '\\\\author{Ivan 🚀 Петров}'" in message and "report.author" in message


@pytest.mark.skipif(not engine_available(), reason="no latexmk/xelatex")
def test_pdf_with_a_glyph_no_font_has_fails_naming_text_and_character(tmp_path):
    from compressbench.report import build_context, render_latex
    from compressbench.report.latex import LatexError, build_pdf

    data = fabricated_report_data(tmp_path, classes=["cat", "dog"])
    author = "Ivan 🚀 Петров, and a long name so that the log line certainly wraps: " + "x" * 40
    context = build_context(data, {"language": "ru", "title": "Отчёт", "author": author}, {})
    tex = tmp_path / "report.tex"
    tex.write_text(render_latex(context), encoding="utf-8")
    with pytest.raises(LatexError, match=r"'🚀' \(U\+1F680\)") as error:
        build_pdf(tex, tmp_path / "report.pdf")
    assert "Ivan 🚀 Петров" in str(error.value)
    assert not (tmp_path / "report.pdf").exists()


# --- damaged model files: build and evaluate name the target and the file -------------

SPEC = dict(in_channels=1, input_size=16, num_classes=2, class_names=["a", "b"], mean=[0.5], std=[0.25])


def damaged(path, size=300):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(np.random.default_rng(1).integers(0, 256, size, dtype=np.uint8).tobytes())
    return path


@pytest.mark.parametrize("target", ["openvino", "onnxruntime"])
def test_build_from_a_damaged_onnx_names_target_and_file(tmp_path, target):
    from compressbench.model import ModelSpec
    from compressbench.targets import get_target
    from compressbench.targets.context import BuildContext, TargetBuildError, build_target

    onnx = damaged(tmp_path / "model.onnx")
    context = BuildContext(
        spec=ModelSpec(**SPEC),
        checkpoint=tmp_path / "weights.pt",
        settings=default_config()["export"],
        threads=1,
        onnx_path=onnx,
    )
    out_dir = tmp_path / "models" / target
    with pytest.raises(TargetBuildError, match=f"build of target '{target}' failed") as error:
        build_target(get_target(target), context, out_dir)
    assert str(onnx) in str(error.value)
    assert not out_dir.exists()  # no finished-looking model folder


@pytest.mark.parametrize(
    ("target", "files"),
    [("openvino", ["model.xml", "model.bin"]), ("onnxruntime", ["model.onnx"]), ("pytorch", ["model.pt"])],
)
def test_evaluating_a_damaged_model_names_target_and_files(tmp_path, target, files):
    from compressbench.data import Dataset
    from compressbench.evaluation import EvalSettings, EvaluationError, evaluate
    from compressbench.model import ModelSpec
    from compressbench.targets import get_target

    model_dir = tmp_path / "models" / target
    for name in files:
        damaged(model_dir / name)
    images = np.zeros((4, 1, 16, 16), np.uint8)
    dataset = Dataset(images, np.array([0, 1, 0, 1]), images, np.array([0, 1, 0, 1]), ["a", "b"])
    with pytest.raises(EvaluationError, match=f"evaluation of target '{target}'") as error:
        evaluate(get_target(target), model_dir, ModelSpec(**SPEC), dataset, make_settings(EvalSettings, "evaluate"), {})
    assert all(str(model_dir / name) in str(error.value) for name in files)


# --- more inputs: the dataset cache, dataset.root, report text ------------------------


def test_damaged_dataset_cache_names_the_file(tmp_path):
    from compressbench.data import load_dataset

    cache = damaged(tmp_path / "dataset.npz")
    with pytest.raises(DataError, match="damaged dataset cache.*delete it and rerun") as error:
        load_dataset(cache)
    assert str(cache) in str(error.value)


def test_dataset_root_is_a_file_or_under_home(tmp_path, monkeypatch):
    (tmp_path / "root.txt").write_text("x")
    with pytest.raises(DataError, match="root.txt: is a file, not a folder"):
        prepare_dataset("imagefolder", tmp_path / "root.txt", 16)
    two_class_folder(tmp_path / "data")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert prepare_dataset("imagefolder", "~/data", 16).class_names == ["a", "b"]


@pytest.mark.parametrize(
    ("key", "value", "valid"),
    [
        ("title", None, True),
        ("title", "", True),  # empty: the default title
        ("title", "Tab\tand\nnewline", True),
        ("title", "   ", False),
        ("title", "bell\x07", False),
        ("author", "nul\x00", False),
        ("author", "Иван 🚀 Петров", True),  # valid text; the PDF build names the glyph it lacks
    ],
)
def test_report_text_must_be_printable(key, value, valid):
    from snakemake.utils import validate
    from test_config import SCHEMA, default_config

    config = default_config()
    config["report"][key] = value
    if valid:
        validate(config, SCHEMA)
    else:
        with pytest.raises(Exception, match=rf"instance\['report'\]\['{key}'\]"):
            validate(config, SCHEMA)


@pytest.mark.parametrize("text", ['{"in_channels": 1', '{"colour": 3}', "\udcff"])
def test_damaged_model_spec_names_the_file(tmp_path, text):
    from compressbench.model import ModelSpec

    path = tmp_path / "spec.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(ValueError, match="not a model spec") as error:
        ModelSpec.load(path)
    assert str(path) in str(error.value)


def test_a_runtime_that_runs_other_threads_than_asked_is_reported():
    from compressbench.evaluation import runtime_info
    from compressbench.targets import get_target

    class CappedRuntime:  # what OpenVINO does when asked for more threads than it finds cores
        def info(self):
            return {"threads": 2, "precision": "f32"}

    with pytest.warns(UserWarning, match="target 'openvino': openvino runs 2 threads, not 8"):
        assert runtime_info(CappedRuntime(), get_target("openvino"), 8)["threads"] == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runtime_info(CappedRuntime(), get_target("openvino"), 2)


def test_a_class_without_test_images_is_reported():
    from compressbench.data import Dataset, check_classes

    images = np.zeros((3, 1, 8, 8), np.uint8)
    dataset = Dataset(images, np.array([0, 1, 2]), images[:2], np.array([0, 2]), ["a", "b", "c"])
    with pytest.warns(UserWarning, match="no test images of class 'b'"):
        check_classes(dataset, "dataset.name=x")
    dataset.train_labels = np.array([0, 0, 2])
    with pytest.raises(DataError, match="dataset.name=x: no training images of class 'b'"):
        check_classes(dataset, "dataset.name=x")

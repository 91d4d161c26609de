"""The compression methods on synthetic records: each verdict flips at its own threshold, and the
section renders in both languages only when the run has a method target."""

from __future__ import annotations

import numpy as np
import pytest
from results_fixtures import analyzed, record, results_of, write_predictions, write_results

from compressbench.analysis import methods as m
from compressbench.analysis.findings import Findings
from compressbench.analysis.view import Run
from compressbench.report import build_context, render_latex, render_markdown
from compressbench.report.i18n import TEMPLATES, Strings
from compressbench.report.sections import methods as section
from compressbench.report.sections.setup import model_text
from compressbench.report.writer import Citations, Writer
from compressbench.targets import TARGETS

ROW = {
    "accuracy": 0.90,
    "accuracy_ci_low": 0.88,
    "accuracy_ci_high": 0.92,
    "size_bytes": 250_000,
    "size_gzip_bytes": 230_000,
    "params": 62_000,
    "macs": 400_000,
    "latency_p50_ms": 0.20,
    "latency_p50_ci_low_ms": 0.19,
    "latency_p50_ci_high_ms": 0.21,
    "throughput_ips": 10_000,
    "throughput_ips_low": 9_800,
    "throughput_ips_high": 10_200,
    "batch_size_best": 256,
    "repeats": 3,
    "compression_ratio": 1.0,
    "peak_rss_mb": 300.0,
}
TARGET_NAMES = ("pytorch", "openvino", "openvino_int8", "pytorch_struct", "openvino_struct", "pytorch_pruned")
TARGET_NAMES += ("pytorch_distill", "pytorch_student_labels", "pytorch_cluster", "openvino_qat")
TARGET_NAMES += ("onnxruntime_struct", "openvino_struct_int8")


SPEC = {"model": {"name": "resnet8"}, "num_classes": 10}


def rows_of(changes=None, names=TARGET_NAMES) -> dict[str, dict]:
    return {name: {**ROW, **(changes or {}).get(name, {})} for name in names}


def make_run(changes=None, names=TARGET_NAMES, root=None) -> Run:
    results = results_of(rows_of(changes, names), dataset={"test_images": 1000}, root=root)
    results.spec = SPEC
    return Run(results)


def report_data(root, changes=None, names=TARGET_NAMES, summary=None):
    """A run of these records written under `root` and analysed."""
    records = [record(t, **values) for t, values in rows_of(changes, names).items()]
    return analyzed(write_results(root, records, spec={**SPEC, "summary": summary or {}}))


def writer(data, language: str) -> Writer:
    return Writer(data.run, data.findings, Strings(language), Citations.load(TEMPLATES), data.environment)


def struct_changes(latency_ms, throughput_ips, macs=100_000):
    """pytorch_struct with 4x fewer MACs and the given speed (narrow ranges around it)."""
    return {
        "pytorch_struct": {
            "macs": macs,
            "latency_p50_ms": latency_ms,
            "latency_p50_ci_low_ms": latency_ms * 0.98,
            "latency_p50_ci_high_ms": latency_ms * 1.02,
            "throughput_ips": throughput_ips,
            "throughput_ips_low": throughput_ips * 0.99,
            "throughput_ips_high": throughput_ips * 1.01,
        }
    }


def test_method_targets_come_from_the_registry():
    run = make_run()
    assert set(m.method_targets(run)) == set(TARGET_NAMES) - {"pytorch", "openvino", "openvino_int8"}
    assert m.reference_targets(run) == ["pytorch", "openvino", "openvino_int8"]
    assert m.method_targets(make_run(names=("pytorch", "openvino"))) == []


@pytest.mark.parametrize(
    ("latency", "throughput", "verdict"),
    [
        (0.05, 40_000, "faster"),  # 4x faster, 4x fewer MACs
        (0.15, 13_000, "faster"),  # resolved, far below 4x: the share of the reduction is a number, not a verdict
        (0.20, 10_000, "unresolved"),  # ranges overlap
        (0.30, 5_000, "slower"),
        (0.30, 40_000, "mixed"),
    ],
)
def test_struct_verdict(latency, throughput, verdict):
    run = make_run(struct_changes(latency, throughput))
    item = next(x for x in m.struct_speedups(run) if x.runtime == "pytorch")
    assert item.mac_ratio == pytest.approx(4.0)
    assert item.verdict == verdict


def one_thread(target_ms: float, base_ms: float = 0.21) -> dict:
    """Batch-1 latency at one thread with narrow ranges, for pytorch_struct and its base."""

    def row(ms):
        return {"latency_1thread_p50_ms": ms, "latency_1thread_p50_ci_low_ms": ms * 0.99}

    rows = {"pytorch": row(base_ms), "pytorch_struct": row(target_ms)}
    for values in rows.values():
        values["latency_1thread_p50_ci_high_ms"] = values["latency_1thread_p50_ms"] * 1.01
    return rows


@pytest.mark.parametrize(
    ("target_1thread_ms", "verdict", "sentence"),
    [
        (0.21 / 4, "faster", "On one thread, at batch 1: 4.00×; pytorch_struct is faster at batch 1 on one thread"),
        # 4x at batch 1 with two threads but 1.1x at one thread: the report shows both
        (0.21 / 1.1, "faster", "On one thread, at batch 1: 1.10×; pytorch_struct is faster at batch 1 on one thread"),
    ],
)
def test_struct_batch1_needs_the_one_thread_figure_to_agree(target_1thread_ms, verdict, sentence):
    changes = struct_changes(0.05, 40_000)
    for target, values in one_thread(target_1thread_ms).items():
        changes.setdefault(target, {}).update(values)
    run = make_run(changes)
    item = m.struct_speedup(run, "pytorch", "pytorch_struct")
    assert item.latency_1thread.resolved and item.verdict == verdict
    w = Writer(run, Findings(), Strings("en"), Citations.load(TEMPLATES))
    assert sentence.replace("pytorch_struct", "PyTorch struct-pruned").replace("than pytorch", "than PyTorch") in (
        section.struct_paragraph(w, item)
    )
    assert m.struct_speedup(make_run(struct_changes(0.05, 40_000)), "pytorch", "pytorch_struct").latency_1thread is None


def test_speedup_grows_with_batch_only_beyond_ranges():
    grows = make_run(struct_changes(0.18, 20_000))  # 1.1x at batch 1, 2x at the best batch
    same = make_run(struct_changes(0.10, 20_000))  # 2x and 2x
    assert m.speedup_grows(grows, "pytorch", "pytorch_struct") is True
    assert m.speedup_grows(same, "pytorch", "pytorch_struct") is None
    shrinks = make_run(struct_changes(0.05, 11_000))
    assert m.speedup_grows(shrinks, "pytorch", "pytorch_struct") is False


def test_fixed_share():
    run = make_run()  # 0.2 ms at batch 1, 0.1 ms per image at 10 000 images/s
    assert m.fixed_share(run, "pytorch") == pytest.approx(0.5)


def test_unstructured_gzip_and_dense():
    run = make_run({"pytorch_pruned": {"size_gzip_bytes": 115_000}})
    [item] = m.unstructured(run)
    assert item.size_ratio == pytest.approx(1.0)
    assert item.gzip_ratio == pytest.approx(2.0)
    assert item.same_macs is True
    assert not item.latency.resolved


def predictions_with(right_a: int, right_b: int, both: int = 500, images: int = 1000):
    """Labels all 0; a right on `both` + right_a images, b on `both` + right_b other ones."""
    labels = np.zeros(images, dtype=np.int64)
    a, b = np.ones(images, dtype=np.int64), np.ones(images, dtype=np.int64)
    a[:both] = b[:both] = 0
    a[both : both + right_a] = 0
    b[both + right_a : both + right_a + right_b] = 0
    return {"pytorch_distill": (labels, a), "pytorch_student_labels": (labels, b)}


@pytest.mark.parametrize(
    ("right_a", "right_b", "verdict"), [(40, 10, "better"), (10, 40, "worse"), (22, 18, "unresolved")]
)
def test_distillation_mcnemar(tmp_path, right_a, right_b, verdict):
    accuracy = {"pytorch_distill": {"accuracy": (500 + right_a) / 1000}}
    accuracy["pytorch_student_labels"] = {"accuracy": (500 + right_b) / 1000}
    write_predictions(tmp_path, predictions_with(right_a, right_b))
    [test] = m.controls(make_run(accuracy, root=tmp_path), "distillation")
    assert test.p is not None
    assert test.verdict == verdict


def test_distillation_falls_back_to_intervals():
    apart = {"pytorch_distill": {"accuracy": 0.95, "accuracy_ci_low": 0.93, "accuracy_ci_high": 0.97}}
    [test] = m.controls(make_run(apart), "distillation")
    assert test.p is None and test.verdict == "better"
    touching = {"pytorch_distill": {"accuracy": 0.94, "accuracy_ci_low": 0.92, "accuracy_ci_high": 0.96}}
    assert m.controls(make_run(touching), "distillation")[0].verdict == "unresolved"


def test_cluster_against_int8_packed_size():
    changes = {"pytorch_cluster": {"size_packed_bytes": 40_000}, "openvino_int8": {"size_bytes": 70_000}}
    item = next(x for x in m.cluster_vs_int8(make_run(changes)) if x.int8 == "openvino_int8")
    assert item.smaller is True
    changes["pytorch_cluster"]["size_packed_bytes"] = 80_000
    item = next(x for x in m.cluster_vs_int8(make_run(changes)) if x.int8 == "openvino_int8")
    assert item.smaller is False
    # Dequantized clustered networks in other runtimes have no packed format: not compared here.
    dense = {**changes, "openvino_cluster_int8": {"size_bytes": 60_000}, "onnxruntime_cluster": {"size_bytes": 1}}
    with_dense = make_run(dense, names=(*TARGET_NAMES, "openvino_cluster_int8", "onnxruntime_cluster"))
    assert {x.target for x in m.cluster_vs_int8(with_dense)} == {"pytorch_cluster"}
    assert m.cluster_vs_int8(make_run({"pytorch_cluster": {"size_packed_bytes": None}})) == []


def test_chain_shares_add_up():
    sizes = {"pytorch_struct": 125_000, "onnxruntime_struct": 125_000, "openvino_struct_int8": 31_250}
    run = make_run({t: {"size_bytes": s} for t, s in sizes.items()})
    assert m.chain_targets(run) == ["openvino_struct_int8"]
    steps = m.chain_steps(run, "openvino_struct_int8", "pytorch")
    assert [s.target for s in steps] == ["pytorch_struct", "onnxruntime_struct", "openvino_struct_int8"]
    assert sum(s.size_share for s in steps) == pytest.approx(1.0)
    assert steps[0].size_share == pytest.approx(1 / 3)


SUMMARY = {"architecture": "ResNet-8", "params": 78_000, "macs": 12_000_000, "layer_counts": {"Conv2d": 7}}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_section_renders_every_method(tmp_path, language):
    w = writer(report_data(tmp_path, struct_changes(0.15, 13_000), summary=SUMMARY), language)
    text = section.text(w)
    assert len(text) >= 7  # intro, 2 struct runtimes, pruning, distillation, clustering, QAT, chain
    assert all("{" not in p for p in text)
    assert all(p.findings for p in text[1:])  # every paragraph but the intro states findings
    assert len(section.methods_table(w)["rows"]) == len(TARGET_NAMES)
    assert len(section.qat_table(w)["rows"]) == 2
    assert "ResNet-8" in model_text(w)
    if language == "ru":
        assert "точност" not in " ".join(text).lower()


def test_section_absent_without_methods(tmp_path):
    w = writer(report_data(tmp_path, names=("pytorch", "openvino")), "en")
    assert section.text(w) == []
    assert section.methods_table(w) is None


@pytest.mark.parametrize(("language", "heading"), [("en", "Compression methods"), ("ru", "Методы сжатия")])
def test_report_has_methods_section_and_model_title(tmp_path, language, heading):
    data = report_data(tmp_path, struct_changes(0.15, 13_000), summary=SUMMARY)
    context = build_context(data, {"language": language}, {})
    assert context["title"].startswith("ResNet-8")
    assert "ResNet-8" in context["intro"]
    markdown, latex = render_markdown(context), render_latex(context)
    assert heading in markdown and heading in latex
    assert "LeNet" not in markdown  # the model is described from its own summary


def test_report_without_methods_has_no_methods_section(tmp_path):
    context = build_context(report_data(tmp_path, names=("pytorch", "openvino")), {"language": "en"}, {})
    assert "Compression methods" not in render_markdown(context)


def test_methods_section_refers_to_the_tradeoff_figure(tmp_path):
    data = report_data(tmp_path)
    with_figure = build_context(data, {"language": "en"}, {"tradeoff": "figures/tradeoff"})
    assert "Figure" in with_figure["refs"]["methods"]["md"]
    assert "\\ref{fig:tradeoff}" in with_figure["refs"]["methods"]["tex"]
    assert "Figure" not in build_context(data, {"language": "en"}, {})["refs"]["methods"]["md"]


def test_every_target_has_its_own_plot_style():
    from compressbench.plots import _styles

    names = [f"target{i}" for i in range(len(TARGETS) + 10)]
    styles = {(tuple(s["color"]), s["marker"]) for s in _styles(names).values()}
    assert len(styles) == len(names)


@pytest.mark.parametrize(("alpha", "says_same_recipe"), [(0.0, True), (0.5, False)])
def test_distillation_with_alpha_zero_is_not_credited_to_the_loss(tmp_path, alpha, says_same_recipe):
    """distill_alpha 0 leaves the loss without its teacher term: the students follow one recipe."""
    changes = {"pytorch_distill": {"build_info": {"distill_alpha": alpha}}}
    for language in ("en", "ru"):
        w = writer(report_data(tmp_path / language, changes), language)
        strings = Strings(language)
        [paragraph] = [p for p in section.text(w) if p.startswith(strings["methods.distill_item"][:12])]
        same_recipe = strings["methods.distill_same_recipe"].split("{pair}. ")[1][:30]
        only_loss = strings["methods.distill_item"].split("{pair}. ")[1][:30]
        assert (same_recipe in paragraph, only_loss in paragraph) == (says_same_recipe, not says_same_recipe)


ACC_NAMES = ("pytorch", "openvino", "openvino_int8", "onnxruntime_int8", "openvino_int8_acc")
ACC_INFO = {
    "accuracy_control_max_drop_pp": 1.0,
    "accuracy_control_data": "validation split",
    "accuracy_control_images": 200,
    "fake_quantize_nodes": 9,
    "fake_quantize_nodes_plain_ptq": 12,
}


def accuracy_control_data(root, info=ACC_INFO, right_acc=40, right_ptq=10):
    """openvino_int8_acc beside plain PTQ: 3 of 12 quantizers back to FP, a larger file, tested predictions."""
    changes = {
        "openvino_int8": {"size_bytes": 70_000, "accuracy": (500 + right_ptq) / 1000},
        "openvino_int8_acc": {"size_bytes": 90_000, "accuracy": (500 + right_acc) / 1000, "build_info": info},
    }
    predictions = predictions_with(right_acc, right_ptq)
    write_predictions(root, {"openvino_int8_acc": predictions["pytorch_distill"]})
    write_predictions(root, {"openvino_int8": predictions["pytorch_student_labels"]})
    return report_data(root, changes, names=ACC_NAMES)


def test_accuracy_control_is_set_against_plain_ptq(tmp_path):
    data = accuracy_control_data(tmp_path)
    assert m.method_targets(data.run) == ["openvino_int8_acc"]
    item = data.findings.body("methods.accuracy_control.openvino_int8_acc")
    assert (item.control, item.returned, item.quantizers) == ("openvino_int8", 3, 9)
    assert item.accuracy.p is not None and item.accuracy.verdict == "better"
    assert item.size.resolved and item.size.better == "openvino_int8"
    assert not item.latency.resolved  # the same speed within the repeat ranges
    for language in ("en", "ru"):
        w = writer(data, language)
        [paragraph] = [p for p in section.text(w)[1:] if "methods.accuracy_control.openvino_int8_acc" in p.findings]
        assert "12" in paragraph and "9" in paragraph and "{" not in paragraph
        # the methods table: the accuracy-controlled row right after the plain post-training rows
        labels = [row[0] for row in section.methods_table(w)["rows"]]
        assert labels[-2:] == ["ONNX Runtime INT8", "OpenVINO INT8 (accuracy control)"]
    en = " ".join(section.text(writer(data, "en")))
    assert "returns 3 of its 12 FakeQuantize layers to floating point" in en
    assert "images of the validation split" in en and "is more accurate than OpenVINO INT8" in en


def test_accuracy_control_that_returned_no_quantizer(tmp_path):
    info = {**ACC_INFO, "fake_quantize_nodes": 12, "accuracy_control_data": "calibration images (no validation split)"}
    data = accuracy_control_data(tmp_path, info, right_acc=22, right_ptq=18)
    en = " ".join(section.text(writer(data, "en")))
    assert "keeps every FakeQuantize layer of OpenVINO INT8 (12 of 12)" in en and "calibration images" in en
    assert "is more accurate" not in en and "is not resolved" in en  # McNemar p well above 0.05


CHAIN = ("pytorch", "openvino", "openvino_int8", "pytorch_struct")
CHAIN += ("pytorch_struct_cluster", "onnxruntime_struct_cluster", "openvino_struct_cluster_int8")


def test_the_struct_cluster_int8_chain_shows_in_the_section(tmp_path):
    sizes = {
        "pytorch_struct": {"size_bytes": 125_000},
        "pytorch_struct_cluster": {"size_bytes": 125_000, "size_packed_bytes": 20_000},
        "onnxruntime_struct_cluster": {"size_bytes": 125_000},
        "openvino_struct_cluster_int8": {"size_bytes": 35_000},
    }
    data = report_data(tmp_path, sizes, names=CHAIN)
    chain = ("pytorch_struct", "pytorch_struct_cluster", "onnxruntime_struct_cluster", "openvino_struct_cluster_int8")
    assert set(chain) <= set(m.method_targets(data.run))
    steps = data.findings.body("methods.chain.openvino_struct_cluster_int8").steps
    assert [s.target for s in steps] == list(chain)
    assert "methods.cluster.pytorch_struct_cluster.openvino_int8" in data.findings
    for language in ("en", "ru"):
        w = writer(data, language)
        labels = [row[0] for row in section.methods_table(w)["rows"]]
        assert {"PyTorch struct-pruned clustered", "OpenVINO struct-pruned clustered INT8"} <= set(labels)
        text = section.text(w)
        assert any("methods.chain.openvino_struct_cluster_int8" in p.findings for p in text[1:])


def struct_diagnosis(target: str, reference: str):
    """A diagnosis whose batch-1 setting explains the MACs against the time (diagnosis.MacExplanation)."""
    from compressbench.diagnosis import BatchDiagnosis, Diagnosis, MacExplanation

    macs = MacExplanation(0.25, 0.40, 0.80, 0.70, 0.775, ())
    batch1 = BatchDiagnosis("batch1", 1, 1, 0.8, "faster", 0.8, (), (), (), macs)
    best = BatchDiagnosis("best", 256, 256, 0.5, "faster", 0.5, (), (), (), None)
    return Diagnosis(target, reference, batch1, best, ())


def struct_paragraphs(w: Writer) -> list:
    return [p for p in section.text(w) if "methods.struct.pytorch_struct" in getattr(p, "findings", ())]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_struct_speedup_is_explained_by_the_profiles_when_the_run_has_them(tmp_path, language):
    from compressbench.analysis.findings import MEASURED, Finding

    data = report_data(tmp_path, struct_changes(0.15, 13_000), summary=SUMMARY)
    [whole_call] = struct_paragraphs(writer(data, language))
    data.findings.add(
        Finding(
            "diagnosis.variant.pytorch_struct", "diagnosis", MEASURED, "", struct_diagnosis("pytorch_struct", "pytorch")
        )
    )
    [profiled] = struct_paragraphs(writer(data, language))
    assert "diagnosis.variant.pytorch_struct" in profiled.findings
    number = Strings(language).num
    assert number.ratio(0.775) in profiled and number.percent(0.70, 0) in profiled  # expected ratio, fixed share
    assert number.ratio(0.775) not in whole_call and "diagnosis.variant.pytorch_struct" not in whole_call.findings

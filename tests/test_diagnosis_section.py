"""The diagnosis as findings and as a report section, on profiles recorded from a tiny CNN (ONNX
Runtime QDQ INT8: tests/data/profiles/ort_qdq_int8) beside synthetic records: the verdicts are the
run's comparisons, the causes the profiles'; no profiles, no section."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from results_fixtures import analyzed, record, write_results

from compressbench import paths
from compressbench.diagnosis import FASTER, SLOWER, UNRESOLVED, Diagnosis
from compressbench.report import build_context, render_latex, render_markdown
from compressbench.report.i18n import TEMPLATES, Strings
from compressbench.report.sections import diagnosis as section
from compressbench.report.writer import Citations, Writer

CASE = Path(__file__).parent / "data" / "profiles" / "ort_qdq_int8"
PAIR = ("onnxruntime", "onnxruntime_int8")


def speed(p50_ms: float, spread: float, ips: float) -> dict:
    return {
        "latency_p50_ms": p50_ms,
        "latency_p50_ci_low_ms": p50_ms * (1 - spread),
        "latency_p50_ci_high_ms": p50_ms * (1 + spread),
        "throughput_ips": ips,
        "throughput_ips_low": ips * (1 - spread),
        "throughput_ips_high": ips * (1 + spread),
        "batch_size_best": 64,
        "repeats": 3,
        "accuracy": 0.9,
    }


# The records say INT8 is resolved slower at batch 1 and faster at the best batch; the recorded bench
# summaries (one unrepeated run) would leave both unresolved: the section must follow the records.
RECORDS = {"onnxruntime": speed(0.010, 0.01, 300_000), "onnxruntime_int8": speed(0.014, 0.01, 400_000)}


def make_run(root: Path, profiles: bool = True):
    write_results(root, [record(t, **RECORDS[t]) for t in PAIR])
    if profiles:
        for part in ("profile", "bench", "eval"):
            shutil.copytree(CASE / part, root / paths.RESULTS / part, dirs_exist_ok=True)
        shutil.copy(CASE / "model" / "spec.json", root / paths.SPEC)
    return analyzed(root)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("diagnosed"))


def writer(data, language: str) -> Writer:
    return Writer(data.run, data.findings, Strings(language), Citations.load(TEMPLATES), data.environment)


def test_diagnosis_takes_its_verdicts_from_the_runs_comparisons(data):
    found = data.findings.body("diagnosis.variant.onnxruntime_int8")
    assert isinstance(found, Diagnosis) and found.reference == "onnxruntime"
    assert (found.batch1.status, found.best.status) == (SLOWER, FASTER)
    assert found.batch1.speed_ratio == pytest.approx(1.4)
    assert found.batch1.causes and found.batch1.top_cause.share > 0
    assert {x.int8 for x in found.int8_layers} == {x.executed for x in found.int8_layers}  # every layer ran INT8


def test_profiles_of_the_compared_targets_are_findings(data):
    for target in PAIR:
        profile = data.findings.body(f"diagnosis.profile.{target}")
        assert [b.batch for b in profile.batches] == [1, 64] and profile.profiler
    assert data.findings.get("diagnosis.variant.onnxruntime") is None  # a reference is not diagnosed


def test_unresolved_when_the_ranges_overlap(tmp_path):
    overlapping = {**RECORDS, "onnxruntime_int8": speed(0.0101, 0.05, 301_000)}
    write_results(tmp_path, [record(t, **overlapping[t]) for t in PAIR])
    for part in ("profile", "bench", "eval"):
        shutil.copytree(CASE / part, tmp_path / paths.RESULTS / part, dirs_exist_ok=True)
    found = analyzed(tmp_path).findings.body("diagnosis.variant.onnxruntime_int8")
    assert (found.batch1.status, found.best.status) == (UNRESOLVED, UNRESOLVED)
    w = writer(analyzed(tmp_path), "en")
    paragraph = section.detail_text(w)[1]
    assert "faster" not in paragraph and "the difference is not resolved" in paragraph


@pytest.mark.parametrize("language", ["en", "ru"])
def test_section_names_causes_and_int8_layers(data, language):
    w = writer(data, language)
    # the main text: what the table holds, then each row in words, with the setting whose profiling jobs' own calls
    # point against the verdict (the recorded profiles have one) said to be unexplained; the account is the appendix's
    summary, words = section.text(w)
    found = data.findings.body("diagnosis.variant.onnxruntime_int8")
    assert [s.profile_disagrees for s in found.settings] == [False, True]  # batch 1 slower, the best batch faster
    assert [s.counters_disagree for s in found.settings] == [False, True]  # said once: the profiles' own calls
    said = {
        "en": (
            "ONNX Runtime INT8 against ONNX Runtime: slower at batch 1, the largest cost being ",
            "faster at the best batch, yet in the profiling jobs its calls without the profiler took 2.52 µs per image "
            "against the reference's 1.59 µs",
        ),
        "ru": (
            "ONNX Runtime INT8 против ONNX Runtime: при батче 1 медленнее, наибольшие затраты — ",
            "при лучшем батче быстрее, но ",
            "но в заданиях профилирования вызовы без профилировщика заняли 2,52 мкс на изображение против 1,59 мкс",
        ),
    }[language]
    assert all(part in words.replace("\u00a0", " ") for part in said), words
    intro, paragraph = section.detail_text(w)
    assert all("{" not in p for p in (summary, words, intro, paragraph))
    counts = next(x for x in found.int8_layers if x.batch == 1)
    assert f"{counts.int8} " in paragraph and "INT8" in paragraph
    assert "FP32" in paragraph and "F32)" not in paragraph.replace("FP32)", "")  # as the tables name it
    assert {"en": "(layers: ", "ru": "(число слоёв: "}[language] in paragraph  # a count says what it counts
    assert "diagnosis.variant.onnxruntime_int8" in paragraph.findings
    assert "variants.latency.onnxruntime_int8" in paragraph.findings  # the verdict it states
    rows = section.diagnosis_table(w)["rows"]
    # a row naming the variant, its reference and its working layers in INT8 heads batch 1's and the best batch's
    (head,) = rows[0]
    assert len(rows) == 3 and head.startswith(w.label("onnxruntime_int8")) and w.label("onnxruntime") in head
    assert head.endswith(f"INT8: {counts.int8} / {counts.executed}")
    # the largest cost per image, then as a share of the profiled call (which the profiler lengthens)
    top = found.batch1.causes[0]
    assert f"{section.us(w, top.us_per_image)} ({section.share(w, top.share)})" in rows[1][2]
    assert section.profile_table(w)["rows"][0][0] == w.label("onnxruntime")


def test_report_has_the_section_and_the_profiles_table(data):
    context = build_context(data, {"language": "en"}, {})
    markdown, latex = render_markdown(context), render_latex(context)
    for text in (markdown, latex):
        assert "Why a variant is or is not faster" in text and "Per-layer profiles" in text
    assert "\\ref{tab:profiles}" in context["refs"]["diagnosis_detail"]["tex"]
    appendix = markdown.index("Each variant's profile against its reference")
    assert (
        markdown.index("Per-layer profiles of the compared variants")
        > appendix
        > markdown.index("Why a variant is or is not faster")
    )


def test_no_profiles_no_section(tmp_path):
    data = make_run(tmp_path, profiles=False)
    assert not data.findings.with_prefix("diagnosis.")
    assert section.text(writer(data, "en")) == [] and section.detail_text(writer(data, "en")) == []
    assert "Why a variant" not in render_markdown(build_context(data, {"language": "en"}, {}))


def test_short_layer_keeps_the_end_of_a_long_name():
    assert section.short_layer("/features/features.0/Conv/WithoutBiases") == "features.0/Conv"
    gemm = "/classifier/classifier.1/Gemm/WithoutBiases/DequantizationMultiply"
    assert section.short_layer(gemm) == "classifier.1/Gemm"
    reorder = section.short_layer("images/fq_output_0_abcd_acdb_/features/features.0/Conv/WithoutBiases", 20)
    assert len(reorder) == 20 and reorder.startswith("…") and reorder.endswith("_features.0/Conv")
    assert section.short_layer("fc1") == "fc1"
    # ONNX Runtime's fused Conv+Relu is named after the Relu's output, in its blocked layout
    assert section.short_layer("/features/features.1/Relu_output_0_nchwc") == "features.1/Relu"
    assert section.short_layer("/features/features.5/MaxPool_output_0") == "features.5/MaxPool"


def test_a_diagnosed_int8_variant_is_explained_once(data, tmp_path):
    """The compressed-variants section's whole-call explanation gives way to the profile diagnosis."""
    from compressbench.report.sections import compression

    assert data.findings.get("variants.int8_slowdown.onnxruntime_int8")
    assert compression.int8_explanations(writer(data, "en")) == []
    assert len(compression.int8_explanations(writer(make_run(tmp_path, profiles=False), "en"))) == 1


def test_a_cost_or_saving_that_prints_as_zero_percent_is_not_named(data):
    import dataclasses

    w = writer(data, "en")
    found = data.findings.body("diagnosis.variant.onnxruntime_int8")
    parts = [p for s in found.settings for p in (*s.causes, *s.gains)]
    kept, tiny = dataclasses.replace(parts[0], share=0.35), dataclasses.replace(parts[0], share=0.004)
    assert section.named(w, [kept, tiny]) == [kept]
    only_tiny_cost = dataclasses.replace(found.batch1, causes=(tiny,))
    assert section.largest(w, section.named(w, only_tiny_cost.causes), section.CAUSES) == w.n.missing  # a dash
    assert "0 %" not in section.setting_text(w, found, only_tiny_cost)


def test_a_slower_variant_names_its_savings_where_the_table_does(data):
    import dataclasses

    w = writer(data, "en")
    found = data.findings.body("diagnosis.variant.onnxruntime_int8")
    saving = found.best.gains[0] if found.best.gains else found.batch1.gains[0]
    slower = dataclasses.replace(found.batch1, status=SLOWER, gains=(dataclasses.replace(saving, share=0.2),))
    text = section.setting_text(w, found, slower)
    assert "slower; the time lost is in " in text and ", while it saves time in " in text
    assert section.largest(w, section.named(w, slower.gains), section.GAINS) != w.n.missing  # the table's column


def test_a_faster_variant_names_its_costs_where_the_table_does(data):
    import dataclasses

    from compressbench.diagnosis import FASTER

    w = writer(data, "en")
    found = data.findings.body("diagnosis.variant.onnxruntime_int8")
    setting = found.batch1
    cost = dataclasses.replace(setting.causes[0], share=0.04)
    saving = dataclasses.replace((found.best.gains or setting.gains)[0], share=0.2)
    faster = dataclasses.replace(setting, status=FASTER, causes=(cost,), gains=(saving,))
    text = section.setting_text(w, found, faster)
    assert "faster; the time saved is in " in text and ", while it loses time in " in text
    assert section.largest(w, section.named(w, faster.causes), section.CAUSES) != w.n.missing  # the table's column


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["At batch 1, its unattributed time (", "classifier.3 + classifier.5", "not counted as a cost"]),
        (
            "ru",
            ["При батче 1 его неучтённое время (", "classifier.3 + classifier.5", "не считается статьёй затрат"],
        ),
    ],
)
def test_the_account_says_when_layers_reading_0_us_hold_its_longer_unattributed_time(data, language, words):
    from dataclasses import replace

    from compressbench.diagnosis import UnmeasuredLayers

    w = writer(data, language)
    d = w.finding("diagnosis.variant.onnxruntime_int8")
    assert section.unmeasured_text(w, d) == ""  # the recorded profiles have no such layer
    held = UnmeasuredLayers(("classifier.3+classifier.5",), 8.35, 4.5, 5.6)
    text = section.unmeasured_text(w, replace(d, batch1=replace(d.batch1, unmeasured=held)))
    assert all(word in text for word in words) and text.count(w.n.ms(8.35 / 1000)) == 1, text


@pytest.mark.parametrize(("language", "words"), [("en", "not why"), ("ru", "но не почему")])
def test_slower_int8_kernels_on_a_cpu_with_vnni_are_said_to_be_where_not_why(data, language, words, monkeypatch):
    from dataclasses import replace

    w = writer(data, language)
    d = w.finding("diagnosis.variant.onnxruntime_int8")
    assert section.kernels_why(w, d) == ""  # the recorded run's slowdown finding says: no VNNI
    recorded = w.finding

    def with_vnni(finding_id):
        body = recorded(finding_id)
        return replace(body, vnni=True) if finding_id.startswith("variants.int8_slowdown.") else body

    monkeypatch.setattr(w, "finding", with_vnni)
    assert words in section.kernels_why(w, d) and "VNNI" in section.kernels_why(w, d)
    assert words in section.variant_paragraph(w, "diagnosis.variant.onnxruntime_int8")


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "At the best batch its counted layers take 30.0 µs per image against the reference's 25.0 µs"),
        ("ru", "При лучшем батче учтённые слои варианта занимают 30,0 мкс на изображение против 25,0 мкс у эталона"),
    ],
)
def test_a_gain_the_layer_counters_do_not_show_is_put_in_the_unattributed_time(data, language, words):
    """A faster variant whose counted layers take longer than the reference's: the gain is the unattributed
    time's, and the account says so rather than explain it by the layers."""
    from dataclasses import replace

    w = writer(data, language)
    d = w.finding("diagnosis.variant.onnxruntime_int8")
    assert d.best.counted_us is not None and len(d.best.counted_us) == 2  # recorded from the profiles
    agree = replace(d.best, status=FASTER, counted_us=(20.0, 25.0), plain_us=None)
    assert not agree.counters_disagree and section.counters_text(w, replace(d, best=agree)) == ""
    disagree = replace(d.best, status=FASTER, counted_us=(30.0, 25.0), plain_us=None)  # the profiles' own calls agree
    assert disagree.counters_disagree and replace(disagree, status=SLOWER, counted_us=(20.0, 25.0)).counters_disagree
    text = section.counters_text(w, replace(d, best=disagree))
    assert words in text.replace("\u00a0", " "), text


@pytest.mark.parametrize(
    ("language", "account", "words"),
    [
        (
            "en",
            "At batch 1 the profiling jobs' own calls without the profiler took 52.0 µs per image against the "
            "reference's 50.0 µs: the profiles were taken while the variant ran no faster",
            "faster at batch 1, yet in the profiling jobs its calls without the profiler took 52.0 µs per image",
        ),
        (
            "ru",
            "При батче 1 в заданиях профилирования вызовы без профилировщика заняли 52,0 мкс на изображение против "
            "50,0 мкс у эталона: профили сняты, когда вариант работал не быстрее эталона",
            "но в заданиях профилирования вызовы без профилировщика заняли 52,0 мкс на изображение",
        ),
    ],
)
def test_a_profile_taken_while_the_variant_was_not_faster_does_not_explain_its_gain(
    data, language, account, words, monkeypatch
):
    """The profiling jobs' own calls without the profiler point against the benchmark's verdict (each profile is one
    job at one moment of the machine): the section says the profiles cannot show where the gain lies, and names no
    part of them as its cause."""
    from dataclasses import replace

    w = writer(data, language)
    d = w.finding("diagnosis.variant.onnxruntime_int8")
    assert d.batch1.plain_us is not None and len(d.batch1.plain_us) == 2  # recorded from the profiles
    agree = replace(d.batch1, status=FASTER, plain_us=(45.0, 50.0))
    assert not agree.profile_disagrees
    unreproduced = replace(d.batch1, status=FASTER, plain_us=(52.0, 50.0), counted_us=(20.0, 25.0))
    assert unreproduced.profile_disagrees and unreproduced.unexplained and not unreproduced.counters_disagree
    assert replace(unreproduced, status=SLOWER, plain_us=(48.0, 50.0)).profile_disagrees
    assert not replace(unreproduced, status=UNRESOLVED).profile_disagrees
    changed = replace(d, batch1=unreproduced)
    assert account in section.counters_text(w, changed).replace("\u00a0", " ")
    assert section.top_part(w, unreproduced) is None
    lookup = w.finding
    monkeypatch.setattr(
        w, "finding", lambda key: changed if key == "diagnosis.variant.onnxruntime_int8" else lookup(key)
    )
    said = section.in_words(w, "diagnosis.variant.onnxruntime_int8").replace("\u00a0", " ")
    assert words in said, said
    # Table 6 names no part of such a profile either
    batch1_row = section.diagnosis_table(w)["rows"][1]
    assert batch1_row[2:] == [w.s["diagnosis.cell_unreproduced"]] * 2


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_variant_whose_largest_cost_is_of_one_kind_at_both_settings_is_said_once(data, language, monkeypatch):
    found = data.findings.body("diagnosis.variant.onnxruntime_int8")
    # slower at the best batch too, for the same cost as at batch 1 (its per-image time 9.24 us, 15 % of the call)
    both = dataclasses.replace(found, best=dataclasses.replace(found.batch1, setting="best", reference_batch=64))
    w = writer(data, language)
    lookup = w.finding
    monkeypatch.setattr(w, "finding", lambda key: both if key == "diagnosis.variant.onnxruntime_int8" else lookup(key))
    said = section.in_words(w, "diagnosis.variant.onnxruntime_int8").replace("\u00a0", " ")
    expected = {
        "en": "at the best batch, the largest cost at both being convert layers, 9.24 µs (15 %) and 9.24 µs (15 %).",
        "ru": "наибольшие затраты в обоих случаях — слои преобразования, 9,24 мкс (15 %) и 9,24 мкс (15 %).",
    }[language]
    assert said.endswith(expected) and said.count(";") == 0, said

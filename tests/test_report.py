"""Report: escaping, number formats, facts computed from fabricated results, rendering, PDF build."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from results_fixtures import CIFAR, analyzed, record, write_predictions, write_results, write_tsv

from compressbench import paths
from compressbench.analysis.claims import ClaimsError, load_claims
from compressbench.analysis.findings import Findings
from compressbench.analysis.rule import NO_INTERVAL, OVERLAP, ROUNDS_DISAGREE
from compressbench.report import build_context, latex_escape, md_escape, render_latex, render_markdown
from compressbench.report.i18n import TEMPLATES, Strings
from compressbench.report.latex import build_pdf, check_log, engine_available, zip_latex
from compressbench.report.numbers import Numbers
from compressbench.report.render import latex_environment, markdown_environment
from compressbench.report.sections import figures
from compressbench.report.sections import quality as quality_section
from compressbench.report.tables import cell_lines, natural_width, table
from compressbench.report.writer import Citations, Writer
from compressbench.results import read_records, write_records

NASTY = "Отчёт #1: 100% & $5 ~ a_b ^c \\textbf{x} {y} -- `q' <z> | *w*"


# target: runtime, label, weights, precision, size, accuracy, test-set s, p50 ms, CI, img/s, best batch, naive, tuned
TARGETS = {
    "pytorch": ("pytorch", "PyTorch", "fp32", "f32", 250_821, 0.5844, 0.60, 0.200, (0.195, 0.205), 9000, 256, 6.0, 2.5),
    "onnxruntime": (
        "onnxruntime",
        "ONNX Runtime",
        "fp32",
        "f32",
        249_311,
        0.5844,
        0.30,
        0.030,
        (0.029, 0.031),
        30000,
        8,
        0.9,
        0.4,
    ),
    "openvino": (
        "openvino",
        "OpenVINO",
        "fp16",
        "f32",
        143_469,
        0.5843,
        0.35,
        0.040,
        (0.039, 0.041),
        35000,
        256,
        1.1,
        0.5,
    ),
    "openvino_int8": (
        "openvino",
        "OpenVINO INT8",
        "int8",
        "int8",
        80_000,
        0.5790,
        0.20,
        0.035,
        (0.034, 0.036),
        50000,
        256,
        1.0,
        0.45,
    ),
}


# benchmark_app.json's batch-1 latency row: benchmark_app's runs, ours in the same rounds, the ratios per round
APP_LATENCY = {
    "benchmark_app_repeats": 3,
    "benchmark_app_latency_median_ms": 0.038,
    "benchmark_app_latency_median_low_ms": 0.037,
    "benchmark_app_latency_median_high_ms": 0.041,
    "our_latency_p50_ms": 0.040,
    "our_latency_p50_low_ms": 0.039,
    "our_latency_p50_high_ms": 0.044,
    "latency_ratio": 1.05,
    "latency_ratio_low": 1.04,
    "latency_ratio_high": 1.08,
}


def fabricate(
    root: Path,
    targets=TARGETS,
    bench: bool = True,
    source: str = "cifar10",
    classes=CIFAR,
    extra: dict | None = None,
    app_rows: list | None = None,
):
    """A made-up run of these targets under `root`, analysed: the report's data. `extra`: more result
    fields for every benchmarked record; `app_rows`: benchmark_app's comparison rows for OpenVINO."""
    records = []
    for name, (_, _, _, precision, size, acc, seconds, p50, ci, ips, best, naive, tuned) in targets.items():
        values = {
            "precision": precision,
            "accuracy": acc,
            "precision_macro": acc + 0.01,
            "recall_macro": acc,
            "f1_macro": acc - 0.002,
            "precision_weighted": acc + 0.01,
            "recall_weighted": acc,
            "f1_weighted": acc - 0.002,
            "size_bytes": size,
            "params": 62006,
            "eval_batch_size": 256,
            "threads": 2,
            "agreement": 1.0 if name != "openvino_int8" else 0.97,
            "max_abs_logit_diff": 0.0 if name == "pytorch" else 3e-6,
            "accuracy_delta_pp": 100 * (acc - 0.5844),
            "compression_ratio": 249_311 / size,
            "accuracy_ci_low": acc - 0.01,
            "accuracy_ci_high": acc + 0.01,
            "f1_macro_ci_low": acc - 0.012,
            "f1_macro_ci_high": acc + 0.008,
            "mcnemar_p": None if name == "pytorch" else (1.0 if name != "openvino_int8" else 0.002),
            "changed_predictions": 0 if name == "pytorch" else (2 if name != "openvino_int8" else 300),
        }
        if bench:
            values |= {
                "test_set_seconds": seconds,
                "test_set_batch_size": best,
                "peak_rss_mb": 300 + size / 1e4,
                "peak_rss_largest_mb": 310 + size / 1e4,
                "peak_rss_largest_batch": 256,
                "baseline_rss_mb": 280.0,
                "load_seconds": 0.01 if name == "pytorch" else 0.05,
                "first_call_ms": p50 * 20,
                "repeats": 3,
                "latency_p50_ms": p50,
                "latency_p99_ms": p50 * 2,
                "latency_p99_low_ms": p50 * 1.8,
                "latency_p99_high_ms": p50 * 2.5,
                "latency_p50_ci_low_ms": ci[0],
                "latency_p50_ci_high_ms": ci[1],
                "throughput_ips_low": ips * 0.97,
                "throughput_ips_high": ips * 1.03,
                "hostname": "node1",
                "cpu_model": "Test CPU",
                "throughput_ips": ips,
                "batch_size_best": best,
                "throughput_by_batch": {
                    "1": 1000 / p50,
                    "8": ips * 0.8,
                    "64": ips * 0.9,
                    "256": ips * (best == 256 or 0.7),
                },
                "naive_test_set_seconds": naive,
                "tuned_test_set_seconds": tuned,
                **(extra or {}),
            }
        records.append(record(name, **values))
    app = {
        "comparison": app_rows
        or [
            {
                "batch_size": 1,
                **APP_LATENCY,
            }
        ]
    }
    write_results(root, records, classes, source, benchmark_app={"openvino": app} if bench else None)
    return analyzed(root)


# ---- escaping ------------------------------------------------------------------------------------


@pytest.mark.parametrize("char", list("#$%&~_^\\{}"))
def test_latex_escape_makes_every_special_literal(char):
    escaped = latex_escape(f"a{char}b")
    # no bare special remains: each is preceded by a backslash or is inside a \text...{} command
    stripped = re.sub(r"\\(textbackslash|textasciitilde|textasciicircum)\{\}", "", escaped)
    stripped = re.sub(r"\\[#$%&_{}]", "", stripped)
    assert stripped == "ab"


def test_a_long_identifier_may_break_after_its_dots_and_underscores():
    assert latex_escape("onnxruntime.quantization.quantize_static") == (
        r"onnxruntime.\allowbreak{}quantization.\allowbreak{}quantize\_\allowbreak{}static"
    )
    assert latex_escape("compress_to_fp16, 0.6447, summary.json") == r"compress\_to\_fp16, 0.6447, summary.json"


def test_latex_escape_keeps_cyrillic_and_breaks_ligatures():
    assert latex_escape("Ёжик") == "Ёжик"
    assert latex_escape("a--b") == "a-{}-b"
    assert latex_escape("\\input{/etc/passwd}") == r"\textbackslash{}input\{/etc/passwd\}"
    assert latex_escape("a\u00a0b") == "a~b"


def test_md_escape_table_cells_and_leading_markers():
    assert md_escape("a|b") == r"a\|b"
    assert md_escape("# title").startswith("\\#")
    assert md_escape("- item").startswith("\\-")
    assert md_escape("1. first").startswith("1\\.")
    assert md_escape("*bold* _x_ [l](u) <b>") == r"\*bold\* \_x\_ \[l\](u) \<b\>"
    assert md_escape("line\nbreak") == "line break"


# ---- numbers -------------------------------------------------------------------------------------


def test_numbers_follow_language():
    ru, en = Numbers("ru"), Numbers("en")
    assert ru.fixed(0.5844, 4) == "0,5844"
    assert en.fixed(0.5844, 4) == "0.5844"
    assert ru.integer(62006) == "62\u00a0006"
    assert ru.integer(1234) == "1234"
    assert en.integer(62006) == "62,006"
    assert ru.pp(-0.54) == "\u22120,54\u00a0п.\u00a0п."  # a minus sign, not a hyphen
    assert en.fixed(-1.5, 1) == "\u22121.5"
    assert ru.column([0.5, 12.25, 0.0312]) == ["0,5000", "12,2500", "0,0312"]
    assert en.small(3.8e-6) == "0.0000038"  # never 3.8e-6 in the text
    assert ru.ms(0.0414) == "41,4\u00a0мкс" and en.ms(0.0414) == "41.4\u00a0µs"  # µs below 1 ms
    assert ru.ms(2.5) == "2,50\u00a0мс"
    assert ru.percent(0.95, 0) == "95\u00a0%"
    with pytest.raises(ValueError):
        Numbers("de")


# ---- rendering -----------------------------------------------------------------------------------

FIGURES = {name: f"figures/{name}" for name in ("training_curves", "latency", "tradeoff", "confusion")}


def method_text(markdown: str) -> str:
    """The method as a reader finds it: Section 2 and its appendix part (“Measurement details”)."""
    main = markdown.split("## 2.")[1].split("## 3.")[0]
    detail = re.split(r"### A\.\d+\. (?:Measurement details|Подробности измерений)", markdown)[1]
    return main + detail.split("\n#")[0]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_render_both_formats(tmp_path, language):
    data = fabricate(tmp_path)
    context = build_context(data, {"language": language, "title": NASTY, "author": "Иванов & Co_"}, FIGURES)
    markdown, latex = render_markdown(context), render_latex(context)
    assert r"\VAR" not in latex and r"\BLOCK" not in latex and "{{" not in markdown
    assert latex_escape(NASTY) in latex
    assert md_escape(NASTY) in markdown
    assert "figures/latency.png" in markdown and "figures/latency.pdf" in latex
    assert r"\ref{tab:quality}" in latex and r"\label{tab:quality}" in latex
    decimal = "0,5844" if language == "ru" else "0.5844"
    assert decimal in markdown and decimal in latex
    heading = "Сравнение с курсовой работой" if language == "ru" else "Comparison with the coursework"
    assert heading in markdown and heading in latex
    quoted = "Исключение — числа самой курсовой работы" if language == "ru" else "the original coursework's own figures"
    assert quoted in context["intro"]  # the one kind of number this run did not measure
    # every Markdown table row has as many cells as its header
    for block in re.findall(r"((?:^\|.*\|\n)+)", markdown, flags=re.M):
        lines = block.strip().splitlines()
        counts = {len(re.findall(r"(?<!\\)\|", line)) for line in lines}
        assert len(counts) == 1, lines


def test_method_names_the_full_rounds_and_the_app_check_compares_wall_clocks(tmp_path):
    app_one = {
        "batch_size": 1,
        **APP_LATENCY,
        "benchmark_app_throughput_ips": 20000.0,
        "benchmark_app_throughput_ips_low": 19000.0,
        "benchmark_app_throughput_ips_high": 20500.0,
        "our_throughput_ips": 21000.0,
        "our_throughput_ips_low": 20000.0,
        "our_throughput_ips_high": 22000.0,
        "throughput_ratio": 1.05,
        "throughput_ratio_low": 0.98,
        "throughput_ratio_high": 1.1,
    }
    data = fabricate(tmp_path, extra={"repeats": 6, "full_repeats": 3}, app_rows=[app_one])
    (item,) = data.findings.body("naive.benchmark_app").items
    assert item.tuned_throughput_ips.ratio == 1.05 and item.runtime_timer_ms is None  # no timer recorded
    markdown = render_markdown(build_context(data, {"language": "en"}, FIGURES))
    definition = markdown.index("The first 3 of the 6 rounds are extended")
    assert definition < markdown.index("extended round") and definition < markdown.index("Results")  # in the method
    assert (
        "this workflow over the same rounds (not the median over every round in Table 3) 40.0" in markdown
        and "1.05× (1.04–1.08) benchmark\\_app's per round" in markdown
    )
    assert (
        "by the wall clock at batch 1, benchmark\\_app's own loop 20,000" in markdown
        and "1.05× (0.98–1.10)" in markdown
    )
    # every round full (the old default, or a study's two repeats): no such sentence
    data = fabricate(tmp_path / "all", extra={"repeats": 3, "full_repeats": 3})
    assert "rounds are extended" not in render_markdown(build_context(data, {"language": "en"}, FIGURES))


def test_the_app_check_gives_openvinos_own_timer_with_its_range_over_the_rounds(tmp_path):
    timer = {"our_runtime_timer_p50_ms": 0.0375, "our_runtime_timer_p50_low_ms": 0.0371}
    timer |= {"our_runtime_timer_p50_high_ms": 0.0392, "runtime_timer_ratio": 0.99}
    timer |= {"runtime_timer_ratio_low": 0.97, "runtime_timer_ratio_high": 1.02}
    app_rows = [{"batch_size": 1, **APP_LATENCY, **timer}]
    data = fabricate(tmp_path, extra={"repeats": 6, "full_repeats": 3}, app_rows=app_rows)
    markdown = render_markdown(build_context(data, {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert "OpenVINO's own timer in this workflow's calls 37.5 µs (37.1–39.2 µs), 0.99× (0.97–1.02)" in markdown


@pytest.mark.parametrize(
    ("repeats", "english", "russian"),
    [
        (8, "about 96 % of the time with 8 rounds", "примерно в 96 % случаев при 8 прогонах"),
        (3, "about 60 % of the time with 3 rounds", "примерно в 60 % случаев при 3 прогонах"),
    ],
)
def test_the_method_says_how_often_a_range_holds_another_runs_median_with_this_runs_rounds(
    tmp_path, repeats, english, russian
):
    data = fabricate(tmp_path, extra={"repeats": repeats, "full_repeats": 3})
    for language, words in (("en", english), ("ru", russian)):
        method = method_text(render_markdown(build_context(data, {"language": language}, FIGURES)))
        assert words in method.replace("\u00a0", " ")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_speed_section_and_method_report_what_the_probe_found(tmp_path, language):
    probed = {
        "repeat_indices": list(range(6)),
        "latency_cpu_states": ["full", "reduced", "full", "full", "full", "full"],
        "latency_repeat_p50_ms": [0.040, 0.062, 0.041, 0.040, 0.040, 0.041],
        "parallel_efficiency_by_repeat": [[0.95, 0.93, 0.9], [0.7, 0.65, 0.7]] + [[0.9, 0.9, 0.9]] * 4,
    }
    data = fabricate(tmp_path, extra={"repeats": 6, "full_repeats": 3, **probed})
    markdown = render_markdown(build_context(data, {"language": language}, FIGURES)).replace("\u00a0", " ")
    appendix = markdown.index("## A.")  # the state and one thread are taken up in the appendix
    if language == "en":
        assert markdown.index("The appendix gives how the probe works") < appendix
        assert appendix < markdown.index("both probes read at least 0.9")
        assert re.search(r"below full parallel speed in \d+ of \d+ windows", markdown)
        assert "parallel efficiency down to 0.65" in markdown
        assert "OpenVINO 62.0 µs against 40.0 µs" in markdown
        assert "both probes read at least 0.9" in markdown and "they do not select them" in markdown
    else:
        assert "эффективность до 0,65" in markdown
        assert "OpenVINO — 62,0 мкс против 40,0 мкс" in markdown
        assert "не меньше 0,9" in markdown and "но не отбирают их" in markdown
    # the limitations say how often the machine the ranges describe was below full speed, and where to read more
    limits = markdown[markdown.index({"en": "Limitations", "ru": "Ограничения"}[language]) : appendix]
    said = {
        "en": r"In this run the probes taken before and after each batch-1 latency window found the CPUs below full "
        r"parallel speed for \d+ of the \d+ windows \(the appendix: “The machine's state during the timings”\)",
        "ru": r"В этом запуске контрольные замеры нашли процессоры не на полной параллельной скорости у \d+ из \d+ "
        r"окон задержки при батче 1 \(в приложении: «Состояние машины во время замеров»\)",
    }[language]
    assert re.search(said, limits), limits
    steady = {**probed, "latency_cpu_states": ["full"] * 6}
    data = fabricate(tmp_path / "steady", extra={"repeats": 6, "full_repeats": 3, **steady})
    markdown = render_markdown(build_context(data, {"language": language}, FIGURES))
    assert not re.search(said[:20], markdown)


def test_the_appendix_gives_every_variants_precision_recall_and_f1_per_class_and_memory_at_batch_1(tmp_path):
    fabricate(tmp_path, extra={"peak_rss_batch1_mb": 290.0, "peak_rss_batch1_mb_low": 289.0})
    rows = [{"class": c, "precision": 0.4, "recall": 0.4, "f1": 0.412, "support": 1000} for c in CIFAR]
    write_tsv(tmp_path / paths.for_target(paths.EVAL["per_class"], "openvino_int8"), rows)
    trained = [{"class": c, "precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 1000} for c in CIFAR]
    write_tsv(tmp_path / paths.for_target(paths.EVAL["per_class"], "onnxruntime"), trained)
    context = build_context(analyzed(tmp_path), {"language": "en"}, FIGURES)
    f1 = context["tables"]["per_class_f1"]
    assert f1["rows"][0][0] == CIFAR[0] and f1["rows"][0][1:] == ["0.500", "0.412"]
    # the variants that changed no prediction share the trained model's column
    assert [c["title"] for c in f1["columns"]] == ["Class", "PyTorch = ONNX Runtime", "OpenVINO INT8"]
    for measure, value in (("precision", "0.400"), ("recall", "0.400")):  # the same columns, each measure
        table = context["tables"][f"per_class_{measure}"]
        assert [c["title"] for c in table["columns"]] == [c["title"] for c in f1["columns"]]
        assert table["rows"][0][1:] == ["0.500", value]
    markdown = render_markdown(context).replace("\u00a0", " ")
    assert "F1 per class of every variant" in markdown and "Recall per class of every variant" in markdown
    # every variant peaks at 290 MiB at batch 1 (the ranges overlap): no variant is picked
    assert "This run does not pick a single variant: " in markdown
    assert "of the lowest batch-1 peak is held before the model is loaded" in markdown


def test_the_memory_recommendation_gives_each_runtime_s_span_lowest_first(tmp_path):
    ranges = {"peak_rss_batch1_mb": 290.0, "peak_rss_batch1_mb_low": 289.8, "peak_rss_batch1_mb_high": 290.2}
    fabricate(tmp_path, extra=ranges)
    records = read_records(tmp_path / paths.SUMMARY_JSON)
    lowest = dict(peak_rss_batch1_mb=289.5, peak_rss_batch1_mb_low=289.4, peak_rss_batch1_mb_high=289.6)
    highest = dict(peak_rss_batch1_mb=549.6, peak_rss_batch1_mb_low=549.0, peak_rss_batch1_mb_high=550.0)
    changed = {"openvino": lowest, "pytorch": highest}
    records = [dataclasses.replace(r, **changed.get(r.target, {})) for r in records]
    write_records(records, tmp_path / paths.SUMMARY_JSON, tmp_path / paths.SUMMARY)
    markdown = render_markdown(build_context(analyzed(tmp_path), {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert "differ by at most" not in markdown  # the span from the lowest to the highest says it
    # by runtime first, lowest first: OpenVINO's two variants as a range, ONNX Runtime, then PyTorch's one
    assert (
        "at batch 1 the benchmark process peaks at (lowest first) the OpenVINO variants from 289.5 to 290.0 MiB "
        "(OpenVINO and OpenVINO INT8); ONNX Runtime 290.0 MiB; PyTorch 549.6 MiB. " in markdown
    )


def test_one_benchmark_app_round_is_shown_without_a_range(tmp_path):
    one_round = {
        **APP_LATENCY,
        "batch_size": 1,
        "benchmark_app_repeats": 1,
        "benchmark_app_latency_median_low_ms": 0.038,
        "benchmark_app_latency_median_high_ms": 0.038,
        "latency_ratio_low": 1.05,
        "latency_ratio_high": 1.05,
    }
    data = fabricate(tmp_path, extra={"repeats": 6, "full_repeats": 3}, app_rows=[one_round])
    markdown = render_markdown(build_context(data, {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert "benchmark\\_app 38.0 µs (1 run)" in markdown and "38.0–38.0" not in markdown
    assert "1.05× benchmark\\_app's per round" in markdown  # no (1.05–1.05)


def test_default_title_and_variants_table(tmp_path):
    data = fabricate(tmp_path)
    context = build_context(data, {"language": "en", "title": None, "author": ""}, {})
    assert context["title"] == Strings("en").say("common.default_title", model="LeNet-5")  # a spec without its summary
    # OpenVINO's IR keeps FP16 weights: compression by the format, beside the compressed variants
    assert [row[:2] for row in context["tables"]["variants"]["rows"][:2]] == [
        ["OpenVINO", "FP16"],
        ["OpenVINO INT8", "INT8"],
    ]
    assert "PyTorch" not in [row[0] for row in context["tables"]["variants"]["rows"]]  # FP32 weights: not compressed
    assert context["tables"]["variants"]["rows"][1][7] == "35.0 (34.0–36.0)"  # the batch-1 median with its range
    assert "Variants made from the trained network" in render_markdown(context)


def test_check_log_flags_missing_characters_and_references():
    errors, warnings = check_log(
        "Missing character: There is no 😀 in font cmunrm!\n"
        "LaTeX Warning: Reference `fig:x' on page 2 undefined on input line 5.\n"
        "Overfull \\hbox (12.5pt too wide) in paragraph at lines 1--2\n"
    )
    assert len(errors) == 2 and len(warnings) == 1


def test_plots_write_pdf_and_png(tmp_path):
    from compressbench import plots

    data = fabricate(tmp_path)
    latency = {t: tmp_path / "results" / "bench" / t / "latency.tsv" for t in data.results.targets}
    names, matrix = data.results.confusion
    data.results.confusion = (["$x_1$ & 50%", *names[1:]], matrix)  # drawn literally, never as mathtext
    # the search's: tests/test_search_section.py; the service's: tests/test_serve_report.py
    for name in [f.name for f in figures(search=False, serve=False)]:
        written = plots.make_figure(name, data, Strings("ru"), tmp_path / "figures" / name, latency)
        assert [p.suffix for p in written] == [".pdf", ".png"] and all(p.stat().st_size > 1000 for p in written)


@pytest.mark.skipif(not engine_available(), reason="no latexmk/xelatex")
def test_pdf_build_with_cyrillic_and_specials(tmp_path):
    from compressbench import plots

    data = fabricate(tmp_path)
    report = tmp_path / "reports"
    names = ("training_curves", "tradeoff")
    for name in names:
        plots.make_figure(name, data, Strings("ru"), report / "figures" / name)
    context = build_context(
        data, {"language": "ru", "title": NASTY, "author": "Пётр & Co_ #2"}, {n: f"figures/{n}" for n in names}
    )
    (report / "report.tex").write_text(render_latex(context))
    warnings = build_pdf(report / "report.tex", report / "report.pdf")
    assert warnings == []
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(report / "report.pdf"), "-"], capture_output=True, text=True).stdout
        assert "Отчёт #1: 100% & $5" in text and "Пётр & Co_ #2" in text
    archive = report / "report-latex.zip"
    zip_latex(report / "report.tex", [report / "figures" / f"{n}.pdf" for n in names], archive)
    with zipfile.ZipFile(archive) as bundle:
        assert {"report.tex", "figures/training_curves.pdf", "figures/tradeoff.pdf"} <= set(bundle.namelist())


def test_pdf_without_tex_engine_says_how_to_install(tmp_path, monkeypatch):
    from compressbench.report import latex

    monkeypatch.setattr(latex.shutil, "which", lambda name: None)
    (tmp_path / "report.tex").write_text("x")
    with pytest.raises(latex.LatexError, match="apt-get install -y --no-install-recommends latexmk"):
        latex.build_pdf(tmp_path / "report.tex", tmp_path / "report.pdf")
    assert not (tmp_path / "report.pdf").exists()


def test_title_block_shows_only_configured_fields(tmp_path):
    data = fabricate(tmp_path)
    settings = {"language": "en", "author": "A. Student", "group": "", "course": "Inference engines"}
    context = build_context(data, settings, {})
    assert context["title_lines"] == ["A. Student", "Inference engines"]
    latex = render_latex(context)
    assert "A. Student" + "\\\\\n" + "Inference engines" in latex


def test_a_table_too_wide_for_print_sets_notes_under_values_and_long_titles_on_two_lines():
    assert cell_lines("0.6447 (0.6351–0.6542)") == ["0.6447", "(0.6351–0.6542)"]
    assert cell_lines("Peak at batch 1, MiB", title=True) == ["Peak at", "batch 1, MiB"]
    assert cell_lines("slower layers with multiplications, 41\u00a0%", align="l") == [
        "slower layers with",
        "multiplications, 41\u00a0%",
    ]
    assert cell_lines("129\u00a0746", align="r") == ["129\u00a0746"]  # a number stays whole
    assert cell_lines("Size, KiB", title=True) == ["Size,", "KiB"] and cell_lines("Variant", title=True) == ["Variant"]
    assert cell_lines("Сравнивается с", title=True) == ["Сравнивается с"]  # "с" alone would gain little
    assert cell_lines("not resolved", align="l") == ["not resolved"]
    assert cell_lines("F1 (95 % CI)", title=True) == ["F1", "(95 % CI)"]  # never "95" / "%"
    narrow = table([("Variant", "l"), ("Accuracy (95 % CI)", "r")], [["PyTorch", "0.6447 (0.6351–0.6542)"]])
    wide = table([(f"Accuracy {i} (95 % CI)", "r") for i in range(6)], [["0.6447 (0.6351–0.6542)"] * 6])
    assert not narrow["stack"] and wide["stack"]
    assert natural_width(wide["columns"], wide["rows"], stacked=True) < natural_width(wide["columns"], wide["rows"])
    latex = latex_environment().from_string(
        "\\VAR{m.datatable(tab, 'c', 'tab:x')|raw}",
        globals={"m": latex_environment().get_template("macros.tex.j2").module},
    )
    stacked = latex.render(tab=wide)
    assert "\\begin{tabular}[t]{@{}r@{}}0.6447\\\\(0.6351–0.6542)\\end{tabular}" in stacked
    assert "0.6447 (0.6351–0.6542)" in latex.render(tab=narrow)


def test_a_first_column_that_names_no_row_takes_two_lines_as_the_others_do():
    """A pair of variants: the first is a text like the second, so a long one may wrap where the table needs it."""
    group = "PyTorch = ONNX Runtime = ORT without optimizations"
    rows = [[group, group, "75", "67", "0.557"]]
    columns = [("First variant", "l"), ("Second variant", "l"), *((f"Only one {i} right", "r") for i in range(3))]
    named, pairs = table(columns, rows), table(columns, rows, names=False)
    assert named["stack"] and pairs["stack"]
    assert natural_width(pairs["columns"], rows, stacked=True, names=False) < natural_width(
        named["columns"], rows, stacked=True
    )
    macros = latex_environment().get_template("macros.tex.j2").module
    latex = latex_environment().from_string("\\VAR{m.datatable(tab, 'c', 'tab:x')|raw}", globals={"m": macros})
    wrapped = "\\begin{tabular}[t]{@{}l@{}}PyTorch = ONNX Runtime =\\\\ORT without optimizations\\end{tabular}"
    assert latex.render(tab=named).count(wrapped) == 1 and latex.render(tab=pairs).count(wrapped) == 2


def test_a_row_of_one_cell_heads_the_rows_below_it_across_the_table():
    rows = [["OpenVINO"], ["conv1", "Convolution", "13.4 µs"], ["fc", "FullyConnected", "—"]]
    tab = table(
        [("Layer", "l"), ("Type", "l"), ("Time", "r"), ("Unused", "r")], [*rows[:1], *(r + ["—"] for r in rows[1:])]
    )
    assert [c["title"] for c in tab["columns"]] == ["Layer", "Type", "Time"]  # the heading keeps no column alive
    assert tab["rows"][0] == ["OpenVINO"]
    macros = latex_environment().get_template("macros.tex.j2").module
    latex = latex_environment().from_string("\\VAR{m.datatable(tab, 'c', 'tab:x')|raw}", globals={"m": macros})
    assert "\\multicolumn{3}{@{}l}{\\textit{OpenVINO}} \\\\" in latex.render(tab=tab)
    markdown = markdown_environment().from_string("{% import 'macros.md.j2' as m %}{{ m.datatable(tab)|raw }}")
    assert "| *OpenVINO* | | |\n| conv1 | Convolution | 13\\.4 µs | \n" in markdown.render(tab=tab)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_no_local_path_and_every_citation_listed(tmp_path, language):
    data = fabricate(tmp_path)
    context = build_context(data, {"language": language}, {})
    markdown, latex = render_markdown(context), render_latex(context)
    assert "/home/student" not in markdown and "/home/student" not in latex
    cited = {int(n) for n in re.findall(r"\\\[(\d+)\\\]", markdown)}
    listed = {entry["number"]: entry for entry in context["bibliography"]}
    assert cited and cited == set(listed)
    addressed = [entry["url"] for entry in listed.values() if entry["key"] != "coursework"]  # it has no address
    assert all(url.startswith("https://") and url in latex for url in addressed)  # printed, not only linked
    coursework = next(entry for entry in listed.values() if entry["key"] == "coursework")
    note = {"en": "the coursework this report is read against", "ru": "курсовая работа, с которой сравнивается"}
    assert f"{coursework['number']}. model-compression: Домашки по курсу ИТМО" in markdown.replace("\\", "")
    assert note[language] in coursework["title"]  # the report's note on a source is in the report's language
    other = note["en" if language == "ru" else "ru"]
    assert other not in markdown and other not in latex


def test_unresolved_speed_uses_no_comparison_word(tmp_path):
    targets = dict(TARGETS)
    # ONNX Runtime a hair faster than OpenVINO INT8, inside its between-repeat range
    targets["onnxruntime"] = (*TARGETS["onnxruntime"][:7], 0.0345, (0.0335, 0.0355), *TARGETS["onnxruntime"][9:])
    data = fabricate(tmp_path, targets)
    speed = " ".join(build_context(data, {"language": "en"}, {})["text"]["speed"])
    assert "ONNX Runtime has the lowest median latency" in speed
    assert "the difference from OpenVINO INT8 is not resolved, because the ranges between repeats overlap" in speed
    resolved = fabricate(tmp_path / "b")
    speed = " ".join(build_context(resolved, {"language": "en"}, {})["text"]["speed"])
    assert "ONNX Runtime has the lowest median latency" in speed and "the ranges do not overlap" in speed
    assert re.search(r"; calls to the next by median, OpenVINO INT8 \([^)]*\), take [\d.]+× .*as long", speed), speed


# The comparison words of the report: none may stand where the intervals overlap.
COMPARISON_WORDS = {
    "en": (
        " is faster",
        " is slower",
        "has a higher throughput",
        "more accurate",
        "less accurate",
        "loads sooner",
        "needs less memory",
        "answers its first call sooner",
    ),
    "ru": (
        " быстрее, чем",
        " медленнее",
        "пропускная способность выше",
        "доля верных ответов выше",
        "доля верных ответов ниже",
        "загружается быстрее",
        "меньше памяти",
        "на первый вызов быстрее",
    ),
}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_no_comparison_word_where_every_interval_overlaps(tmp_path, language):
    """The one rule, on recorded results: every variant's latency, throughput, load time, memory and accuracy
    share one wide range, so no sentence of the report may call one faster, slower or more accurate."""
    same = ("pytorch", "PyTorch", "fp32", "f32", 250_000, 0.60, 1.0, 0.05, (0.03, 0.08), 20_000, 64, 2.0, 1.0)
    targets = {name: (spec[0], spec[1], spec[2], spec[3], *same[4:]) for name, spec in TARGETS.items()}
    data = fabricate(tmp_path, targets)
    markdown = render_markdown(build_context(data, {"language": language}, {}))
    body = markdown.split("## 3.")[1] if "## 3." in markdown else markdown  # after the methodology
    body = body.split("**PyTorch**")[0] + body.split("## 7.")[-1]  # the documented claims quote the vendors
    assert not [word for word in COMPARISON_WORDS[language] if word in body]


def test_languages_have_the_same_sentences_and_placeholders():
    ru, en = Strings("ru").texts, Strings("en").texts
    assert set(ru) == set(en)
    for key in ru:
        if isinstance(ru[key], str):
            assert set(re.findall(r"\{(\w+)\}", ru[key])) == set(re.findall(r"\{(\w+)\}", en[key])), key


def test_claims_cite_listed_sources_and_existing_checks():
    import yaml

    sources = yaml.safe_load((TEMPLATES / "bibliography.yaml").read_text(encoding="utf-8"))
    claims = load_claims(TEMPLATES / "claims.yaml", sources)
    assert {c["runtime"] for c in claims} == {"pytorch", "onnxruntime", "openvino"}


def test_claims_fail_early_on_unknown_source_check_or_language(tmp_path):
    claim = {
        "id": "c1",
        "runtime": "pytorch",
        "kind": "pro",
        "text": {"ru": "x", "en": "x"},
        "source": "torch_save",
        "evidence": "no_such_check",
    }
    path = tmp_path / "claims.yaml"
    path.write_text(json.dumps({"claims": [claim]}))
    with pytest.raises(ClaimsError, match="no_such_check"):
        load_claims(path)
    path.write_text(json.dumps({"claims": [{**claim, "evidence": "pytorch_largest_file", "source": "blog"}]}))
    with pytest.raises(ClaimsError, match="blog"):
        load_claims(path, {"torch_save": {}})
    path.write_text(json.dumps({"claims": [{**claim, "evidence": "pytorch_largest_file", "text": {"en": "x"}}]}))
    with pytest.raises(ClaimsError, match="text lacks ru"):
        load_claims(path)


def test_int8_slowdown_is_explained_from_the_data(tmp_path):
    slow_int8 = (
        "onnxruntime",
        "ONNX Runtime INT8",
        "int8",
        "int8",
        76_000,
        0.5840,
        0.5,
        0.060,
        (0.058, 0.062),
        29_000,
        256,
        1.5,
        0.7,
    )
    data = fabricate(tmp_path, {**TARGETS, "onnxruntime_int8": slow_int8})
    variants = " ".join(build_context(data, {"language": "en"}, {})["text"]["compression"])
    # 2x slower at batch 1 (0.060 vs 0.030 ms) but only 1.03x at the best batch, beyond both ranges: per call
    assert "ONNX Runtime INT8 takes 2.00× (1.87–2.14) the time of ONNX Runtime at batch 1 but 1.03×" in variants
    assert "so it is a cost per call" in variants


def test_figure_axes_label_only_the_data_range_and_use_microseconds():
    import matplotlib.pyplot as plt

    from compressbench import plots

    s = Strings("ru")
    assert plots._duration_scale([0.03, 0.2], s) == (1000.0, "мкс")
    assert plots._duration_scale([0.03, 2.0], s) == (1.0, "мс")
    fig, ax = plt.subplots()
    ax.plot([28, 220], [0, 1])
    plots._log_axis(ax, s, [28, 220], "x")
    fig.canvas.draw()
    low, high = ax.get_xlim()
    shown = [tick for tick in ax.get_xticks() if low <= tick <= high]
    assert shown == [50, 100, 200]  # 1-2-5 steps inside the data's range, no minor labels
    assert [plots._tick(s, v) for v in (0.5, 10_000)] == ["0,5", "10\u00a0000"]
    plt.close(fig)


def test_tradeoff_markers_at_one_point_nest_the_first_drawn_outermost():
    from compressbench import plots

    # three FP32 files of ~245 KiB with one accuracy, an INT8 one apart; a log axis compares log10 sizes
    points = [(246.1, 0.6446), (245.0, 0.6446), (75.2, 0.6438), (245.0, 0.6446)]
    assert plots.nesting_depths(points, log_x=False, y_span=0.02) == [2, 1, 0, 0]
    assert plots.nesting_depths(points, log_x=True, y_span=0.02) == [2, 1, 0, 0]
    # the same sizes with accuracies a tenth of the span apart stand alone
    apart = [(246.1, 0.640), (245.0, 0.642), (245.0, 0.644)]
    assert plots.nesting_depths(apart, log_x=False, y_span=0.02) == [0, 0, 0]
    assert plots.nesting_depths([(1.0, 0.5)], log_x=True, y_span=0.0) == [0]
    # batch-1 latencies 4 % apart on a log axis from 36 to 250 µs, accuracies 4 % of the span apart: the markers
    # would overlap, so they nest
    close = [(0.0366, 0.6455), (0.0382, 0.6447), (0.250, 0.6447)]
    assert plots.nesting_depths(close, log_x=True, y_span=0.02) == [1, 0, 0]


def test_markdown_numbers_sections_tables_and_figures_from_the_outline(tmp_path):
    data = fabricate(tmp_path)
    context = build_context(data, {"language": "en"}, FIGURES)
    markdown = render_markdown(context)
    assert "### 3\\.2. Quality and agreement" in markdown and "## 4. Variants made from the trained network" in markdown
    assert "*Table 2. Quality on the" in markdown and "*Figure 1. Training curves" in markdown
    assert "references" not in context["section_numbers"]
    assert "References" in markdown and "## References" in markdown  # not numbered
    assert context["section_numbers"]["appendix"] == "A" and "## A. Details" in markdown
    assert "## 3. Results\n\n### 3\\.1. Training" in markdown  # a heading over its subsections, no filler text


def test_the_memory_table_gives_the_first_call_its_range(tmp_path):
    data = fabricate(tmp_path, extra={"first_call_ms_low": 0.5, "first_call_ms_high": 3.0})
    rows = build_context(data, {"language": "en"}, FIGURES)["tables"]["memory"]["rows"]
    assert rows and all(row[-1].endswith("(0.500–3.00)") for row in rows), [row[-1] for row in rows]


def test_a_sentence_names_another_table_by_its_number(tmp_path):
    """{table_<name>} in a sentence becomes that table's number in both formats, once the tables are numbered."""
    from compressbench.report.i18n import ref_marker, resolve_refs
    from compressbench.report.writer import Paragraph

    data = fabricate(tmp_path, extra={"first_call_ms_low": 0.5, "first_call_ms_high": 3.0})
    for language, said in (("en", "Table {} gives each variant's first call"), ("ru", "таблица {} даёт первый вызов")):
        context = build_context(data, {"language": language}, FIGURES)
        number = context["table_numbers"]["memory"]
        for report in (render_markdown(context), render_latex(context)):
            assert said.format(number) in report.replace("\u00a0", " ").replace("~", " ")
    numbers = {"table_numbers": {"speed": 3}, "figure_numbers": {}}
    paragraph = Paragraph(f"see Table {ref_marker('table', 'speed')}", findings=("speed.leader",))
    resolved = resolve_refs([paragraph, ref_marker("table", "gone")], numbers, "—")
    assert resolved == ["see Table 3", "—"] and resolved[0].findings == ("speed.leader",)
    with pytest.raises(ValueError, match="Strings.say"):  # taken raw, the placeholder would be printed
        Strings("en")["coursework.hyp_tuned_batch1"]
    # user text that looks like a placeholder (a class folder named so) is left as it is
    assert resolve_refs("class {table_speed}", numbers, "—") == "class {table_speed}"


def test_the_overhead_con_gives_the_empty_batch_call_as_its_lower_bound(tmp_path):
    """Every variant's rounds at 0.4 ms with empty-batch calls of a third of that: the con is bracketed, and the
    bounds (a third of the call, and 72 % with 111 us per image at the best batch) do not decide it."""
    latency = {"latency_p50_ms": 0.4, "latency_p50_ci_low_ms": 0.38, "latency_p50_ci_high_ms": 0.42}
    rounds = {"latency_repeat_p50_ms": [0.4, 0.42, 0.38], "empty_call_repeat_ms": [0.132, 0.14, 0.125]}
    empty = {"empty_call_p50_ms": 0.132, "empty_call_p50_low_ms": 0.125, "empty_call_p50_high_ms": 0.14}
    for language, said, reason in (
        ("en", "every operator dispatched and no image computed, takes 132 µs (range 125–140 µs)", "do not decide"),
        ("ru", "ни одно изображение, занимает 132 мкс (разброс 125–140 мкс)", "оценки этого не решают"),
    ):
        data = fabricate(tmp_path / language, extra={**latency, **rounds, **empty})
        markdown = render_markdown(build_context(data, {"language": language}, FIGURES)).replace("\u00a0", " ")
        assert said in markdown and reason in markdown, markdown[markdown.find("Con") :][:2000]
        assert "33.0 %" in markdown.replace(",", ".") and "(32.9 %–33.3 %" in markdown.replace(",", ".")


def test_the_memory_table_compares_peaks_at_one_batch_size_with_their_ranges(tmp_path):
    data = fabricate(tmp_path, extra={"peak_rss_largest_mb_low": 305.0, "peak_rss_largest_mb_high": 340.0})
    context = build_context(data, {"language": "en"}, FIGURES)
    table = context["tables"]["memory"]
    titles = [column["title"] for column in table["columns"]]
    assert "Peak at batch 256, MiB (range)" in titles, titles
    peak = titles.index("Peak at batch 256, MiB (range)")
    assert all(row[peak].endswith("(305.0–340.0)") for row in table["rows"]), [row[peak] for row in table["rows"]]
    # the text's peak and what the model adds are those at that batch size, not at each variant's best batch
    text = " ".join(context["text"]["memory"])
    assert "of its peak memory at batch 256, the largest timed" in text, text
    # 10 MiB above the peaks at the best batch, 300 MiB + size / 10^4
    assert "That peak ranges from 318.0\u00a0MiB (OpenVINO INT8) to 335.1\u00a0MiB (PyTorch)" in text, text


def test_the_analysis_reruns_when_the_code_that_writes_findings_changes():
    """findings.json stores body types by name: the analyze rule takes every analysis module as an input."""
    from compressbench.analysis import speed
    from compressbench.diagnosis import causes
    from compressbench.report.workflow import ANALYSIS_SOURCES

    assert str(Path(speed.__file__).resolve()) in ANALYSIS_SOURCES
    assert str(Path(causes.__file__).resolve()) in ANALYSIS_SOURCES  # the diagnosis's causes are findings too
    assert all(Path(path).is_file() for path in ANALYSIS_SOURCES)


def test_the_report_renders_again_when_the_code_that_writes_it_changes():
    from compressbench.report import tables
    from compressbench.report.sections import speed
    from compressbench.report.workflow import PLOT_SOURCES, RENDER_SOURCES

    assert {str(Path(m.__file__).resolve()) for m in (tables, speed)} <= set(RENDER_SOURCES)
    assert all(Path(path).is_file() for path in RENDER_SOURCES + PLOT_SOURCES)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_reason_given_again_takes_its_next_wording(tmp_path, language):
    w = Writer(fabricate(tmp_path).run, Findings(), Strings(language), Citations.load(TEMPLATES))
    said = [w.reason(ROUNDS_DISAGREE) for _ in range(4)]
    assert len(set(said[:3])) == 3 and said[3] == said[0]  # three wordings in turn, then again
    assert w.reason(OVERLAP) != w.reason(OVERLAP)  # each reason keeps its own turn
    assert w.reason(NO_INTERVAL) == w.reason(NO_INTERVAL)  # one wording: said the same way


def test_a_ratio_of_paired_rounds_says_it_is_their_median_with_their_range(tmp_path):
    """ONNX Runtime against PyTorch in three rounds: 3.0, 3.5 and 4.0 times the images/s. The ratio is the
    median of the per-round ratios, with their range, even where it equals the ratio of the printed values;
    without rounds the ratio stands alone."""
    fabricate(tmp_path)
    throughputs = {"onnxruntime": [30_000, 31_500, 36_000], "pytorch": [10_000, 9_000, 9_000]}
    records = [
        dataclasses.replace(r, throughput_repeat_ips=throughputs[r.target], repeat_indices=[0, 1, 2])
        if r.target in throughputs
        else r
        for r in read_records(tmp_path / paths.SUMMARY_JSON)
    ]
    write_records(records, tmp_path / paths.SUMMARY_JSON, tmp_path / paths.SUMMARY)
    w = Writer(analyzed(tmp_path).run, Findings(), Strings("en"), Citations.load(TEMPLATES))
    per_round = w.ratio_of("throughput", "onnxruntime", "pytorch", 3.5, inner=True)
    assert per_round == "3.50× as the median of the per-round ratios, 3.00–4.00"
    # the reader has met the phrase: from then on shorter, in either form
    assert w.ratio_of("throughput", "onnxruntime", "pytorch", 3.5) == "3.50× (3.00–4.00 per round)"
    assert w.ratio_of("throughput", "onnxruntime", "pytorch", 3.5, inner=True) == "3.50×, 3.00–4.00 per round"
    fresh = Writer(w.run, Findings(), Strings("en"), Citations.load(TEMPLATES))
    full = "3.50× (the median of the per-round ratios, 3.00–4.00)"
    assert fresh.ratio_of("throughput", "onnxruntime", "pytorch", 3.5) == full
    alone = Writer(fabricate(tmp_path / "no-rounds").run, Findings(), Strings("en"), Citations.load(TEMPLATES))
    assert alone.ratio_of("throughput", "onnxruntime", "pytorch", 30_000 / 9_000) == "3.33×"


def test_ranges_that_do_not_overlap_are_printed_apart(tmp_path):
    """Load times 3.94-4.626 ms against 4.633-5.31 ms: at three digits both read 4.63."""
    fabricate(tmp_path)
    records = read_records(tmp_path / paths.SUMMARY_JSON)
    loads = {"onnxruntime": (0.00405, 0.00394, 0.004626), "openvino": (0.00483, 0.004633, 0.00531)}
    records = [
        dataclasses.replace(r, load_seconds=v[0], load_seconds_low=v[1], load_seconds_high=v[2])
        if (v := loads.get(r.target))
        else dataclasses.replace(r, load_seconds=0.05, load_seconds_low=0.049, load_seconds_high=0.051)
        for r in records
    ]
    write_records(records, tmp_path / paths.SUMMARY_JSON, tmp_path / paths.SUMMARY)
    data = analyzed(tmp_path)
    markdown = render_markdown(build_context(data, {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert "in 4.05 ms (range 3.940–4.626 ms)" in markdown and "(4.83 ms, range 4.633–5.310 ms)" in markdown
    w = Writer(data.run, Findings(), Strings("en"), Citations.load(TEMPLATES))
    assert w.apart_digits("load", "onnxruntime", "openvino") == 4
    assert w.interval("onnxruntime", "load", 4) == "3.940–4.626\u00a0ms" and w.interval(
        "openvino", "load", 4
    ).startswith("4.633")
    assert w.apart_digits("load", "onnxruntime", "pytorch") == 3  # 4.63 against 49.0: apart at three digits


def test_the_speed_recommendations_give_the_range_and_the_margin_over_the_runner_up(tmp_path):
    markdown = render_markdown(build_context(fabricate(tmp_path), {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert "(30.0 µs, range 29.0–31.0 µs); calls to OpenVINO INT8, the next by median, take 1.17×" in markdown
    assert "use OpenVINO INT8 (50,000 images/s, range 48,500–51,500); it processes 1.43× as many images" in markdown


def test_the_one_thread_paragraph_gives_the_run_threads_by_their_range_not_a_second_median(tmp_path):
    rounds = {
        "repeat_indices": list(range(6)),
        "latency_repeat_p50_ms": [0.030, 0.046, 0.031, 0.029, 0.040, 0.030],
        "latency_1thread_p50_ms": 0.025,
        "latency_1thread_repeat_p50_ms": [0.025, 0.0252, 0.0249, None, None, None],
    }
    data = fabricate(tmp_path, extra={"repeats": 6, "full_repeats": 3, **rounds})
    markdown = render_markdown(build_context(data, {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert "range on 2 threads in the same rounds" in markdown
    assert "OpenVINO: 25.0 µs (24.9–25.2 µs) against 30.0–46.0 µs" in markdown
    # every variant the same on one thread: the conclusions cannot choose there either
    assert "With one thread per process, this run cannot choose between" in markdown


@pytest.mark.parametrize(("language", "gloss"), [("en", "(ORT: ONNX Runtime)"), ("ru", "(ORT — ONNX Runtime)")])
def test_the_method_names_the_variants_and_spells_out_an_abbreviation_once(tmp_path, language, gloss):
    targets = {**TARGETS, "onnxruntime_noopt": TARGETS["onnxruntime"]}
    markdown = render_markdown(build_context(fabricate(tmp_path, targets), {"language": language}, FIGURES))
    method = markdown.split("## 2.")[1].split("## 3.")[0]
    variants = next(line for line in method.splitlines() if "OpenVINO INT8" in line)
    assert all(label in variants for label in ("PyTorch", "ONNX Runtime", "OpenVINO", "ORT"))
    baselines, derived = variants.split(";")
    assert "PyTorch" in baselines and "INT8" not in baselines and "OpenVINO INT8" in derived
    assert markdown.count(gloss) == 1 and gloss in variants


@pytest.mark.parametrize(
    ("language", "speed"),
    [
        ("en", "Against ONNX Runtime: 1.50× slower at batch 1 and 1.50× slower at the best batch"),
        ("ru", "По сравнению с ONNX Runtime: при батче 1 — медленнее в 1,50\u00a0раза, при лучшем батче — медленнее"),
    ],
)
def test_the_size_recommendation_gives_the_speed_against_the_reference_in_brief(tmp_path, language, speed):
    smallest = ("onnxruntime", "ONNX Runtime INT8", "int8", "int8", 90_000, 0.5844, 0.5, 0.045, (0.044, 0.046))
    targets = {**TARGETS, "onnxruntime_int8": (*smallest, 20000, 256, 1.0, 0.5)}
    markdown = render_markdown(build_context(fabricate(tmp_path, targets), {"language": language}, FIGURES))
    (recommendation,) = [line for line in markdown.splitlines() if "conclusion.size" in line]
    assert speed in recommendation and "0.045" not in recommendation  # the values stay in the compression section
    assert "OpenVINO INT8 is smaller" in recommendation or "OpenVINO INT8 меньше" in recommendation


def test_the_naive_ratios_say_which_loop_is_over_which(tmp_path):
    markdown = render_markdown(build_context(fabricate(tmp_path), {"language": "en"}, FIGURES))
    section = markdown.split("Naive and tuned timing")[1]
    assert section.index("the naive loop's time for the whole test set over the tuned loop's") < section.index("2.4")


def test_the_speed_table_gives_the_p99_with_its_range_over_the_repeats(tmp_path):
    table = build_context(fabricate(tmp_path), {"language": "en"}, FIGURES)["tables"]["speed"]
    assert table["columns"][3]["title"] == "p99 (range), µs"
    (pytorch,) = [row for row in table["rows"] if row[0] == "PyTorch"]
    assert "400 (360–500)" in pytorch  # p50 200 µs: p99 twice it, its range 1.8 to 2.5 times, 3 digits as all


def test_summaries_are_combined_again_when_the_code_that_combines_them_changes():
    from compressbench import aggregate, repeats, results
    from compressbench.report.workflow import AGGREGATE_SOURCES, COMBINE_SOURCES

    assert str(Path(repeats.__file__).resolve()) in COMBINE_SOURCES
    assert {str(Path(m.__file__).resolve()) for m in (aggregate, results)} == set(AGGREGATE_SOURCES)
    rules = Path(__file__).resolve().parents[1] / "workflow" / "rules"
    assert "report_workflow.COMBINE_SOURCES" in (rules / "benchmark.smk").read_text(encoding="utf-8")
    assert "report_workflow.AGGREGATE_SOURCES" in (rules / "aggregate.smk").read_text(encoding="utf-8")


def test_the_naive_figure_draws_medians_with_their_ranges_as_points_on_its_log_axis(tmp_path, monkeypatch):
    from compressbench import plots

    data = fabricate(tmp_path, extra={"naive_test_set_seconds_low": 1.0, "naive_test_set_seconds_high": 9.0})
    drawn = []
    monkeypatch.setattr(plots, "save_figure", lambda fig, stem: drawn.append(fig) or [])
    plots.naive(data, Strings("en"), tmp_path / "naive")
    ax = drawn[0].axes[0]
    assert ax.get_xscale() == "log" and not ax.patches  # no bars: a bar's length means nothing on a log axis
    assert len(ax.containers) == 3  # naive, tuned, best batch: one series of points each
    (pytorch_range, *_) = ax.containers[0].lines[2][0].get_segments()  # the naive loop's range, PyTorch first
    assert [point[0] for point in pytorch_range] == [1.0, 9.0]


def test_the_tradeoff_figure_spans_each_latency_range_so_no_whisker_runs_off_the_axis(tmp_path, monkeypatch):
    from compressbench import plots

    # PyTorch's batch-1 median 200 us, its slowest round at 900 us: far past the medians the axis used to span
    data = fabricate(tmp_path, extra={"latency_p50_ci_high_ms": 0.9})
    drawn = []
    monkeypatch.setattr(plots, "save_figure", lambda fig, stem: drawn.append(fig) or [])
    plots.tradeoff(data, Strings("en"), tmp_path / "tradeoff")
    latency_axis = drawn[0].axes[1]
    assert latency_axis.get_xlim()[1] > 900  # in µs


def test_the_throughput_figure_sets_the_variants_points_a_little_apart_with_the_ticks_at_the_batch_sizes(
    tmp_path, monkeypatch
):
    from compressbench import plots

    data = fabricate(tmp_path)
    drawn = []
    monkeypatch.setattr(plots, "save_figure", lambda fig, stem: drawn.append(fig) or [])
    plots.throughput(data, Strings("en"), tmp_path / "throughput")
    ax = drawn[0].axes[0]
    firsts = [
        line.get_xdata()[0] for line in ax.get_lines() if line.get_label() and not line.get_label().startswith("_")
    ]
    assert len(firsts) >= 2 and len(set(firsts)) == len(firsts)  # no two variants' points on one spot
    assert all(abs(x / firsts[0]) < plots.THROUGHPUT_DODGE ** len(firsts) for x in firsts)  # near one batch size
    assert set(ax.get_xticks()) <= {1, 8, 64, 256, 2, 4, 16, 32, 128}  # the ticks: the batch sizes themselves


@pytest.mark.parametrize(
    ("language", "mixed", "undecided"),
    [
        ("en", "the coursework apparently mixed two averagings", "the numbers cannot tell which"),
        ("ru", "в курсовой смешаны два способа усреднения", "по этим числам не определить"),
    ],
)
def test_the_coursework_section_says_its_precision_and_recall_were_micro_averaged_and_its_f1_not(
    tmp_path, language, mixed, undecided
):
    markdown = render_markdown(build_context(fabricate(tmp_path), {"language": language}, FIGURES))
    markdown = markdown.replace("\u00a0", " ")
    assert mixed in markdown and undecided in markdown  # the fabricated test set is balanced
    assert "so it was macro-F1" not in markdown and "так что это был macro-F1" not in markdown
    # the reading is the appendix's; the comparison with the coursework points to it
    appendix = markdown.index("## A.")
    assert markdown.index(mixed) > appendix
    assert ("averaged its precision, recall and F1" in markdown[:appendix]) == (language == "en")


def test_the_coursework_one_image_loop_gives_how_many_times_longer_its_time_is(tmp_path):
    data = fabricate(tmp_path, extra={"naive_repeat_seconds": [0.9, 1.0, 1.1]})  # 90 to 110 µs per image
    markdown = render_markdown(build_context(data, {"language": "en"}, FIGURES))
    assert "PyTorch 90.0–110 µs, the coursework's 584 µs is 5.3–6.5× as long" in markdown
    assert "lies outside that range" not in markdown


def test_the_start_up_paragraph_names_the_slowest_loader_where_its_range_is_apart(tmp_path):
    fabricate(tmp_path)
    records = read_records(tmp_path / paths.SUMMARY_JSON)
    load = {  # PyTorch 10 ms, the others 50 ms, OpenVINO INT8 80 ms: ranges apart from PyTorch's
        t: dict(load_seconds=v, load_seconds_low=v * 0.95, load_seconds_high=v * 1.05)
        for t, v in {"pytorch": 0.010, "onnxruntime": 0.05, "openvino": 0.05, "openvino_int8": 0.08}.items()
    }
    records = [dataclasses.replace(r, **load[r.target]) for r in records]
    write_records(records, tmp_path / paths.SUMMARY_JSON, tmp_path / paths.SUMMARY)
    markdown = render_markdown(build_context(analyzed(tmp_path), {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert "OpenVINO INT8 takes longest, 80.0 ms (range 76.0–84.0 ms): 8.0× as long as PyTorch" in markdown
    # a slowest median the ranges do not tell apart from the next one (and no rounds to pair) is not "longest"
    load["openvino_int8"] = dict(load_seconds=0.06, load_seconds_low=0.045, load_seconds_high=0.07)
    records = [dataclasses.replace(r, **load[r.target]) for r in records]
    write_records(records, tmp_path / paths.SUMMARY_JSON, tmp_path / paths.SUMMARY)
    markdown = render_markdown(build_context(analyzed(tmp_path), {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert "OpenVINO INT8 has the longest median, 60.0 ms (range 45.0–70.0 ms), but neither its range" in markdown
    assert "takes longest" not in markdown
    # the same ranges, but longer than OpenVINO in each of 6 rounds: "longest", with the rounds that resolved it
    rounds = {t: [load[t]["load_seconds"]] * 6 for t in load}
    rounds["openvino"] = [0.05, 0.05, 0.05, 0.05, 0.05, 0.05]
    rounds["openvino_int8"] = [0.06, 0.055, 0.065, 0.06, 0.058, 0.062]
    records = [
        dataclasses.replace(r, **load[r.target], load_repeat_seconds=rounds[r.target], repeat_indices=list(range(6)))
        for r in records
    ]
    write_records(records, tmp_path / paths.SUMMARY_JSON, tmp_path / paths.SUMMARY)
    markdown = render_markdown(build_context(analyzed(tmp_path), {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert "OpenVINO INT8 takes longest, 60.0 ms" in markdown
    assert "overlaps that of OpenVINO (50.0 ms), but it took longer in all 6 rounds" in markdown
    assert "rounds (signed-rank test p = 0.031)." in markdown


def test_the_latency_recommendation_names_the_leader_s_longer_load_where_it_is_resolved(tmp_path):
    """ONNX Runtime leads batch-1 latency ahead of OpenVINO INT8; where it loads its model longer by apart ranges,
    the recommendation gives both load times; where the ranges overlap, it says nothing of loading."""
    fabricate(tmp_path)

    def render(loads):
        records = [
            dataclasses.replace(r, load_seconds=v, load_seconds_low=v * 0.95, load_seconds_high=v * 1.05)
            for r in read_records(tmp_path / paths.SUMMARY_JSON)
            for v in [loads.get(r.target, 0.01)]
        ]
        write_records(records, tmp_path / paths.SUMMARY_JSON, tmp_path / paths.SUMMARY)
        context = build_context(analyzed(tmp_path), {"language": "en"}, FIGURES)
        return render_markdown(context).replace("\u00a0", " ")

    slower = render({"onnxruntime": 0.05, "openvino_int8": 0.01})
    assert "ONNX Runtime takes longer to load its model, though: 50.0 ms against 10.0 ms for OpenVINO INT8" in slower
    assert "takes longer to load its model" not in render({"onnxruntime": 0.0101, "openvino_int8": 0.01})
    assert "takes longer to load its model" not in render({"onnxruntime": 0.01, "openvino_int8": 0.05})


def test_a_runtimes_name_in_the_pros_and_cons_keeps_lines_of_its_claims_with_it(tmp_path):
    latex = render_latex(build_context(fabricate(tmp_path), {"language": "en"}, FIGURES))
    headings = latex.split("\\paragraph{")[:-1]  # the text before each runtime's name
    assert headings and all(before.rstrip().splitlines()[-1].startswith("\\needspace{") for before in headings)


def test_the_appendix_starts_a_new_page_so_its_floats_follow_its_heading(tmp_path):
    latex = render_latex(build_context(fabricate(tmp_path), {"language": "en"}, FIGURES))
    before = latex[: latex.index("\\appendix")].rstrip()
    assert before.endswith("\\clearpage")  # not \needspace, which would keep the appendix on a page in progress


def test_the_method_says_how_a_latency_window_warms_up_and_how_many_calls_it_timed(tmp_path):
    settings = {"warmup_seconds": 0.05, "latency_min_calls": 1000, "latency_min_seconds": 0.3}
    data = fabricate(tmp_path, extra={"latency_calls": 36_000, "benchmark_settings": settings})  # 3 repeats
    markdown = render_markdown(build_context(data, {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert (
        "Each batch-1 window first makes untimed calls for 0.05 s, then times at least 1,000 calls over at least "
        "0.3 s; here a window timed about 12,000 calls" in markdown
    )
    # a window in parts (the default): what lies between them, and the least calls and seconds of each part
    data = fabricate(tmp_path, extra={"latency_calls": 36_000, "benchmark_settings": {**settings, "latency_parts": 3}})
    markdown = " ".join(
        render_markdown(build_context(data, {"language": "en"}, FIGURES)).replace("\u00a0", " ").split()
    )
    markdown = markdown.replace("\u2019", "'")  # the typographic apostrophe
    assert (
        "Each batch-1 window is timed in 3 parts with the variant's other timings of the round spread between them"
        in (markdown)
    )
    assert "then times at least 334 calls over at least 0.1 s. Per round, a variant's window timed about 12,000" in (
        markdown
    )


def test_an_ordering_joins_runtimes_the_ranges_do_not_tell_apart_with_approximately(tmp_path):
    from types import SimpleNamespace

    from compressbench.report.sections.coursework import ranked

    w = Writer(fabricate(tmp_path).run, Findings(), Strings("en"), Citations.load(TEMPLATES))
    ordering = SimpleNamespace(
        order=["onnxruntime", "openvino", "pytorch"], unresolved_pairs=(("onnxruntime", "openvino"),)
    )
    assert ranked(w, ordering) == "ONNX Runtime ≈ OpenVINO < PyTorch"
    assert latex_escape("a ≈ b") == "a \\ensuremath{\\approx} b"  # the text fonts have no ≈


def test_the_speed_table_gives_the_median_over_the_full_speed_rounds_where_some_were_slower(tmp_path):
    probed = {
        "repeat_indices": list(range(6)),
        "latency_cpu_states": ["full", "reduced", "full", "full", "reduced", "unmeasured"],
        "latency_repeat_p50_ms": [0.020, 0.031, 0.019, 0.021, 0.030, 0.025],
    }
    context = build_context(fabricate(tmp_path, extra=probed), {"language": "en"}, FIGURES)
    table = context["tables"]["speed"]
    assert table["columns"][3]["title"] == "p50 at full speed (rounds), µs"
    assert table["rows"][0][3] == "20.0 (3/5)"  # the three full rounds' median, of the five the probe measured
    # the column named with its table's number
    markdown = render_markdown(context).replace("\u00a0", " ")
    assert "the column “p50 at full speed” of Table 3 gives its median" in markdown
    every_round_full = {**probed, "latency_cpu_states": ["full"] * 6}
    context = build_context(fabricate(tmp_path / "full", extra=every_round_full), {"language": "en"}, FIGURES)
    assert "p50 at full speed (rounds), µs" not in [c["title"] for c in context["tables"]["speed"]["columns"]]


def test_a_one_thread_run_says_one_thread_and_leaves_out_what_concerns_parallel_runs_only(tmp_path):
    one_thread = {
        "threads": 1,
        "repeat_indices": list(range(6)),
        "latency_cpu_states": ["full", "reduced", "full", "full", "reduced", "full"],
        "latency_repeat_p50_ms": [0.020, 0.031, 0.019, 0.021, 0.030, 0.025],
        "latency_1thread_p50_ms": 0.020,  # a one-thread job's own figures, which it records as its one-thread ones
        "latency_1thread_p50_ci_low_ms": 0.019,
        "latency_1thread_p50_ci_high_ms": 0.031,
        "latency_1thread_repeat_p50_ms": [0.020, 0.031, 0.019, None, None, None],
    }
    data = fabricate(tmp_path, extra=one_thread)
    findings = json.loads((tmp_path / paths.FINDINGS).read_text())
    names = json.dumps(findings)
    for parallel_only in ("speed.full_speed", "speed.leader.latency_1thread"):
        assert parallel_only not in names
    assert "speed.cpu_states" in names  # the probe's windows still describe the machine, in the appendix
    context = build_context(data, {"language": "en"}, FIGURES)
    markdown = render_markdown(context).replace("\u00a0", " ")
    assert "and every runtime used 1 thread." in markdown
    assert "One thread is this workflow's default" in method_text(markdown)
    assert "Speed with 1 thread:" in markdown and "with 1 threads" not in markdown
    assert "p50 at full speed" not in markdown and "windows, which is why some ranges are wide" not in markdown
    appendix = markdown.split("## A. Details")[1]
    assert "The machine's state during the timings" in appendix and "which may or may not have slowed" in appendix
    assert "can move every figure" in markdown and "jumps between states" not in markdown
    ru = render_markdown(build_context(data, {"language": "ru"}, FIGURES)).replace("\u00a0", " ")
    assert "Скорость при 1 потоке:" in ru and "при 1 потоках" not in ru
    two = render_markdown(build_context(fabricate(tmp_path / "two"), {"language": "ru"}, FIGURES))
    assert "Скорость при 2\u00a0потоках:" in two and "по умолчанию (runtime.threads)" not in two


def test_a_ratio_range_whose_ends_print_alike_is_left_out(tmp_path):
    from types import SimpleNamespace

    from compressbench.report.sections.naive import ratio_with_range

    w = Writer(fabricate(tmp_path).run, Findings(), Strings("en"), Citations.load(TEMPLATES))
    assert ratio_with_range(w, SimpleNamespace(ratio=0.951, ratio_low=0.948, ratio_high=0.952)) == "0.95×"
    assert ratio_with_range(w, SimpleNamespace(ratio=1.12, ratio_low=1.05, ratio_high=1.2)) == "1.12× (1.05–1.20)"


def test_the_method_lists_the_batch_sizes_and_says_which_is_the_best(tmp_path):
    markdown = render_markdown(build_context(fabricate(tmp_path), {"language": "en"}, FIGURES))
    method = markdown.split("## 2.")[1].split("## 3.")[0].replace("\u00a0", " ")
    assert "whole passes over the test set at batch sizes 1, 8, 64, 256; a variant's best batch is the size" in method
    assert "test-set time in Table 3 are those at that size" in method  # the speed table, by its number


# target: the preparation's median, fastest and slowest, its timings; load time (its range ±5 %)
PREPARATIONS = {
    "pytorch": (0.00022, 0.00021, 0.00031, 5, 0.0061),
    "onnxruntime": (0.0157, 0.0149, 0.0538, 5, 0.0032),
    "openvino": (0.127, 0.112, 0.168, 5, 0.0287),
    "openvino_int8": (2.33, 2.33, 2.33, 1, 0.041),  # a long build, timed once
}


def with_preparations(root: Path, preparations=PREPARATIONS) -> str:
    """A fabricated run whose targets have these preparation timings and load times, analysed."""
    fabricate(root)
    records = []
    for r in read_records(root / paths.SUMMARY_JSON):
        prep, low, high, timings, load = preparations[r.target]
        timed = dict(preparation_seconds=prep, preparation_seconds_low=low, preparation_seconds_high=high)
        loaded = dict(load_seconds=load, load_seconds_low=load * 0.95, load_seconds_high=load * 1.05)
        first = dict(first_call_ms=1.9, first_call_ms_low=1.8, first_call_ms_high=2.2)
        records.append(dataclasses.replace(r, **timed, preparation_timings=timings, **loaded, **first))
    write_records(records, root / paths.SUMMARY_JSON, root / paths.SUMMARY)
    return analyzed(root)


def paragraph_with(markdown: str, words: str) -> str:
    (found,) = [line for line in markdown.replace("\u00a0", " ").splitlines() if words in line]
    return found


def test_a_recipe_says_how_long_making_the_variant_took_with_its_range_or_timed_once(tmp_path):
    data = with_preparations(tmp_path)
    # in the appendix's measurement details, beside the rest of the method
    en = render_markdown(build_context(data, {"language": "en"}, FIGURES)).split("## A. ")[1].split("### A.2")[0]
    assert paragraph_with(en, "Time to make each variant").endswith(
        "(export plus build, each the median of its timings; range: fastest to slowest; a long build such as a "
        "calibration timed once): "
        "OpenVINO 0.127 s (0.112–0.168 s, 5 timings), OpenVINO INT8 2.33 s (timed once)."
    )
    ru = render_markdown(build_context(data, {"language": "ru"}, FIGURES)).split("## A. ")[1].split("### A.2")[0]
    assert paragraph_with(ru, "Время получения каждого варианта").endswith(
        ": OpenVINO — 0,127 с (0,112–0,168 с, 5 замеров), OpenVINO INT8 — 2,33 с (один замер)."
    )
    untimed = render_markdown(build_context(fabricate(tmp_path / "none"), {"language": "en"}, FIGURES))
    assert "Time to make each variant" not in untimed


def test_ready_sooner_gives_each_figure_with_its_range_and_a_preparation_timed_once_resolves_nothing(tmp_path):
    claim = "claims.pytorch_no_export_step"
    en = paragraph_with(render_markdown(build_context(with_preparations(tmp_path), {"language": "en"}, FIGURES)), claim)
    assert "**Supported.** From the trained weights to the first answer" in en
    assert (
        "PyTorch 8.22 ms (7.80–8.92 ms; preparation 220 µs, 210–310 µs), "  # in ms: no run of zeros before the digits
        "ONNX Runtime 20.8 ms (19.7–59.4 ms; preparation 15.7 ms, 14.9–53.8 ms)"
    ) in en
    once = {**PREPARATIONS, "openvino": (0.127, 0.127, 0.127, 1, 0.0287)}
    data = with_preparations(tmp_path / "once", once)
    en = paragraph_with(render_markdown(build_context(data, {"language": "en"}, FIGURES)), claim)
    assert "**Not resolved.**" in en and "OpenVINO 158 ms (preparation 127 ms, timed once)." in en
    assert en.endswith("There is no range between repeats. <!-- findings: " + claim + " -->"), en
    ru = paragraph_with(render_markdown(build_context(data, {"language": "ru"}, FIGURES)), claim)
    assert "**Не установлено.**" in ru and "OpenVINO — 158 мс (подготовка 127 мс, один замер)." in ru
    assert "PyTorch — 8,22 мс (7,80–8,92 мс; подготовка 220 мкс, 210–310 мкс)" in ru
    # ONNX Runtime's fastest timings reach below PyTorch's slowest: sooner than OpenVINO only
    close = {**PREPARATIONS, "onnxruntime": (0.0021, 0.0001, 0.0538, 5, 0.0032)}
    data = with_preparations(tmp_path / "close", close)
    en = paragraph_with(render_markdown(build_context(data, {"language": "en"}, FIGURES)), claim)
    assert "**Partly supported.**" in en
    assert "Sooner than OpenVINO; against ONNX Runtime the ranges overlap, so that difference is not resolved." in en
    ru = paragraph_with(render_markdown(build_context(data, {"language": "ru"}, FIGURES)), claim)
    assert "Быстрее, чем OpenVINO; с ONNX Runtime диапазоны перекрываются, и это различие не установлено." in ru


def test_the_first_call_sentence_gives_the_extremes_and_leaves_each_variant_to_the_table(tmp_path):
    """Two digits for the noisiest ratio (5.0×, 33×), and Russian factors in the genitive after от/до."""
    data = fabricate(tmp_path, extra={"first_call_ms": 1.0})
    factors = {t: 1.0 / data.run.value(t, "latency_p50_ms") for t in data.run.targets}
    least, most = min(factors, key=factors.get), max(factors, key=factors.get)
    assert factors[least] < 10 <= factors[most]
    low, high = f"{factors[least]:.1f}", f"{factors[most]:.0f}"
    for language, expected in (
        ("en", f"takes from {low}× ({data.run.label(least)}) to {high}× ({data.run.label(most)})"),
        ("ru", f"от {low.replace('.', ',')} раза ({data.run.label(least)}) до {high} раз ({data.run.label(most)})"),
    ):
        markdown = render_markdown(build_context(data, {"language": language}, FIGURES)).replace("\u00a0", " ")
        memory = markdown.split("### 3\\.4.")[1].split("###")[0]
        assert md_escape(expected) in memory, memory


def test_the_first_call_factor_is_the_median_of_the_rounds_with_their_range(tmp_path):
    """Each round's first call over the same process's batch-1 median: 4.8, 5.5 and 6.5 for PyTorch."""
    fabricate(tmp_path, extra={"first_call_ms": 1.0})
    rounds = {"first_call_repeat_ms": [0.48, 0.55, 0.65], "latency_repeat_p50_ms": [0.1, 0.1, 0.1]}
    records = [
        dataclasses.replace(r, **rounds, repeat_indices=[0, 1, 2]) if r.target == "pytorch" else r
        for r in read_records(tmp_path / paths.SUMMARY_JSON)
    ]
    write_records(records, tmp_path / paths.SUMMARY_JSON, tmp_path / paths.SUMMARY)
    markdown = render_markdown(build_context(analyzed(tmp_path), {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert "from 5.5× (4.8–6.5 per round; PyTorch)" in markdown.split("### 3\\.4.")[1]


def test_the_conclusions_say_what_they_hold_for_and_mcnemar_is_about_accuracy(tmp_path):
    markdown = render_markdown(build_context(fabricate(tmp_path), {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    conclusions = markdown.split("Conclusions and recommendations")[1]
    # called from Python: each runtime's binding is in its times
    assert conclusions.lstrip().startswith("- These hold for LeNet-5 called from Python (each runtime's Python binding")
    assert "on this machine (Test CPU" in conclusions
    assert "with 2 threads per runtime" in conclusions
    assert "detects no difference in accuracy from the trained model" in markdown
    assert "predictions differ from those" not in markdown
    ru = render_markdown(build_context(fabricate(tmp_path / "ru"), {"language": "ru"}, FIGURES)).replace("\u00a0", " ")
    assert "при 2 потоках у каждой среды" in ru


def test_the_method_says_how_the_tuned_loop_calls_each_runtime(tmp_path):
    markdown = render_markdown(build_context(fabricate(tmp_path), {"language": "en"}, FIGURES))
    method = method_text(markdown)
    # the main text keeps what reading the results needs and points to the appendix for the rest
    main = markdown.split("## 2.")[1].split("## 3.")[0]
    assert "The tuned loop calls" not in main and "Measurement details”) gives the rest of the method" in main
    assert "The tuned loop calls each runtime" in method and "the LATENCY performance hint, one stream" in method


def test_the_training_section_gives_normalization_augmentation_schedule_and_seed(tmp_path):
    data = fabricate(tmp_path)
    spec = {"horizontal_flip": True, "normalization": "dataset", "lr_schedule": "constant", "weight_decay": 0.0}
    data = dataclasses.replace(data, results=dataclasses.replace(data.results, spec={"train": {**spec, "seed": 0}}))
    markdown = render_markdown(build_context(data, {"language": "en"}, FIGURES))
    assert (
        "Input normalization: by the training set's per-channel mean and standard deviation; training augmentation: "
        "random horizontal flips; learning rate constant, weight decay 0, seed 0" in markdown
    )
    cosine = {"train": {**spec, "lr_schedule": "cosine", "seed": 0}}
    data = dataclasses.replace(data, results=dataclasses.replace(data.results, spec=cosine))
    russian = render_markdown(build_context(data, {"language": "ru"}, FIGURES))
    assert "скорость обучения снижается по косинусу до 0 за все эпохи (шаг раз в эпоху)" in russian
    assert "tracked after every epoch, without a validation split; the model is the last epoch's" in markdown


def test_the_best_batch_names_another_size_the_repeats_do_not_tell_apart(tmp_path):
    from compressbench.report.sections.speed import best_batch_cell

    def ranges(low, high):  # every size has a range; only the best size's matters here
        others = {"1": 1.0, "8": 1.0, "64": 1.0}
        return {"throughput_by_batch_low": {**others, "256": low}, "throughput_by_batch_high": {**others, "256": high}}

    data = fabricate(tmp_path, extra=ranges(40_000, 60_000))
    w = Writer(data.run, Findings(), Strings("en"), Citations.load(TEMPLATES))
    # OpenVINO INT8: best 256 at 50,000 images/s; batch 64 at 45,000 and 8 at 40,000 lie within 40,000-60,000
    assert best_batch_cell(w, "openvino_int8") == "256 (≈ 8, 64)"
    w = Writer(
        fabricate(tmp_path / "narrow", extra=ranges(49_000, 51_000)).run,
        Findings(),
        Strings("en"),
        Citations.load(TEMPLATES),
    )
    assert best_batch_cell(w, "openvino_int8") == "256"


def test_a_reference_to_the_appendix_says_so(tmp_path):
    """The quality section discusses the appendix's per-class tables and confusion matrix: its reference names
    its own table first and the appendix's after "in the appendix"; so does the speed section for the calls'
    distribution, drawn beside the appendix's measurement details."""
    data = fabricate(tmp_path)
    for language, words in (("en", "(Table 2; in the appendix: Table "), ("ru", "(таблица 2; в приложении: таблица ")):
        markdown = render_markdown(build_context(data, {"language": language}, FIGURES))
        quality = markdown.split("### 3\\.2.")[1].split("###")[0]
        assert words in quality.replace("\u00a0", " ")
    speed = render_markdown(build_context(data, {"language": "en"}, FIGURES)).split("### 3\\.3.")[1].split("###")[0]
    assert "(Table 3; in the appendix: Figure " in speed.replace("\u00a0", " ")


def test_benchmark_app_at_another_batch_than_the_runs_best_says_which(tmp_path):
    """The extended rounds ran benchmark_app at 64, the run's best over all rounds is 256 (compared_batch)."""
    bounds = {"": 33000.0, "_low": 32000.0, "_high": 34000.0}
    at_64 = {
        "batch_size": 64,
        "benchmark_app_repeats": 3,
        **{f"benchmark_app_throughput_ips{end}": value for end, value in bounds.items()},
        **{f"our_throughput_ips{end}": value * 0.96 for end, value in bounds.items()},
        **{f"throughput_ratio{end}": 0.96 for end in bounds},
    }
    fabricate(tmp_path, extra={"repeats": 6, "full_repeats": 3}, app_rows=[{"batch_size": 1, **APP_LATENCY}, at_64])
    path = tmp_path / paths.for_target(paths.BENCH["benchmark_app"], "openvino")
    path.write_text(json.dumps({**json.loads(path.read_text()), "throughput_batch": 64}))
    data = analyzed(tmp_path)
    (item,) = data.findings.body("naive.benchmark_app").items
    assert (item.best_batch, item.run_best_batch, item.throughput_ips.ratio) == (64, 256, 0.96)
    markdown = render_markdown(build_context(data, {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert "at batch 64, the best batch of the extended rounds (the run's best over all its rounds is 256," in markdown
    russian = render_markdown(build_context(data, {"language": "ru"}, FIGURES)).replace("\u00a0", " ")
    assert "при батче 64, лучшем в расширенных прогонах (лучший по всем прогонам запуска — 256" in russian


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            [
                "no test image is discordant for ONNX Runtime",
                "Too few images are discordant for the exact McNemar test",
                "(it needs at least 6): OpenVINO (2 discordant images).",
                "For OpenVINO INT8, the exact McNemar test",
                "detects no difference in accuracy from the trained model (p = 0.557)",
            ],
        ),
        (
            "ru",
            [
                "у ONNX Runtime нет ни одной несогласованной пары",
                "Несогласованных пар слишком мало",
                "(нужно не меньше 6): OpenVINO (2 несогласованные пары).",
                "Для OpenVINO INT8 точный критерий Мак-Немара",
            ],
        ),
    ],
)
def test_mcnemar_says_nothing_to_test_too_few_to_test_or_no_difference_detected(tmp_path, language, words):
    from compressbench.analysis.quality import Changed
    from compressbench.report.sections.quality import calm_text

    w = Writer(fabricate(tmp_path).run, Findings(), Strings(language), Citations.load(TEMPLATES))
    calm = [
        Changed("onnxruntime", 1.0, 0, 0, 0, 0, False),
        Changed("openvino", 0.5, 2, 2, 0, 2, False),
        Changed("openvino_int8", 0.557, 203, 142, 75, 67, False),
    ]
    (paragraph,) = calm_text(w, calm)
    text = paragraph.replace("\u00a0", " ")
    assert all(part in text for part in words), text
    assert "finds no difference" not in text and "не находит" not in text


def with_rounds(root: Path, keys: tuple[str, str, str, str], rounds: dict[str, list[float]]) -> None:
    """Rewrite a fabricated run's summary: these targets' metric (value, low, high and per-round keys) from one value
    per round, the median with the range over the rounds; the other targets as they were."""
    value, low, high, per_round = keys

    def measured(r):
        v = rounds[r.target]
        return dataclasses.replace(
            r,
            **{value: float(np.median(v)), low: min(v), high: max(v), per_round: v},
            repeat_indices=list(range(len(v))),
        )

    records = [measured(r) if r.target in rounds else r for r in read_records(root / paths.SUMMARY_JSON)]
    write_records(records, root / paths.SUMMARY_JSON, root / paths.SUMMARY)


def test_a_coursework_ordering_the_rounds_resolve_says_so(tmp_path):
    """First calls: ONNX Runtime's range apart below, PyTorch's and OpenVINO's overlapping, PyTorch sooner in
    each of 6 rounds: the order stands, and the sentence names the rounds that resolved it."""
    fabricate(tmp_path)
    first_calls = {
        "onnxruntime": [0.30] * 6,
        "pytorch": [0.80, 0.82, 0.78, 0.85, 0.90, 0.81],
        "openvino": [0.88, 0.90, 0.85, 0.92, 1.00, 0.86],
    }
    with_rounds(
        tmp_path, ("first_call_ms", "first_call_ms_low", "first_call_ms_high", "first_call_repeat_ms"), first_calls
    )
    markdown = render_markdown(build_context(analyzed(tmp_path), {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    order = "first call after loading: ONNX Runtime \\< PyTorch \\< OpenVINO"
    assert f"{order} (PyTorch ahead of OpenVINO in all 6 rounds, signed-rank test p = 0.031)" in markdown


def test_the_method_says_how_often_ranges_fall_apart_by_chance_with_the_extended_rounds(tmp_path):
    from compressbench.analysis.rule import ranges_apart_by_chance

    assert ranges_apart_by_chance(3) == pytest.approx(0.1) and ranges_apart_by_chance(8) == pytest.approx(2 / 12870)
    data = fabricate(tmp_path, extra={"repeats": 8, "full_repeats": 3})
    method = method_text(render_markdown(build_context(data, {"language": "en"}, FIGURES))).replace("\u00a0", " ")
    assert "2 / C(2n, n), 10 % with the 3 extended rounds and 0.02 % with all 8; a difference that only" in method
    # 4 extended rounds (the default): 2 / C(8, 4) = 2.9 %, within the exact tests' level
    four = fabricate(tmp_path / "four", extra={"repeats": 8, "full_repeats": 4})
    method = method_text(render_markdown(build_context(four, {"language": "en"}, FIGURES))).replace("\u00a0", " ")
    assert "2.9 % with the 4 extended rounds and 0.02 % with all 8, both within the 5 % level" in method


def test_a_mcnemar_p_is_a_dash_where_no_image_has_exactly_one_right(tmp_path):
    for discordant, cell in ((0, "—"), (2, "1.000")):
        data = fabricate(tmp_path / str(discordant), extra={"discordant": discordant})
        w = Writer(data.run, Findings(), Strings("en"), Citations.load(TEMPLATES))
        assert quality_section.mcnemar_cell(w, "onnxruntime") == cell


@pytest.mark.parametrize(("extra_right", "resolved"), [(40, True), (3, False)])
def test_the_accuracy_leader_is_decided_by_mcnemar_where_the_intervals_overlap(tmp_path, extra_right, resolved):
    """Fabricated accuracies with overlapping intervals (PyTorch and ONNX Runtime tie at 0.5844, OpenVINO 0.5843):
    the paired exact test on the predictions decides. PyTorch right on `extra_right` more images than the others,
    which are right on 10 images PyTorch gets wrong."""
    from compressbench.analysis.rule import MCNEMAR_CALM, accuracy_leader

    fabricate(tmp_path)
    labels = np.zeros(1000, dtype=np.int64)
    leader, others = np.ones(1000, dtype=np.int64), np.ones(1000, dtype=np.int64)
    leader[:500] = others[:500] = 0
    leader[500 : 500 + extra_right] = 0
    others[600:610] = 0
    rest = {t: (labels, others) for t in TARGETS if t != "pytorch"}
    write_predictions(tmp_path, {"pytorch": (labels, leader), **rest})
    lead = accuracy_leader(analyzed(tmp_path).run)
    assert lead.best == "pytorch" and lead.resolved == resolved and lead.mcnemar_p is not None
    markdown = render_markdown(build_context(analyzed(tmp_path), {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    if resolved:
        assert lead.mcnemar_p < 0.05
        assert "but the exact McNemar test on the two variants' predictions of the same images resolves" in markdown
    else:
        assert lead.status == MCNEMAR_CALM
        assert "and the exact McNemar test on the paired predictions detects no difference" in markdown


def test_differences_only_three_rounds_resolve_are_called_the_weaker_finding_in_both_languages(tmp_path):
    """The naive loop runs in the 3 extended rounds only: ranges of 3 rounds fall apart by chance 10 % of the
    time, so the naive section, the coursework's ordering and the convenience-call claim say it is weaker."""
    fabricate(tmp_path)
    naive = {"onnxruntime": [0.23, 0.232, 0.24], "openvino": [0.443, 0.447, 0.461], "pytorch": [1.40, 1.41, 1.44]}
    tuned = {"onnxruntime": [0.235, 0.24, 0.24], "openvino": [0.309, 0.319, 0.321], "pytorch": [1.39, 1.39, 1.42]}

    def loops(record):
        times, calls = naive[record.target], tuned[record.target]
        return dataclasses.replace(
            record,
            naive_test_set_seconds=float(np.median(times)),
            naive_test_set_seconds_low=min(times),
            naive_test_set_seconds_high=max(times),
            naive_repeat_seconds=[*times, None, None, None, None, None],  # the 5 rounds that are not extended
            tuned_test_set_seconds=float(np.median(calls)),
            tuned_test_set_seconds_low=min(calls),
            tuned_test_set_seconds_high=max(calls),
            tuned_repeat_seconds=[*calls, None, None, None, None, None],
        )

    records = [loops(r) if r.target in naive else r for r in read_records(tmp_path / paths.SUMMARY_JSON)]
    write_records(records, tmp_path / paths.SUMMARY_JSON, tmp_path / paths.SUMMARY)
    data = analyzed(tmp_path)
    expected = {
        "en": (
            "Only the 3 extended rounds time the naive loop, and ranges of 3 rounds fall apart by chance 10 % of",
            "ONNX Runtime \\< OpenVINO \\< PyTorch (by the ranges of the 3 extended rounds alone: the weaker finding)",
            "these ranges cover the 3 extended rounds alone (apart by chance 10 % of the time), so this is the weaker",
        ),
        "ru": (
            "Наивный цикл измеряют только 3 расширенных прогона, а разбросы 3 прогонов расходятся случайно в 10 %",
            "ONNX Runtime \\< OpenVINO \\< PyTorch (этот порядок дают только 3 расширенных прогона: более слабый",
            "эти разбросы — только по 3 расширенным прогонам (случайно расходятся в 10 % случаев)",
        ),
    }
    for language, sentences in expected.items():
        markdown = render_markdown(build_context(data, {"language": language}, FIGURES))
        text = " ".join(markdown.replace("\u00a0", " ").split())
        for sentence in sentences:
            assert sentence in text, (language, sentence)


def test_the_appendix_gives_the_exact_mcnemar_test_of_every_pair_and_the_tie_cites_it(tmp_path):
    """1,000 images of class 0. PyTorch and ONNX Runtime predict alike (right on the first 500); OpenVINO is right
    on the same images, wrong with another class elsewhere; OpenVINO INT8 is right on 6 more."""
    fabricate(tmp_path)
    labels = np.zeros(1000, dtype=np.int64)
    trained, openvino, int8 = (np.ones(1000, dtype=np.int64) for _ in range(3))
    trained[:500] = openvino[:500] = int8[:506] = 0
    openvino[900:] = 2
    predicted = {"pytorch": trained, "onnxruntime": trained, "openvino": openvino, "openvino_int8": int8}
    write_predictions(tmp_path, {t: (labels, p) for t, p in predicted.items()})
    data = analyzed(tmp_path)
    rows = {
        "en": ["OpenVINO INT8 | PyTorch = ONNX Runtime | 6 | 0 | 0.031", "OpenVINO INT8 | OpenVINO | 6 | 0 | 0.031"]
        + ["PyTorch = ONNX Runtime | OpenVINO | 0 | 0 | —"],
        "ru": ["OpenVINO INT8 | PyTorch = ONNX Runtime | 6 | 0 | 0,031", "OpenVINO INT8 | OpenVINO | 6 | 0 | 0,031"]
        + ["PyTorch = ONNX Runtime | OpenVINO | 0 | 0 | —"],
    }
    # the caption names the test and the report's own term for the images it counts
    captions = {
        "en": (
            "The exact McNemar test (two-sided, at the 5 % level",
            "(together, the discordant images)",
        ),
        "ru": ("Точный критерий Мак-Немара (двусторонний, на принятом", "(вместе это несогласованные пары)"),
    }
    for language in ("en", "ru"):
        context = build_context(data, {"language": language}, FIGURES)
        number = context["table_numbers"]["mcnemar_pairs"]
        markdown = render_markdown(context).replace("\u00a0", " ").replace("\\", "")
        table_md = markdown.split(f"{'Table' if language == 'en' else 'Таблица'} {number}. ")[1].split("\n\n\n")[0]
        test, term = captions[language]
        assert table_md.startswith(test) and term in table_md
        assert all(f"| {row} |" in table_md for row in rows[language]), table_md
        # the quality section's reference names it among the appendix's tables, in both formats
        assert str(number) in context["refs"]["quality"]["md"].split(":")[-1]
        assert "\\ref{tab:mcnemar_pairs}" in context["refs"]["quality"]["tex"]
        assert "\\label{tab:mcnemar_pairs}" in render_latex(context)


def test_a_leader_the_ranges_of_three_rounds_resolve_is_called_the_weaker_finding(tmp_path):
    """Batch-1 latency over 3 rounds (benchmark.repeats 3): ONNX Runtime's range lies below every other one,
    but ranges of 3 rounds fall apart by chance 10 % of the time, so the lead is the weaker finding."""
    fabricate(tmp_path)
    medians = {"onnxruntime": [0.020, 0.021, 0.022], "openvino": [0.030, 0.031, 0.032], "pytorch": [0.1, 0.11, 0.12]}
    keys = ("latency_p50_ms", "latency_p50_ci_low_ms", "latency_p50_ci_high_ms", "latency_repeat_p50_ms")
    with_rounds(tmp_path, keys, medians)
    data = analyzed(tmp_path)
    expected = {
        "en": "and the ranges over 3 rounds do not overlap (the weaker finding: such ranges fall apart by chance 10 %",
        "ru": "и разбросы по 3 прогонам не перекрываются (более слабый результат: такие разбросы расходятся случайно",
    }
    for language, words in expected.items():
        markdown = render_markdown(build_context(data, {"language": language}, FIGURES))
        speed = " ".join(markdown.replace("\u00a0", " ").split("### 3\\.3.")[1].split("###")[0].split())
        assert words in speed, (language, speed[:600])


def test_the_coursework_table_gives_this_runs_time_per_image_with_its_range(tmp_path):
    """The naive loop over 10,000 images in 0.223-0.280 s, median 0.232 s: 23.2 µs per image (22.3-28.0)."""
    fabricate(tmp_path)
    loops = {"onnxruntime": [0.223, 0.232, 0.280]}
    keys = ("naive_test_set_seconds", "naive_test_set_seconds_low", "naive_test_set_seconds_high")
    with_rounds(tmp_path, (*keys, "naive_repeat_seconds"), loops)
    table = build_context(analyzed(tmp_path), {"language": "en"}, FIGURES)["tables"]["coursework"]
    (row,) = [row for row in table["rows"] if row[0] == "ONNX Runtime"]
    assert analyzed(tmp_path).run.test_images == 10_000
    assert row[5] == "23.2 (22.3–28.0)", row  # three significant digits, as every time in the report


def test_the_conclusions_recommend_the_quickest_start_where_the_load_ranges_resolve_it(tmp_path):
    """Load times 3.94-4.626 ms against 4.633-5.31 ms and about 50 ms for the others: ONNX Runtime starts soonest."""
    fabricate(tmp_path)
    loads = {"onnxruntime": (0.00405, 0.00394, 0.004626), "openvino": (0.00483, 0.004633, 0.00531)}
    records = [
        dataclasses.replace(r, load_seconds=v[0], load_seconds_low=v[1], load_seconds_high=v[2])
        if (v := loads.get(r.target))
        else dataclasses.replace(r, load_seconds=0.05, load_seconds_low=0.049, load_seconds_high=0.051)
        for r in read_records(tmp_path / paths.SUMMARY_JSON)
    ]
    write_records(records, tmp_path / paths.SUMMARY_JSON, tmp_path / paths.SUMMARY)
    data = analyzed(tmp_path)
    for language, words in (
        (
            "en",
            "For the quickest model load (the runtime library's import before it is not timed), use ONNX Runtime: "
            "it loads",
        ),
        (
            "ru",
            "Для самой быстрой загрузки модели (импорт библиотеки среды до неё не замерялся) подходит ONNX Runtime:",
        ),
    ):
        markdown = render_markdown(build_context(data, {"language": language}, FIGURES)).replace("\u00a0", " ")
        conclusions = markdown.split(
            {"en": "Conclusions and recommendations", "ru": "Выводы и рекомендации"}[language]
        )[1]
        assert words in conclusions, language


def startup_row(load_ms: float, first_call_ms: float, latency_ms: float, peak_mb: float) -> dict:
    """One variant's load, first call, batch-1 median and peak at batch 256, each with a narrow range over three
    rounds (load and latency 2 % and 1 % apart, the first call the same in each)."""
    return {
        "repeats": 3,
        "load_repeat_seconds": [load_ms * f / 1000 for f in (0.98, 1.0, 1.02)],
        "first_call_repeat_ms": [first_call_ms] * 3,
        "latency_repeat_p50_ms": [latency_ms * f for f in (0.99, 1.0, 1.01)],
        "load_seconds": load_ms / 1000,
        "load_seconds_low": load_ms * 0.98 / 1000,
        "load_seconds_high": load_ms * 1.02 / 1000,
        "first_call_ms": first_call_ms,
        "latency_p50_ms": latency_ms,
        "latency_p50_ci_low_ms": latency_ms * 0.99,
        "latency_p50_ci_high_ms": latency_ms * 1.01,
        "peak_rss_largest_mb": peak_mb,
        "peak_rss_largest_mb_low": peak_mb - 0.1,
        "peak_rss_largest_mb_high": peak_mb + 0.1,
        "peak_rss_largest_batch": 256,
    }


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_quickest_start_says_when_a_faster_call_makes_up_for_it(language):
    """ORT without optimizations starts 0.57 ms sooner and calls 9.3 us slower: ONNX Runtime is ahead after
    61 calls, 60.6 to 62.0 in the three rounds. At batch 256 ONNX Runtime's variants part, which batch 1 hid."""
    from results_fixtures import run_of

    from compressbench.analysis.rule import leader
    from compressbench.report.sections.conclusion import largest_batch_memory, start_break_even

    run = run_of(
        {
            "onnxruntime": startup_row(4.4, 0.34, 0.0223, 117.4),
            "onnxruntime_noopt": startup_row(3.8, 0.37, 0.0316, 84.6),
            "onnxruntime_int8": startup_row(5.0, 0.37, 0.036, 82.7),
        }
    )
    w = Writer(run, Findings(), Strings(language), Citations.load(TEMPLATES))
    start = leader(run, "load")
    assert start.best == "onnxruntime_noopt" and start.resolved
    said = start_break_even(w, start).replace("\u00a0", " ")
    expected = "after about 61 calls (61–62 per round)" if language == "en" else "примерно к 61-му вызову (61–62 по"
    assert expected in said, said
    parted = largest_batch_memory(w, ["onnxruntime_noopt", "onnxruntime_int8", "onnxruntime"]).replace("\u00a0", " ")
    items = "ONNX Runtime 117.4 MiB, ORT without optimizations 84.6 MiB and ONNX Runtime INT8 82.7 MiB"
    assert language == "ru" or (items in parted and "At batch 256" in parted), parted
    # a start not resolved from the next is not said to be shorter
    close = run_of({t: startup_row(4.0, 0.35, lat, 100.0) for t, lat in (("onnxruntime", 0.02), ("openvino", 0.03))})
    assert (
        start_break_even(Writer(close, Findings(), Strings(language), Citations.load(TEMPLATES)), leader(close, "load"))
        == ""
    )


def test_throughput_is_printed_to_three_significant_digits_unless_ranges_apart_need_more(tmp_path):
    """Images per second vary by a few per cent between repeats: 82 973 prints 83 000. Two ranges apart whose
    facing bounds would print the same at three digits get the digits that part them."""
    n = Strings("en").num
    assert [n.count(v) for v in (82_973, 78_481, 760.4, 0)] == ["83,000", "78,500", "760", "0"]
    assert n.ips(62_121).replace("\u00a0", " ") == "62,100 images/s"
    from results_fixtures import run_of

    ranges = {
        "onnxruntime": {
            "repeats": 3,
            "throughput_ips": 63_000,
            "throughput_ips_low": 62_840,
            "throughput_ips_high": 64_000,
        },
        "openvino": {
            "repeats": 3,
            "throughput_ips": 62_000,
            "throughput_ips_low": 61_000,
            "throughput_ips_high": 62_790,
        },
    }
    w = Writer(run_of(ranges), Findings(), Strings("en"), Citations.load(TEMPLATES))
    digits = w.apart_digits("throughput", "onnxruntime", "openvino")
    assert digits == 4 and w.interval("openvino", "throughput", digits) == "61,000–62,790"


def test_the_setup_table_gives_the_python_every_timed_call_goes_through(tmp_path):
    rows = dict(build_context(fabricate(tmp_path), {"language": "en"}, FIGURES)["tables"]["setup"])
    assert rows["Python"] == "3.11" and rows["Libraries"] == "torch 2.0"  # the fixture's environment.json
    assert rows["CPU"] == "Test CPU"  # an environment.json that does not say the machine is virtual


def test_the_setup_table_says_the_machine_is_virtual_where_the_cpu_reports_a_hypervisor(tmp_path):
    data = fabricate(tmp_path)
    environment_file = tmp_path / paths.ENVIRONMENT
    environment = json.loads(environment_file.read_text())
    environment_file.write_text(json.dumps({**environment, "virtual_machine": True}))
    rows = dict(build_context(analyzed(tmp_path), {"language": "en"}, FIGURES)["tables"]["setup"])
    assert rows["CPU"] == "Test CPU (a virtual machine: the CPU reports the hypervisor flag)", data


def test_a_speed_leader_the_rounds_decide_says_so_in_the_recommendation_and_in_the_reason(tmp_path):
    """ONNX Runtime against OpenVINO INT8 over 8 rounds, the ranges overlapping: ahead in 7 rounds and a little
    behind in one, the signed-rank test resolves it and the recommendation gives the count and p; far behind in
    that round, it does not, and the reason gives the same count with its p instead of "the rounds disagree"."""
    keys = ("latency_p50_ms", "latency_p50_ci_low_ms", "latency_p50_ci_high_ms", "latency_repeat_p50_ms")
    fabricate(tmp_path)
    other = [0.035, 0.0352, 0.0348, 0.0351, 0.0349, 0.0353, 0.0350, 0.0330]
    with_rounds(tmp_path, keys, {"onnxruntime": [0.030] * 7 + [0.0335], "openvino_int8": other})
    markdown = render_markdown(build_context(analyzed(tmp_path), {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert "(ONNX Runtime ahead in 7 of the 8 rounds, signed-rank test p = 0.016)." in markdown
    fabricate(tmp_path / "far")
    with_rounds(tmp_path / "far", keys, {"onnxruntime": [0.030] * 7 + [0.045], "openvino_int8": other})
    context = build_context(analyzed(tmp_path / "far"), {"language": "ru"}, FIGURES)
    markdown = render_markdown(context).replace("\u00a0", " ")
    # two ties, OpenVINO INT8 by the rounds and OpenVINO by its range: each with its own reason
    assert "критерий Уилкоксона даёт p = 0,188 для OpenVINO INT8 (впереди в 7 из 8 прогонов)" in markdown
    assert "и для OpenVINO разбросы между повторами перекрываются" in markdown


def test_a_leader_tied_with_two_variants_by_the_rounds_gives_each_tie_its_own_p(tmp_path):
    """ONNX Runtime ahead of OpenVINO INT8 and of OpenVINO in 7 of 8 rounds but far behind in one: neither is
    resolved, and the reason gives the signed-rank test's p of each pair, not one p for both."""
    keys = ("latency_p50_ms", "latency_p50_ci_low_ms", "latency_p50_ci_high_ms", "latency_repeat_p50_ms")
    fabricate(tmp_path)
    int8 = [0.035, 0.0352, 0.0348, 0.0351, 0.0349, 0.0353, 0.0350, 0.0330]
    fp16 = [0.036, 0.040, 0.0358, 0.0361, 0.0359, 0.0363, 0.0360, 0.0360]
    rounds = {"onnxruntime": [0.030] * 7 + [0.045], "openvino_int8": int8, "openvino": fp16}
    with_rounds(tmp_path, keys, rounds)
    markdown = render_markdown(build_context(analyzed(tmp_path), {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert (
        "because the signed-rank test gives p = 0.188 for OpenVINO INT8 (ahead in 7 of the 8 rounds) and p = 0.148 "
        "for OpenVINO (ahead in 7 of the 8 rounds). See Table 3;"  # then the tables
    ) in markdown, markdown[markdown.find("### 3.3") :][:1200]
    # the three are each resolved ahead of PyTorch, the one other variant: the choice is between them alone
    recommendation = markdown[markdown.find("For low latency at batch 1") :].split("\n")[0]
    assert recommendation.endswith(
        "Each of them is faster than every other variant. <!-- findings: speed.leader.latency -->"
    )


def test_an_unresolved_load_recommendation_names_the_candidates_and_leaves_the_reason_to_the_start_up_section(tmp_path):
    fabricate(tmp_path)
    markdown = render_markdown(build_context(analyzed(tmp_path), {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    recommendation = next(line for line in markdown.splitlines() if "loads its model quickest" in line)
    expected = (
        "By median, PyTorch loads its model quickest (10.0 ms), but its difference from ONNX Runtime, OpenVINO and "
        "OpenVINO INT8 is not resolved."
    )
    assert expected in recommendation
    assert "because" not in recommendation  # the start-up section gives why, once


def test_the_quality_section_speaks_of_weighted_averages_only_where_they_differ_from_the_macro_ones(tmp_path):
    same = render_markdown(build_context(fabricate(tmp_path / "same"), {"language": "en"}, FIGURES))
    assert "weighted averages" not in same[: same.index("## A.")]  # the captions say macro; the appendix says why
    differ = fabricate(tmp_path / "differ", extra={"f1_weighted": 0.5})
    markdown = render_markdown(build_context(differ, {"language": "en"}, FIGURES)).replace("\u00a0", " ")
    assert "the weighted averages still differ from the macro ones" in markdown[: markdown.index("## A.")]


def test_every_note_on_a_source_is_in_every_report_language():
    import yaml

    sources = yaml.safe_load((TEMPLATES / "bibliography.yaml").read_text(encoding="utf-8"))
    notes = {key: source["note"] for key, source in sources.items() if "note" in source}
    assert notes and all(set(note) == {"en", "ru"} and all(note.values()) for note in notes.values()), notes


@pytest.mark.parametrize(
    ("language", "opening"),
    [
        (
            "en",
            "In short: at batch 1, ONNX Runtime has the lowest median latency (30.0 µs, range 29.0–31.0 µs); "
            "in batches, OpenVINO INT8 processes the most images per second (50,000 images/s, range "
            "48,500–51,500); the smallest model without a resolved loss of accuracy is OpenVINO (140.1 KiB); the "
            "accuracy of OpenVINO INT8 is resolvably different from the trained model's.",
        ),
        (
            "ru",
            "Кратко: при батче 1 наименьшая медианная задержка у ONNX Runtime (30,0 мкс, разброс 29,0–31,0 мкс); "
            "при пакетной обработке больше всего изображений в секунду обрабатывает OpenVINO INT8 "
            "(50 000 изобр./с, разброс 48 500–51 500); самая маленькая модель без установленной потери доли "
            "верных ответов — OpenVINO (140,1 КиБ); различие в доле верных ответов с обученной моделью "
            "установлено у OpenVINO INT8.",
        ),
    ],
)
def test_the_report_opens_with_its_findings_in_one_sentence_as_the_sections_state_them(tmp_path, language, opening):
    data = fabricate(tmp_path)
    context = build_context(data, {"language": language}, FIGURES)
    markdown = render_markdown(context).replace("\u00a0", " ")
    assert opening in markdown and markdown.index(opening) < markdown.index("## 1.")
    latex, first = render_latex(context), opening.split(",")[0]
    assert first in latex and latex.index(first) < latex.index("\\section")  # under the title in the PDF too
    # a tie is said as one: no leader is named where the speed section names none
    tied = dict(TARGETS)
    tied["onnxruntime"] = (*TARGETS["onnxruntime"][:7], 0.0345, (0.0335, 0.0355), *TARGETS["onnxruntime"][9:])
    context = build_context(fabricate(tmp_path / "tie", tied), {"language": "en"}, FIGURES)
    assert context["summary"].startswith("In short: at batch 1, this run cannot choose between ")

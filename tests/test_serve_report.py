"""The report's section on the model as a service under load, on serve results the tests record
through the workflow's own bookkeeping (results_fixtures.write_served): its findings, both languages,
its tables and figures, no comparison word where the intervals overlap, and no section at all when
the run does not serve. Nothing is timed."""

from __future__ import annotations

import math
import re

import pytest
from results_fixtures import write_served
from test_report import fabricate

from compressbench import paths
from compressbench.analysis import analyze_run, read_findings, write_findings
from compressbench.analysis.serve import load_rows
from compressbench.report import build_context, load, render_latex, render_markdown
from compressbench.report.i18n import Strings
from compressbench.report.latex import build_pdf, engine_available
from compressbench.report.sections import figures
from compressbench.report.workflow import analysis_inputs, figure_names
from compressbench.serve import analysis

# target -> (capacity req/s, light-load p50 ms, in-process batch-1 p50 ms): INT8 faster in process only
SERVED = {"openvino": (1000.0, 2.0, 0.040), "openvino_int8": (1000.0, 2.0, 0.020), "onnxruntime": (3000.0, 1.0, 0.03)}
SERVE_FIGURES = {"serve_latency": "figures/serve_latency", "serve_time": "figures/serve_time"}


@pytest.fixture(scope="module")
def served_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    fabricate(root)
    write_served(root, SERVED)
    write_findings(analyze_run(root, served=list(SERVED)), root / paths.FINDINGS)
    return load(root)


def test_findings_state_capacity_batching_time_overload_and_compression(served_run):
    findings = served_run.findings
    setup = findings.body("serve.setup")
    assert setup.targets == list(SERVED) and setup.slo_p99_ms == 20.0 and setup.repeats == 2 and setup.batching_off
    capacity = findings.body("serve.capacity.openvino")
    # the heaviest step below the first miss: 0.85 of a probe at 1.1 x capacity, in each repeat
    assert capacity.on.rps.count == 2 and capacity.on.rps.low < capacity.on.rps.high
    assert 0.9 * 1000 < capacity.on.rps.median < 1000 and not capacity.on.lower_bound
    assert findings.get("serve.batching.openvino").outcome == "resolved"
    assert findings.body("serve.batching.openvino").verdict == "higher"
    time = findings.body("serve.time.openvino")
    assert time.split.within_tolerance and time.split.parts_over_client == pytest.approx(0.95, abs=0.05)
    assert time.overhead_ms == pytest.approx(time.client_p50.median - 0.040)
    overload = findings.body("serve.overload.openvino")
    assert overload.all_accounted and overload.rejected > 0 and overload.errors_timeouts == 0
    assert overload.inbound_p99_ms == pytest.approx(0.2 + 20.0)  # 0.1 of the p50, plus the SLO past capacity
    assert overload.parity_images == overload.parity_agree == 100 and overload.recovered
    assert findings.get("serve.binary.openvino").outcome == "resolved"  # binary at 0.8 of the JSON p50
    # compression: INT8 resolved faster in process, nothing resolved behind HTTP
    compression = findings.get("serve.compression.openvino_int8")
    assert compression.outcome == "not_resolved" and compression.body.inprocess.verdict == "lower"
    assert compression.body.service.verdict == compression.body.capacity.verdict == "not resolved"
    assert "serve.compression.onnxruntime" not in findings  # no served reference


def test_findings_read_back_typed(served_run, tmp_path):
    write_findings(served_run.findings, tmp_path / "findings.json")
    again = read_findings(tmp_path / "findings.json")
    assert again.body("serve.capacity.openvino") == served_run.findings.body("serve.capacity.openvino")
    assert again.body("serve.load.onnxruntime").rows == served_run.findings.body("serve.load.onnxruntime").rows
    assert again.body("serve.time.openvino") == served_run.findings.body("serve.time.openvino")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_section_renders_in_both_languages_with_its_tables_and_finding_ids(served_run, language):
    context = build_context(served_run, {"language": language}, SERVE_FIGURES)
    markdown, latex = render_markdown(context), render_latex(context)
    title = Strings(language)["serve.title"]
    assert title in markdown and title in latex
    assert context["tables"]["serve_capacity"]["rows"] and len(context["tables"]["serve_load"]["rows"]) == 18
    assert "figures/serve_latency.png" in markdown and "figures/serve_time.pdf" in latex
    for finding in ("serve.setup", "serve.capacity.openvino", "serve.time.openvino", "serve.overload.openvino"):
        assert re.search(rf"<!-- findings: [^>]*{re.escape(finding)}[ ,]", markdown), finding
        assert re.search(rf"% findings: [^\n]*{re.escape(finding)}", latex), finding
    assert "serve.compression.openvino_int8" in markdown
    for block in re.findall(r"((?:^\|.*\|\n)+)", markdown, flags=re.M):  # whole table rows
        assert len({len(re.findall(r"(?<!\\)\|", line)) for line in block.strip().splitlines()}) == 1


SERVE_COMPARISON_WORDS = {
    "en": ("median is lower", "median is higher", "capacity at the SLO is higher", "capacity at the SLO is lower"),
    "ru": ("медиана ниже", "медиана выше", "при SLO выше", "при SLO ниже"),
}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_no_comparison_word_behind_http_where_the_intervals_overlap(served_run, language):
    text = build_context(served_run, {"language": language}, {})["text"]["serve"]
    compression = next(p for p in text if "serve.compression.openvino_int8" in p.findings)
    assert not [word for word in SERVE_COMPARISON_WORDS[language] if word in compression]
    assert Strings(language)["serve.compression_lost"] in compression


def test_no_section_when_the_run_does_not_serve(tmp_path):
    data = fabricate(tmp_path)
    assert not data.findings.with_prefix("serve.")
    context = build_context(data, {"language": "en"}, {})
    assert context["text"]["serve"] == [] and context["tables"]["serve_load"] is None
    assert context["present"]["serve"] == [] and "serve" not in context["section_numbers"]
    assert "serve_latency" not in figure_names(True) and "serve_latency" in figure_names(True, serve=True)
    assert "serve_load" not in analysis_inputs(["openvino"], [])
    assert analysis_inputs(["openvino"], [], served=["openvino"])["serve_load"] == ["results/serve/openvino/load.tsv"]


def test_serve_figures_draw_from_the_findings(served_run, tmp_path):
    from compressbench import plots

    for name in ("serve_latency", "serve_time"):
        written = plots.make_figure(name, served_run, Strings("ru"), tmp_path / name)
        assert [p.suffix for p in written] == [".pdf", ".png"] and all(p.stat().st_size > 1000 for p in written)
    assert {f.name for f in figures(serve=False)}.isdisjoint(SERVE_FIGURES)


def test_a_step_the_generator_decided_is_marked_in_the_load_rows():
    from test_serve_units import step

    steps = [step(offered=100.0), step(offered=200.0, p99=50.0, p99_sent_ms=5.0, send_lag_p99_ms=45.0)]
    steps += [step(repeat=1, offered=100.0), step(repeat=1, offered=200.0, p99=8.0)]
    for s in steps:
        object.__setattr__(s, "step", 0 if s.offered_rps == 100.0 else 1)
    rows = load_rows(steps, 10.0)
    assert [(r.step, r.meets_slo, r.generator_late) for r in rows] == [(0, True, False), (1, False, True)]
    assert rows[1].p99_low_ms == 8.0 and rows[1].p99_high_ms == 50.0 and rows[1].sent == 400
    assert analysis.generator_late(steps[1], 10.0) and not math.isnan(steps[1].p99_sent_ms)


def test_a_server_configured_without_batching_is_described_as_such(served_run):
    import dataclasses

    from compressbench.analysis import Findings

    unbatched = [
        dataclasses.replace(f, body=dataclasses.replace(f.body, max_batch_size=1)) if f.id == "serve.setup" else f
        for f in served_run.findings
    ]
    data = dataclasses.replace(served_run, findings=Findings(unbatched))
    intro = build_context(data, {"language": "en"}, {})["text"]["serve"][0]
    assert "runs every request on its own" in intro and "images per call" not in intro
    assert "with batching off" not in intro


@pytest.mark.skipif(not engine_available(), reason="no latexmk/xelatex")
@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_section_builds_into_a_pdf_with_every_character(served_run, tmp_path, language):
    """Every glyph of the section's sentences, tables and figure captions is in the PDF's fonts."""
    from compressbench import plots

    report = tmp_path / "reports"
    for name in SERVE_FIGURES:
        plots.make_figure(name, served_run, Strings(language), report / "figures" / name)
    context = build_context(served_run, {"language": language}, SERVE_FIGURES)
    (report / "report.tex").write_text(render_latex(context))
    assert build_pdf(report / "report.tex", report / "report.pdf") == []


def test_a_capacity_the_generator_limited_is_called_a_lower_bound(served_run):
    import dataclasses

    from compressbench.analysis import Findings

    def late(finding):
        if finding.id != "serve.capacity.openvino":
            return finding
        on = finding.body.on
        repeats = [dataclasses.replace(on.repeats[0], generator_late=True), *on.repeats[1:]]
        return dataclasses.replace(
            finding, body=dataclasses.replace(finding.body, on=dataclasses.replace(on, repeats=repeats))
        )

    data = dataclasses.replace(served_run, findings=Findings([late(f) for f in served_run.findings]))
    text = build_context(data, {"language": "en"}, {})["text"]["serve"]
    capacity = next(p for p in text if "serve.capacity.openvino" in p.findings)
    assert "In 1 of the 2 repeats" in capacity and "lower bound set by the load generator" in capacity

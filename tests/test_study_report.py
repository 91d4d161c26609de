"""The study report (issue 24) on recorded study results made by the tests (study_fixtures): the points and
the one rule, the latency screen, the seeds, the figure's x positions, the tables inside the text width and
both languages built."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from matplotlib.collections import PathCollection
from study_fixtures import BUSY_MS, recorded_study

from compressbench import paths
from compressbench.analysis.rule import RESOLVED
from compressbench.analysis.study import compare_points, expected_range
from compressbench.report import latex_escape, render_latex, render_markdown
from compressbench.report.latex import build_pdf, engine_available
from compressbench.report.study import draw_figures, figure_names, study_writer, writer_context
from compressbench.study import study_rows

DIGITS_GRID = {"model.name": ["lenet5", "resnet8"], "train.seed": [0, 1]}  # configs/study-digits.yaml
SPARSITY_GRID = {"compression.pruning_sparsity": [0.25, 0.5, 0.75], "train.seed": [0, 1, 2]}  # the CIFAR-10 study
SPARSITY_TARGETS = ("pytorch", "onnxruntime", "pytorch_pruned")
BUSY = {("name-lenet5_seed-0", "pytorch")}
TITLE_BLOCK = {"author": "A. Student & Co_", "group": "M-01 #2", "course": "Model compression methods"}


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    root = tmp_path_factory.mktemp("digits")
    return (root, *recorded_study(root, DIGITS_GRID, busy=BUSY))


@pytest.fixture(scope="module")
def sparsity(tmp_path_factory):
    root = tmp_path_factory.mktemp("sparsity")
    return (root, *recorded_study(root, SPARSITY_GRID, targets=SPARSITY_TARGETS))


def points_of(findings) -> dict:
    return {(p.target, tuple(p.settings.values())): p for p in findings.body("study.points").items}


def render(study, findings, language: str, folder, settings: dict | None = None):
    """Figures, Markdown and LaTeX of a study report in `folder` (as the study_report rule makes them)."""
    w = study_writer(study, findings, language)
    figures = draw_figures(w, folder / "figures", folder)
    context = writer_context(w, {"language": language, **(settings or {})}, figures)
    return context, render_markdown(context), render_latex(context)


# ---- points, the one rule, the seeds ---------------------------------------------------------------


def test_points_are_means_over_seeds_with_their_range(digits):
    _, study, findings = digits
    point = points_of(findings)[("onnxruntime", ("lenet5",))]
    assert point.runs == ["name-lenet5_seed-0", "name-lenet5_seed-1"]
    assert point.accuracy_mean == pytest.approx(0.952)
    assert (point.accuracy_low, point.accuracy_high) == pytest.approx((0.95, 0.954))
    assert point.accuracy_interval == "seeds"
    rows = study_rows(study)
    assert {"run", "model", "train.seed", "target", "accuracy", "latency_p50_ms"} <= set(rows[0])
    assert "model.name" not in rows[0] and len(rows) == 4 * 4


@pytest.mark.parametrize(("seed_step", "resolved"), [(0.004, True), (0.02, False)])
def test_sweep_verdict_is_the_one_rule(tmp_path, seed_step, resolved):
    """Pruning at 0.25 beats 0.5 only when their seed ranges do not overlap (rule.judge), with no cut-off."""
    _, findings = recorded_study(tmp_path, SPARSITY_GRID, targets=SPARSITY_TARGETS, seed_step=seed_step)
    points = points_of(findings)
    low, mid = points[("pytorch_pruned", ("0.25",))], points[("pytorch_pruned", ("0.5",))]
    assert (compare_points("accuracy", low, mid).status == RESOLVED) is resolved
    assert (low.accuracy_low > mid.accuracy_high) is resolved
    sweep = findings.get("study.sweep.compression.pruning_sparsity.3.accuracy")
    assert sweep.body.target == "pytorch_pruned" and sweep.body.lead.best == low.id
    assert (mid.id in sweep.body.lead.ties) is not resolved


def test_a_target_the_sweep_does_not_change_is_one_network(sparsity, tmp_path):
    """The unpruned model along a pruning sweep: the same network at every sparsity, so its latencies there
    are the machine's and are compared with nothing; the pruned model's are compared."""
    _, study, findings = sparsity
    unpruned = findings.get("study.sweep.compression.pruning_sparsity.1.latency")
    assert unpruned.body.target == "pytorch" and unpruned.body.same_network
    assert unpruned.outcome == "not_applicable"
    assert not findings.body("study.sweep.compression.pruning_sparsity.3.accuracy").same_network
    _, markdown, _ = render(study, findings, "en", tmp_path)
    assert "PyTorch and ONNX Runtime: one network at every value of pruning\\_sparsity" in markdown
    assert "the latencies at these values are not compared" in markdown


def test_two_seeds_cannot_establish_the_spread(digits, tmp_path):
    _, study, findings = digits
    spread = findings.body("study.seeds")
    assert (spread.seeds, spread.coverage, spread.seeds_needed) == (2, 0.5, 6)
    assert not spread.resolved
    assert spread.expected_range_pp == pytest.approx(expected_range(6) * spread.pooled_sd_pp)
    assert expected_range(2) == pytest.approx(1.128, abs=1e-3) and expected_range(6) == pytest.approx(2.534, abs=1e-3)
    _, markdown, _ = render(study, findings, "en", tmp_path / "en")
    assert "So few seeds cannot establish this spread" in markdown
    assert "probability 50\u00a0%" in markdown and "6\u00a0seeds per point would hold it" in markdown
    _, markdown, _ = render(study, findings, "ru", tmp_path / "ru")
    assert "Столь малое число сидов не позволяет установить этот разброс" in markdown
    assert "6\u00a0сидов на точку накрыли бы её" in markdown


# ---- the latency screen ------------------------------------------------------------------------------


def test_busy_repeat_is_flagged_not_plotted_or_tabulated(digits, tmp_path):
    from compressbench import plots

    _, study, findings = digits
    (flagged,) = findings.body("study.latency_screen").flagged
    assert (flagged.run, flagged.target, flagged.repeat, flagged.latency_ms) == (
        "name-lenet5_seed-0",
        "pytorch",
        2,
        BUSY_MS,
    )
    point = points_of(findings)[("pytorch", ("lenet5",))]
    assert point.latency_repeats == 3 and point.latency_high_ms < 0.2  # the kept repeats only
    seed0 = next(lat for lat in point.latency_by_run if lat.run == "name-lenet5_seed-0")
    assert seed0.flagged_ms == [BUSY_MS] and seed0.p50_ms == pytest.approx(0.16)
    context, markdown, _ = render(study, findings, "en", tmp_path)
    flagged_text, tables = markdown.split("*Table 2.")[0], markdown.split("*Table 2.")[1]
    assert "repeat 2: 55.9\u00a0ms against a median of" in flagged_text
    assert "55.9" not in tables and "55,9" not in tables  # neither a point nor a run shows it
    row = next(r for r in context["tables"]["runs"]["rows"] if r[:3] == ["LeNet-5", "0", "PyTorch"])
    assert row[-2] == "0.160*"  # the run's median of its kept repeat, marked
    figure = plots.study_sweep_figure(study_writer(study, findings, "en"), "model.name")
    try:
        assert figure.axes[2].get_ylim()[1] < 2.0  # ms: ResNet-8's 1.2 ms sets the scale, not the 55.9 ms accident
    finally:
        plots.plt.close(figure)


# ---- the figure ------------------------------------------------------------------------------------


def data_x(ax) -> list[list[float]]:
    """The x of every line's markers (the errorbar containers' data lines)."""
    return [list(container.lines[0].get_xdata()) for container in ax.containers]


@pytest.mark.parametrize(
    ("study_fixture", "key", "positions", "labels"),
    [
        ("digits", "model.name", [0.0, 1.0], ["LeNet-5", "ResNet-8"]),  # categorical: one slot per name
        ("sparsity", "compression.pruning_sparsity", [0.25, 0.5, 0.75], ["0,25", "0,5", "0,75"]),  # numeric axis
    ],
)
def test_figure_has_one_x_position_per_swept_value(request, study_fixture, key, positions, labels):
    from compressbench import plots

    _, study, findings = request.getfixturevalue(study_fixture)
    figure = plots.study_sweep_figure(study_writer(study, findings, "ru"), key)
    try:
        gap = min(b - a for a, b in zip(positions, positions[1:], strict=False))
        for ax in figure.axes:
            assert list(ax.get_xticks()) == pytest.approx(positions)
            assert [t.get_text() for t in ax.get_xticklabels()] == labels
            lines = data_x(ax)
            assert len(lines) == len({p.target for p in findings.body("study.points").items})
            for xs in lines:  # each variant: one marker per value, next to its tick, never at another's
                assert len(xs) == len(positions)
                assert [min(positions, key=lambda p, x=x: abs(p - x)) for x in xs] == pytest.approx(positions)
                assert all(abs(x - p) < gap / 4 for x, p in zip(xs, positions, strict=True))
        seeds = [c for c in figure.axes[0].collections if isinstance(c, PathCollection)]  # the single seeds
        marker_x = {round(x, 9) for xs in data_x(figure.axes[0]) for x in xs}
        assert seeds and all(round(x, 9) in marker_x for c in seeds for x, _ in c.get_offsets())
    finally:
        plots.plt.close(figure)


def test_figure_names_follow_the_swept_settings():
    assert figure_names(["model.name", "train.seed"]) == ["study_model_name"]
    assert figure_names(["train.seed"]) == []


# ---- rendering ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "en"])
def test_title_block_machine_and_escaping(digits, tmp_path, language):
    _, study, findings = digits
    context, markdown, latex = render(study, findings, language, tmp_path, {**TITLE_BLOCK, "title": "Study #1 & 50%"})
    assert context["title_lines"] == list(TITLE_BLOCK.values())
    assert latex_escape("Study #1 & 50%") in latex and latex_escape(TITLE_BLOCK["author"]) in latex
    assert "AMD EPYC 9R14" in markdown and "node1" not in markdown  # the machine by its CPU, not its host name
    sections = markdown.split("\n## ")[1:]
    assert len(sections) >= 6
    for section in sections:  # no heading without text under it
        assert section.split("\n", 1)[1].strip(), f"empty section: {section[:40]}"


@pytest.mark.skipif(not engine_available() or not shutil.which("pdftotext"), reason="no latexmk/xelatex/poppler")
@pytest.mark.parametrize("study_fixture", ["digits", "sparsity"])
@pytest.mark.parametrize("language", ["ru", "en"])
def test_study_pdf_fits_the_text_width(request, tmp_path, study_fixture, language):
    """Both languages build; no table or line runs past the text width (no overfull box in the log), no
    float stands alone on a page, and the reader finds the title block and the machine."""
    from compressbench.report.pages import largest_gaps, page_count, section_page

    _, study, findings = request.getfixturevalue(study_fixture)
    report = tmp_path / "reports"
    _, _, latex = render(study, findings, language, report, TITLE_BLOCK)
    tex = report / "study.tex"
    tex.write_text(latex, encoding="utf-8")
    assert build_pdf(tex, report / "study.pdf") == []  # overfull boxes come back as warnings
    pdf = report / "study.pdf"
    pages = page_count(pdf)
    assert pages <= 5
    appendix = section_page(pdf, {"ru": "Все запуски", "en": "Every run"}[language], number="A")
    # no float-only page and no half-empty one, but where the main text ends before a page that starts with
    # the appendix (its table kept whole) and at the end
    gaps = [gap for page, gap in enumerate(largest_gaps(pdf), 1) if page not in (appendix - 1, pages)]
    assert max(gaps) < 0.25
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert all(line in text for line in ("A. Student & Co_", "M-01 #2", "Model compression methods"))
    assert "AMD EPYC 9R14" in text


def test_study_files_are_where_the_rules_read_them(digits):
    root, _, _ = digits
    assert (root / paths.STUDY_JSON).is_file() and (root / paths.STUDY_FINDINGS).is_file()

"""The automatic-compression section on search results made up here (trials.tsv, chosen.json, records and
test predictions in the workflow's formats): its findings, both languages, its table and figures, and no
comparison word where the intervals or the test leave a difference unresolved."""

from __future__ import annotations

import numpy as np
import pytest
from results_fixtures import analyzed, record, write_json, write_predictions, write_results, write_tsv
from test_methods_section import ROW as METHOD_ROW
from test_methods_section import writer

from compressbench import paths
from compressbench.analysis import search as found
from compressbench.analysis.rule import OVERLAP
from compressbench.report import build_context, render_latex, render_markdown
from compressbench.report.i18n import Strings
from compressbench.report.sections import search as section
from compressbench.search.settings import OBJECTIVE_COLUMNS

IMAGES = 1000
ROW = {**METHOD_ROW, "accuracy_ci_low": 0.93, "accuracy_ci_high": 0.96}  # every accuracy set per target
# test images each target gets right: the base 950; the chosen variant loses 10 of those and gains 2
RIGHT = {
    "pytorch": range(950),
    "openvino": range(950),
    "openvino_int8": range(948),
    "pytorch_cluster": range(945),
    "pytorch_auto": [*range(940), 950, 951],
}
CHANGES = {
    "openvino_int8": {"size_bytes": 70_000},
    "pytorch_cluster": {"size_packed_bytes": 40_000},
    "pytorch_auto": {
        "size_packed_bytes": 20_000,
        "accuracy_delta_pp": -0.8,
        "accuracy_delta_low_pp": -1.5,  # a paired interval of the test drop of 0.2 to 1.5 pp
        "accuracy_delta_high_pp": -0.2,
    },
}
BASE_VALIDATION = 0.975


def trial(number, state, target, settings, accuracy=None, size=None, feasible=None, seconds=None, error=None):
    chain = "pytorch_struct > pytorch_struct_cluster" if target == "pytorch_struct_cluster" else target
    return {
        "trial": number,
        "worker": number % 2,
        "state": state,
        "target": target,
        "chain": chain,
        "settings": settings,
        "validation_accuracy": accuracy,
        "base_validation_accuracy": BASE_VALIDATION,
        "accuracy_drop_pp": round(100 * (BASE_VALIDATION - accuracy), 9) if accuracy is not None else None,
        "size_packed_bytes": size,
        "feasible": feasible,
        "seconds": seconds,
        "error": error,
    }


STRUCT = "structured_layer_ratios.features.0=0.3123; structured_finetune_epochs=10; clusters="
TRIALS = [
    trial(0, "complete", "pytorch_cluster", "clusters=8; cluster_finetune_epochs=1", 0.97, 30_000, True, 12.5),
    trial(1, "complete", "pytorch_struct_cluster", STRUCT + "6", 0.95, 15_000, False, 20.0),
    trial(2, "failed", "pytorch_cluster", "clusters=3", error="ValueError: cannot build"),
    trial(3, "complete", "pytorch_struct_cluster", STRUCT + "8", 0.97, 20_000, True, 18.0),
    trial(4, "complete", "pytorch_cluster", "clusters=16; cluster_finetune_epochs=1", 0.975, 40_000, True, 11.0),
    trial(5, "complete", "pytorch_cluster", "clusters=32; cluster_finetune_epochs=1", 0.975, 50_000, True, 10.0),
    trial(6, "complete", "pytorch_cluster", "clusters=30; cluster_finetune_epochs=2", 0.975, 60_000, True, 14.0),
]
CHOSEN = {
    "trial": 3,
    "target": "pytorch_struct_cluster",
    "chain": ["pytorch_struct", "pytorch_struct_cluster"],
    "settings": {"structured_layer_ratios": {"features.0": 0.3123}, "structured_finetune_epochs": 10, "clusters": 8},
    "runtime": "pytorch",
    "auto_target": "pytorch_auto",
    "base": "pytorch",
    "model_dir": "results/search/trials/3/model",
    "validation_accuracy": 0.97,
    "base_validation_accuracy": BASE_VALIDATION,
    "accuracy_drop_pp": 0.5,
    "objectives": {"size_packed_bytes": 20_000},
    "directions": {"size_packed_bytes": "minimize"},
    "max_drop_pp": 1.0,
}


def predictions_of(right) -> tuple[np.ndarray, np.ndarray]:
    """Labels all 0; the target predicts 0 on the images it gets right, 1 elsewhere."""
    predicted = np.ones(IMAGES, dtype=np.int64)
    predicted[list(right)] = 0
    return np.zeros(IMAGES, dtype=np.int64), predicted


def search_run(root, changes=None, chosen=None, trials=TRIALS, targets=tuple(RIGHT), search=True, right=None):
    """A run of these targets with a search's files, analysed: the report's data. `right` replaces RIGHT's
    entries."""
    changes = {t: {**CHANGES.get(t, {}), **(changes or {}).get(t, {})} for t in targets}
    right = {**RIGHT, **(right or {})}
    records = []
    for target in targets:
        accuracy = len(right[target]) / IMAGES
        records.append(record(target, **{**ROW, "accuracy": accuracy, **changes[target]}))
    write_results(root, records, environment=None)
    write_predictions(root, {t: predictions_of(right[t]) for t in targets})
    (root / paths.DATASET_SUMMARY).write_text(
        '{"source": "cifar10", "train_images": 45000, "validation_images": 5000, "test_images": 1000}'
    )
    if search:
        write_tsv(root / paths.SEARCH_TRIALS, trials)
        write_json(root / paths.SEARCH_CHOSEN, chosen or CHOSEN)
    return analyzed(root)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return search_run(tmp_path_factory.mktemp("search_section"))


# ---- findings ----------------------------------------------------------------------------------------


def test_the_search_findings(data):
    ids = [f.id for f in data.findings.with_prefix("search.")]
    assert ids == [
        "search.trials",
        "search.history",
        "search.chosen",
        "search.versus.base",
        "search.versus.ptq",
        "search.versus.hand_set",
    ]
    trials = data.findings.body("search.trials")
    assert trials.ranking == [3, 0, 4, 5, 6, 1]  # the feasible ones by size, then the infeasible one
    assert [t.trial for t in trials.trials if t.on_front] == [1, 3, 4]
    assert trials.states == {"complete": 6, "failed": 1} and trials.feasible == 5 and trials.workers == 2
    assert trials.images == {"train": 45000, "validation": 5000, "test": 1000}
    assert trials.seconds == pytest.approx(85.5)
    assert trials.candidates == ["pytorch_cluster", "pytorch_struct_cluster"]
    history = data.findings.body("search.history")
    assert [s.best_so_far for s in history.steps] == [30_000, 30_000, 30_000, 20_000, 20_000, 20_000, 20_000]


def test_the_search_findings_survive_their_file(data):
    from compressbench.analysis import analyze_run

    made = [f for f in analyze_run(data.results.root) if f.id.startswith("search.")]
    read = data.findings.with_prefix("search.")  # read back from results/findings.json
    assert [(f.id, f.outcome, f.body) for f in read] == [(f.id, f.outcome, f.body) for f in made]


def test_the_choice_on_validation_and_test_images(data):
    choice = data.findings.body("search.chosen")
    assert choice.validation_drop_pp == pytest.approx(0.5) and choice.test_drop_pp == pytest.approx(0.8)
    assert choice.optimism_pp == pytest.approx(0.3)
    assert (choice.test_drop_low_pp, choice.test_drop_high_pp) == (pytest.approx(0.2), pytest.approx(1.5))
    assert choice.budget == found.UNRESOLVED and data.findings.get("search.chosen").outcome == "not_resolved"


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [
        (-0.9, -0.1, found.WITHIN),
        (-3.0, -1.2, found.BEYOND),
        (-1.5, -0.2, found.UNRESOLVED),
        (None, None, "no_interval"),
    ],
)
def test_the_budget_on_the_test_images_follows_the_paired_interval(tmp_path, low, high, verdict):
    changes = {"pytorch_auto": {"accuracy_delta_low_pp": low, "accuracy_delta_high_pp": high}}
    assert search_run(tmp_path, changes).findings.body("search.chosen").budget == verdict


def test_the_chosen_variant_against_base_ptq_and_the_best_hand_set_method(data):
    base = data.findings.body("search.versus.base")
    assert (base.changed_to_wrong, base.changed_to_correct) == (10, 2)
    assert base.accuracy.p == pytest.approx(2 * (1 + 12 + 66) / 4096)  # exact McNemar, 10 against 2
    assert base.accuracy.verdict == "worse"
    ptq = data.findings.body("search.versus.ptq")
    assert ptq.other == "openvino_int8"
    [size] = ptq.objectives
    assert size.resolved and size.lower == "pytorch_auto" and size.ratio == pytest.approx(3.5)
    assert size.value_b == 70_000  # INT8 has no packed format: its files count
    # within 1 pp on the test images, the clustered model is smaller than INT8: the best hand-set method
    assert data.findings.body("search.versus.hand_set").other == "pytorch_cluster"


def test_no_rival_when_the_run_lacks_it(tmp_path):
    data = search_run(tmp_path, targets=("pytorch", "openvino", "pytorch_auto"))
    ptq, hand_set = data.findings.get("search.versus.ptq"), data.findings.get("search.versus.hand_set")
    assert ptq.outcome == hand_set.outcome == "not_applicable"
    assert ptq.body.target == "openvino_int8" and hand_set.body.considered == []
    text = " ".join(section.text(writer(data, "en")))
    assert "not a target of this run" in text and "no variant of a hand-set compression method" in text


def test_the_hand_set_rival_may_be_plain_ptq(tmp_path):
    data = search_run(tmp_path, targets=("pytorch", "openvino", "openvino_int8", "pytorch_auto"))
    assert data.findings.body("search.versus.hand_set").other == "openvino_int8"
    text = section.text(writer(data, "en"))
    assert sum("is plain post-training INT8, OpenVINO INT8, itself" in p for p in text) == 1


def test_a_timed_objective_is_resolved_only_beyond_the_repeat_ranges(tmp_path):
    chosen = {**CHOSEN, "directions": {"latency_p50_ms": "minimize"}, "objectives": {"latency_p50_ms": 0.18}}
    trials = [{**row, "latency_p50_ms": row["size_packed_bytes"]} for row in TRIALS]
    overlapping = {"pytorch_auto": {"latency_p50_ms": 0.195, "latency_p50_ci_low_ms": 0.18}}
    data = search_run(tmp_path, overlapping, chosen, trials)
    [latency] = data.findings.body("search.versus.ptq").objectives
    assert latency.status == OVERLAP and not latency.resolved
    for language, words in (("en", ("lower", "smaller", "faster")), ("ru", ("меньше", "быстрее"))):
        sentence = section.objective_sentence(writer(data, language), latency)
        assert "not resolved" in sentence or "не установлено" in sentence
        assert not any(word in sentence for word in words), sentence


def test_no_comparison_word_where_the_test_or_the_interval_leaves_it_open(tmp_path):
    # against each rival the chosen variant wins and loses on a few images only (McNemar p >= 0.125), and the
    # paired interval of its test drop contains the allowed drop
    data = search_run(tmp_path, right={"pytorch_auto": [*range(947), 950, 951]})
    assert not any(data.findings.body(f"search.versus.{r}").accuracy.resolved for r in ("base", "ptq", "hand_set"))
    assert data.findings.body("search.chosen").budget == found.UNRESOLVED
    for language, accuracy_words, budget_words, unresolved in (
        ("en", ("more accurate", "less accurate"), ("lies within", "wholly above"), "not resolved"),
        ("ru", ("выше, чем", "ниже, чем"), ("не выходит за", "целиком лежит"), "не установлено"),
    ):
        text = section.text(writer(data, language))
        choice, rivals = text[1], text[2:]
        assert unresolved in choice and not any(word in choice for word in budget_words), choice
        for paragraph in rivals:
            assert unresolved in paragraph and not any(word in paragraph for word in accuracy_words), paragraph


def test_missing_search_files_stop_the_analysis_naming_them(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"results/search/trials\.tsv: the run has the search's target"):
        search_run(tmp_path, search=False)


def test_a_choice_for_another_runtime_stops_the_analysis(tmp_path):
    with pytest.raises(ValueError, match=r"chosen\.json: a choice for 'openvino_auto'"):
        search_run(tmp_path, chosen={**CHOSEN, "auto_target": "openvino_auto"})


# ---- the section ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_section_renders_in_both_languages(data, language):
    w = writer(data, language)
    text = section.text(w)
    assert len(text) == 5  # intro, choice, base, PTQ, hand-set method
    assert all("{" not in p and p.findings for p in text)
    assert "search.chosen" in text[1].findings and "search.versus.hand_set" in text[4].findings
    assert "5000" in text[0].replace("\u00a0", "").replace(",", "") and "1000" in text[0].replace(",", "")
    assert "features.0=0.31" in text[1].replace(",", ".")
    table = section.trials_table(w)
    assert len(table["rows"]) == section.TOP_TRIALS
    assert table["rows"][0][0] == w.s.say("search.chosen_mark", trial="3")
    assert [row[0] for row in table["rows"][1:]] == ["0", "4", "5", "6"]
    if language == "ru":
        assert "точност" not in " ".join(text).lower()


@pytest.mark.parametrize(("language", "heading"), [("en", "Automatic compression"), ("ru", "Автоматическое сжатие")])
def test_the_report_has_the_section_and_its_figures(data, language, heading):
    figures = {"search_plane": "figures/search_plane", "search_history": "figures/search_history"}
    context = build_context(data, {"language": language}, figures)
    markdown, latex = render_markdown(context), render_latex(context)
    assert heading in markdown and heading in latex
    assert "<!-- findings: search.trials -->" in markdown
    assert "figures/search_plane.png" in markdown and "\\label{fig:search_history}" in latex
    assert "\\label{tab:search_trials}" in latex
    # the recipe of the chosen variant's target names this section by its title
    assert heading in Strings(language).say("compression.recipe_auto", target="x")


def test_the_section_is_absent_without_a_search(tmp_path):
    data = search_run(tmp_path, targets=("pytorch", "openvino", "openvino_int8"), search=False)
    assert data.findings.with_prefix("search.") == []
    w = writer(data, "en")
    assert section.text(w) == [] and section.trials_table(w) is None
    assert "Automatic compression" not in render_markdown(build_context(data, {"language": "en"}, {}))


def test_every_objective_has_a_name_and_a_unit():
    assert set(section.OBJECTIVES) == set(OBJECTIVE_COLUMNS)


@pytest.mark.parametrize("name", ["search_plane", "search_history"])
def test_the_figures_draw_the_trials(data, tmp_path, name):
    from compressbench import plots

    for language in ("en", "ru"):
        written = plots.make_figure(name, data, Strings(language), tmp_path / language / name)
        assert [p.suffix for p in written] == [".pdf", ".png"] and all(p.stat().st_size > 1000 for p in written)


def test_the_figures_need_a_search(tmp_path):
    from compressbench import plots

    data = search_run(tmp_path, targets=("pytorch", "openvino"), search=False)
    with pytest.raises(ValueError, match="figure search_plane: the run has no search"):
        plots.make_figure("search_plane", data, Strings("en"), tmp_path / "search_plane")

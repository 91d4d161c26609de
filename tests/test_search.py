"""Auto-compression (issue 20): the search's config checks, Optuna study mechanics (failed,
interrupted and resumed trials, workers sharing a storage), selection, the analysis for the report,
real trials on digits with the targets' code, and openvino_int8_acc."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import make_settings

from compressbench import paths
from compressbench.config import ConfigError, load_config
from compressbench.data import hold_out_validation, load_dataset, load_digits_source, save_dataset
from compressbench.evaluation import EvalSettings
from compressbench.onnx_export import export_onnx
from compressbench.results import TABLE_COLUMNS as SUMMARY_COLUMNS
from compressbench.search import analysis, selection
from compressbench.search.settings import (
    OBJECTIVE_COLUMNS,
    Objective,
    SearchError,
    SearchSettings,
    fingerprint,
    parse_settings_text,
    settings_text,
)
from compressbench.search.study import create_study, load_study, outcome, run_worker, trial_rows
from compressbench.search.trial import TrialContext, run_variant
from compressbench.targets.context import BuildContext
from compressbench.training import TrainSettings, save_checkpoint, train

DIGITS = {"dataset": {"name": "digits", "root": None, "validation_size": 200}}
CLUSTER_ONLY = [
    {"target": "pytorch_cluster", "settings": {"clusters": {"low": 2, "high": 8}, "cluster_finetune_epochs": 0}}
]


def search_config(**search) -> dict:
    return load_config(DIGITS, {"search": {"space": CLUSTER_ONLY, **search}})


# --- the validation split ---------------------------------------------------------------------


def test_the_validation_split_is_held_out_of_the_training_images_stratified():
    from compressbench.data import prepare_dataset

    plain = prepare_dataset("digits", None, 16, seed=0)
    split = prepare_dataset("digits", None, 16, seed=0, validation_size=200, train_limit=500)
    assert len(plain.validation_labels) == 0 and len(split.validation_labels) == 200 and len(split.train_labels) == 500
    assert np.array_equal(plain.test_labels, split.test_labels)  # the test split is untouched
    counts = np.bincount(split.validation_labels, minlength=10)
    assert counts.min() >= 18 and counts.max() <= 22  # ~20 per class
    held_out = {image.tobytes() for image in split.validation_images}
    assert held_out.isdisjoint(image.tobytes() for image in split.train_images)
    with pytest.raises(Exception, match=r"dataset\.validation_size=5000: the training split has only"):
        prepare_dataset("digits", None, 16, validation_size=5000)


# --- config checks ---------------------------------------------------------------------------


def test_objective_columns_are_summary_columns():
    assert set(OBJECTIVE_COLUMNS) <= set(SUMMARY_COLUMNS)


def test_a_search_section_adds_its_target_and_parses_the_default_space():
    config = load_config(DIGITS, {"search": {}})
    assert config["targets"][-1] == "pytorch_auto"
    settings = SearchSettings.from_config(config)
    assert [c.target for c in settings.candidates] == ["pytorch_cluster", "pytorch_struct_cluster"]
    assert {s.name: s.kind for s in settings.candidates[1].settings}["structured_layer_ratios.features.0"] == "float"
    assert {s.name: s.kind for s in settings.candidates[0].settings}["clusters"] == "int"
    assert settings.threads(2) == 1  # two workers share runtime.threads


BAD = [
    ({"objectives": [{"column": "accuracy_delta_pp"}]}, {}, r"search\.objectives\[0\]\.column: 'accuracy_delta_pp'"),
    ({"objectives": [{"column": "nope"}]}, {}, r"search\.objectives\[0\]\.column: 'nope' is not a summary\.tsv column"),
    ({"constraint": {"max_drop_pp": 1.0, "base": None}}, {}, r"search\.constraint\.base: null"),
    ({"constraint": {"base": "nope"}}, {}, r"search\.constraint\.base: unknown target 'nope'"),
    ({}, {"validation_size": 0}, r"dataset\.validation_size=0: a search selects on a validation split"),
    ({"space": []}, {}, r"\['search'\]\['space'\]"),
    ({"trials": 0}, {}, r"\['search'\]\['trials'\]"),
    (
        {"space": [{"target": "pytorch_magic"}]},
        {},
        r"search\.space\[0\]\.target: the registry has no target 'pytorch_magic'",
    ),
    ({"space": [{"target": "openvino_int8"}]}, {}, r"search\.space\[0\]\.target: 'openvino_int8' runs on openvino"),
    ({"space": [{"target": "pytorch"}]}, {}, r"search\.space\[0\]\.target: 'pytorch' applies no compression method"),
    ({"space": CLUSTER_ONLY * 2}, {}, r"search\.space\[1\]\.target: 'pytorch_cluster' is listed twice"),
    (
        {"space": [{"target": "pytorch_cluster", "settings": {"clusters": {"low": 32, "high": 4}}}]},
        {},
        r"search\.space\[0\]\.settings\.clusters: low 32 > high 4",
    ),
    (
        {"space": [{"target": "pytorch_cluster", "settings": {"clusters": {"low": 4, "high": 300}}}]},
        {},
        r"search\.space\[0\]\.settings\.clusters\.high: 300 is not a value of this setting",
    ),
    (
        {"space": [{"target": "pytorch_cluster", "settings": {"klusters": 4}}]},
        {},
        r"search\.space\[0\]\.settings\.klusters: not a compression setting",
    ),
    (
        {
            "space": [
                {
                    "target": "pytorch_struct",
                    "settings": {"structured_layer_ratios": {"features.0": {"low": 0.6, "high": 0.2}}},
                }
            ]
        },
        {},
        r"search\.space\[0\]\.settings\.structured_layer_ratios\.features\.0: low 0\.6 > high 0\.2",
    ),
    (
        {"objectives": [{"column": "latency_p50_ms"}], "worker_threads": 1},
        {},
        r"search\.worker_threads=1: a timed objective",
    ),
]


@pytest.mark.parametrize(("search", "dataset", "message"), BAD)
def test_a_search_that_cannot_run_stops_naming_the_key(search, dataset, message):
    with pytest.raises(ConfigError, match=message):
        load_config({"dataset": {**DIGITS["dataset"], **dataset}}, {"search": {"space": CLUSTER_ONLY, **search}})


def test_a_search_target_needs_a_search_and_the_runtime_of_it():
    with pytest.raises(ConfigError, match=r"targets: 'pytorch_auto' is the variant a search chooses"):
        load_config(DIGITS, {"targets": ["pytorch", "pytorch_auto"]})
    with pytest.raises(ConfigError, match=r"targets: 'openvino_auto' is another runtime's search target"):
        load_config(DIGITS, {"targets": ["pytorch", "openvino_auto"], "search": {"space": CLUSTER_ONLY}})


def test_settings_text_round_trips():
    overrides = {
        "clusters": 5,
        "structured_layer_ratios": {"features.0": 0.25, "classifier.1": 0.0},
        "finetune_targets": "labels",
    }
    text = settings_text(overrides)
    expected = "clusters=5; structured_layer_ratios.features.0=0.25; structured_layer_ratios.classifier.1=0.0"
    assert text == expected + "; finetune_targets=labels"
    assert parse_settings_text(text) == overrides


# --- the study: failed, interrupted and resumed trials, shared storage ------------------------


def fake_measure(calls: list, fail_when=lambda overrides: False):
    """A trial function without building anything: size grows with clusters, accuracy falls below 4."""

    def measure(number, target, overrides):
        calls.append((number, overrides["clusters"]))
        if fail_when(overrides):
            raise RuntimeError(f"cannot build clusters={overrides['clusters']}")
        clusters = overrides["clusters"]
        return {"accuracy": 0.9 if clusters >= 4 else 0.8, "size_bytes": 1000 * clusters}

    return measure


def new_study(tmp_path: Path, config: dict, base_accuracy: float = 0.9, worker: int = 0):
    settings = SearchSettings.from_config(config)
    candidates = [candidate.target for candidate in settings.candidates]
    create_study(tmp_path / "journal.log", settings.directions, fingerprint(config), base_accuracy, candidates)
    return settings, load_study(tmp_path / "journal.log", settings, fingerprint(config), worker)


def test_a_failing_trial_is_recorded_and_the_search_goes_on(tmp_path):
    settings, study = new_study(tmp_path, search_config(trials=6, workers=1))
    calls: list = []
    run_worker(study, settings, 0, fake_measure(calls, fail_when=lambda o: o["clusters"] % 2 == 1), log=lambda _: None)
    rows = trial_rows(study, settings)
    assert len(rows) == len(calls) == 6  # failed trials count: they are the setting's fault
    failed = [row for row in rows if row["state"] == "failed"]
    assert failed and all("RuntimeError: cannot build clusters=" in row["error"] for row in failed)
    assert any(row["state"] == "complete" for row in rows)
    for row in rows:
        assert (row["state"] == "complete") == (row["feasible"] is not None)
        assert row["state"] == "failed" or row["feasible"] == (row["accuracy_drop_pp"] <= 1.0)


def test_a_rerun_after_an_interruption_repeats_no_finished_trial(tmp_path):
    config = search_config(trials=3, workers=1)
    settings, study = new_study(tmp_path, config)
    calls: list = []
    run_worker(study, settings, 0, fake_measure(calls), log=lambda _: None)
    killed = study.ask()  # a trial worker 0 was running when the run was killed: RUNNING forever
    killed.set_user_attr("worker", 0)
    assert len(calls) == 3
    # the same search with a bigger budget, as after Ctrl-C and a rerun (or more trials)
    settings = SearchSettings.from_config(search_config(trials=5, workers=1))
    study = load_study(tmp_path / "journal.log", settings, fingerprint(config), 0)
    run_worker(study, settings, 0, fake_measure(calls), log=lambda _: None)
    numbers = [number for number, _ in calls]
    assert len(numbers) == 5 and len(set(numbers)) == 5 and killed.number not in numbers
    states = {row["trial"]: row["state"] for row in trial_rows(study, settings)}
    assert states[killed.number] == "interrupted"
    assert sorted(states.values()).count("complete") == 5
    # a finished search: another run measures nothing
    run_worker(study, settings, 0, fake_measure(calls), log=lambda _: None)
    assert len(calls) == 5


def test_two_workers_share_one_storage(tmp_path):
    config = search_config(trials=8, workers=2)
    settings, _ = new_study(tmp_path, config)
    calls: list = []
    ran: dict = {}

    def worker(index):
        study = load_study(tmp_path / "journal.log", settings, fingerprint(config), index)
        ran[index] = run_worker(study, settings, index, fake_measure(calls), log=lambda _: None)

    threads = [threading.Thread(target=worker, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    study = load_study(tmp_path / "journal.log", settings, fingerprint(config))
    done = [t for t in study.get_trials() if outcome(t) == "complete"]
    assert len(done) == 8 == len(ran[0]) + len(ran[1])
    assert set(ran[0]).isdisjoint(ran[1])
    assert {t.user_attrs["worker"] for t in done} <= {0, 1}


def test_a_storage_left_by_another_search_stops_naming_what_differs(tmp_path):
    config = search_config()
    new_study(tmp_path, config)
    other = search_config(space=[{"target": "pytorch_cluster", "settings": {"clusters": {"low": 2, "high": 16}}}])
    with pytest.raises(SearchError, match=r"journal\.log: holds a search with another search\.space; delete"):
        create_study(tmp_path / "journal.log", ["minimize"], fingerprint(other), 0.9, ["pytorch_cluster"])


# --- selection --------------------------------------------------------------------------------

SIZE = [Objective("size_packed_bytes", "minimize")]


def row(trial, size, accuracy, feasible=True, state="complete", drop=0.0):
    return {
        "trial": trial,
        "state": state,
        "size_packed_bytes": size,
        "validation_accuracy": accuracy,
        "feasible": feasible if state == "complete" else None,
        "accuracy_drop_pp": drop,
    }


ROWS = [
    row(0, 5000, 0.90),
    row(1, 3000, 0.85, feasible=False, drop=5.0),
    row(2, 4000, 0.89),
    row(3, None, None, state="failed"),
    row(4, 4000, 0.90),
    row(5, 6000, 0.80, feasible=False, drop=10.0),
]


def test_front_choice_and_history():
    assert [r["trial"] for r in selection.front(ROWS, SIZE)] == [1, 4]
    assert selection.choose(ROWS, SIZE)["trial"] == 4  # 4000 bytes, and more accurate than trial 2
    assert selection.choose([r for r in ROWS if not r["feasible"]], SIZE) is None
    points = selection.history(ROWS, SIZE[0])
    assert [p.best_so_far for p in points] == [5000, 5000, 4000, 4000, 4000, 4000]
    assert [p.feasible for p in points] == [True, False, True, False, True, False]


def test_two_objectives_choose_the_feasible_front_member_best_in_the_first():
    objectives = [Objective("size_packed_bytes", "minimize"), Objective("throughput_ips", "maximize")]
    rows = [{**row(0, 4000, 0.9), "throughput_ips": 10}, {**row(1, 4000, 0.9), "throughput_ips": 20}]
    assert selection.choose(rows, objectives)["trial"] == 1
    assert [r["trial"] for r in selection.front(rows, objectives)] == [1]


# --- analysis ---------------------------------------------------------------------------------


def test_analysis_states_optimism_intervals_tests_and_rivals():
    labels = np.array([0, 1] * 50)
    base = labels.copy()
    auto = labels.copy()
    auto[:4] = 1 - labels[:4]  # 4 images lost
    ptq = labels.copy()
    ptq[:1] = 1 - labels[:1]
    pruned = labels.copy()
    pruned[:2] = 1 - labels[:2]
    predictions = {
        "pytorch": (labels, base),
        "pytorch_auto": (labels, auto),
        "openvino_int8": (labels, ptq),
        "pytorch_pruned": (labels, pruned),
    }

    def summary(target, accuracy, size, packed=""):
        return {
            "target": target,
            "accuracy": str(accuracy),
            "size_bytes": str(size),
            "size_packed_bytes": packed,
            "accuracy_ci_low": "0.9",
            "accuracy_ci_high": "0.99",
        }

    rows = [
        summary("pytorch", 1.0, 250000),
        summary("pytorch_auto", 0.96, 250000, "30000"),
        summary("openvino_int8", 0.99, 95000),
        summary("pytorch_pruned", 0.98, 250000),
    ]
    chosen = {
        "trial": 4,
        "target": "pytorch_cluster",
        "chain": ["pytorch_cluster"],
        "settings": {"clusters": 8},
        "auto_target": "pytorch_auto",
        "base": "pytorch",
        "validation_accuracy": 0.99,
        "base_validation_accuracy": 1.0,
        "directions": {"size_packed_bytes": "minimize"},
        "max_drop_pp": 1.0,
    }
    facts = analysis.search_facts(ROWS, chosen, rows, predictions)
    chosen_facts = facts.selection
    assert chosen_facts.validation_drop_pp == pytest.approx(1.0) and chosen_facts.test_drop_pp == pytest.approx(4.0)
    assert chosen_facts.optimism_pp == pytest.approx(3.0)
    assert (chosen_facts.test_ci_low, chosen_facts.test_ci_high) == (0.9, 0.99)
    assert chosen_facts.versus_base.changed_to_wrong == 4 and chosen_facts.versus_base.mcnemar_p == pytest.approx(0.125)
    assert facts.versus_ptq.target == "openvino_int8"
    assert facts.versus_ptq.ratios["size_packed_bytes"] == pytest.approx(30000 / 95000)
    # the best hand-set method within 1 pp on the test images: plain PTQ (pytorch_pruned loses 2 pp)
    assert facts.versus_hand_set.target == "openvino_int8"
    assert facts.states == {"complete": 5, "failed": 1} and facts.feasible == 3
    assert [r["trial"] for r in facts.front] == [1, 4]


# --- real trials on digits --------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory):
    """LeNet-5 trained for one epoch on digits, with a 200-image validation split held out."""
    root = tmp_path_factory.mktemp("search")
    dataset = load_digits_source(image_size=32)
    hold_out_validation(dataset, 200, seed=0)
    save_dataset(dataset, root / "dataset.npz")
    model, spec, _ = train(dataset, make_settings(TrainSettings, "train", epochs=1, horizontal_flip=False, threads=1))
    save_checkpoint(model, root / "weights.pt")
    export_onnx(model, spec.input_shape, root / "model.onnx", opset=17)
    config = search_config()
    build = BuildContext(
        spec,
        root / "weights.pt",
        {**config["export"], **config["compression"], "calibration_size": 50},
        1,
        onnx_path=root / "model.onnx",
        dataset_path=root / "dataset.npz",
    )
    evaluate = make_settings(EvalSettings, "evaluate", bootstrap_resamples=200)
    context = TrialContext(build, load_dataset(root / "dataset.npz"), evaluate, None, "f32", root / "trials")
    return {"root": root, "context": context}


def test_trials_build_with_the_targets_code_and_a_setting_that_cannot_build_fails(digits_model, tmp_path):
    space = [
        {"target": "pytorch_struct", "settings": {"structured_layer_ratios": {"features.9": 0.5}}},  # no such layer
        {"target": "pytorch_cluster", "settings": {"clusters": {"choices": [8]}, "cluster_finetune_epochs": 0}},
    ]
    config = search_config(trials=2, workers=1, space=space, constraint={"max_drop_pp": 50.0})
    settings, study = new_study(tmp_path, config)  # every candidate is queued once: struct first
    context = replace(digits_model["context"], trials_dir=tmp_path / "trials")
    run_worker(study, settings, 0, lambda *args: run_variant(context, *args), log=lambda _: None)
    failed, done = trial_rows(study, settings)
    assert failed["state"] == "failed" and "features.9" in failed["error"]
    assert not (tmp_path / "trials" / "0").exists()  # a failed trial leaves no folder
    assert (
        done["state"] == "complete"
        and done["target"] == "pytorch_cluster"
        and done["settings"] == "clusters=8; cluster_finetune_epochs=0"
    )
    assert 0 < done["validation_accuracy"] <= 1 and done["size_packed_bytes"] > 0
    model_dir = Path(paths.trial_model(tmp_path / "trials", 1))
    assert (model_dir / "model.pt").is_file() and (model_dir / "model.clusters.npz").is_file()


def test_openvino_int8_acc_builds_and_validates_on_the_validation_split(digits_model):
    from compressbench.evaluation import evaluate
    from compressbench.targets import get_target, runtime_options
    from compressbench.targets.context import build_target

    target = get_target("openvino_int8_acc")
    out_dir = digits_model["root"] / "models" / "openvino_int8_acc"
    build_target(target, digits_model["context"].build, out_dir)
    result = evaluate(
        target,
        out_dir,
        digits_model["context"].spec,
        digits_model["context"].dataset,
        digits_model["context"].evaluate,
        runtime_options(target, "f32"),
    )
    metrics = result["metrics"]
    assert metrics["accuracy_control_data"] == "validation split" and metrics["accuracy_control_images"] == 200
    assert metrics["accuracy_control_max_drop_pp"] == 1.0
    assert 0 < metrics["fake_quantize_nodes"] <= metrics["fake_quantize_nodes_plain_ptq"]
    assert metrics["accuracy"] > 0.5


def test_two_objectives_search_with_nsga2(tmp_path):
    objectives = [{"column": "size_bytes", "direction": "minimize"}, {"column": "accuracy", "direction": "maximize"}]
    settings, study = new_study(tmp_path, search_config(trials=4, workers=1, objectives=objectives))
    assert type(study.sampler).__name__ == "NSGAIISampler"
    run_worker(study, settings, 0, fake_measure([]), log=lambda _: None)
    rows = trial_rows(study, settings)
    assert len(rows) == 4 and all(
        row["size_bytes"] == 1000 * parse_settings_text(row["settings"])["clusters"] for row in rows
    )
    front = selection.front(rows, list(settings.objectives))
    assert front and all(row["accuracy"] == row["validation_accuracy"] for row in front)


def test_a_timed_objective_is_measured_by_the_benchmark_code(digits_model, tmp_path):
    from compressbench.benchmark import BenchSettings

    bench = make_settings(
        BenchSettings,
        "benchmark",
        batch_sizes=[1, 8],
        warmup_seconds=0.01,
        latency_min_calls=20,
        latency_min_seconds=0.01,
        throughput_min_seconds=0.01,
        single_thread_latency=False,
    )
    context = replace(digits_model["context"], benchmark=bench, trials_dir=tmp_path / "trials")
    measured = run_variant(context, 0, "pytorch_cluster", {"clusters": 8, "cluster_finetune_epochs": 0})
    assert measured["latency_p50_ms"] > 0 and measured["throughput_ips"] > 0 and measured["repeats"] == 1
    # evaluated and timed on the validation images (the benchmark's count is in its test_images key)
    assert measured["validation_images"] == measured["test_images"] == 200


def test_ctrl_c_in_a_trial_marks_it_interrupted_and_a_rerun_does_not_count_it(tmp_path):
    config = search_config(trials=3, workers=1)
    settings, study = new_study(tmp_path, config)
    calls: list = []
    measure = fake_measure(calls)

    def interrupted_on_the_second(number, target, overrides):
        if len(calls) == 1:
            calls.append((number, None))
            raise KeyboardInterrupt
        return measure(number, target, overrides)

    with pytest.raises(KeyboardInterrupt):
        run_worker(study, settings, 0, interrupted_on_the_second, log=lambda _: None)
    run_worker(study, settings, 0, measure, log=lambda _: None)
    states = [row["state"] for row in trial_rows(study, settings)]
    assert states == ["complete", "interrupted", "complete", "complete"]

"""Result paths come from one module; the report's inputs are plain functions of the targets."""

from pathlib import Path

from compressbench import paths
from compressbench.report import workflow as report_workflow

REPO = Path(__file__).resolve().parents[1]


def test_per_target_patterns():
    assert paths.for_targets(paths.EVAL["predictions"], ["a", "b"]) == [
        "results/eval/a/predictions.tsv",
        "results/eval/b/predictions.tsv",
    ]
    assert paths.for_target(paths.BENCH["summary"], "a") == "results/bench/a/summary.json"
    assert paths.figure("latency", "pdf") == "reports/figures/latency.pdf"


def test_report_inputs_follow_the_targets():
    inputs = report_workflow.result_inputs(["pytorch", "openvino"], ["openvino"])
    assert inputs["records"] == paths.SUMMARY_JSON
    assert inputs["latency"] == paths.for_targets(paths.BENCH["latency"], ["pytorch", "openvino"])
    analysis = report_workflow.analysis_inputs(["pytorch", "openvino"], [], profiled=["openvino"])
    assert analysis["predictions"] == paths.for_targets(paths.EVAL["predictions"], ["pytorch", "openvino"])
    assert analysis["profiles"] == [paths.for_target(paths.PROFILE[name], "openvino") for name in ("ops", "summary")]
    assert report_workflow.analysis_inputs(["pytorch"], [])["profiles"] == []
    assert paths.SEARCH_TRIALS not in analysis.values()
    searched = report_workflow.analysis_inputs(["pytorch", "pytorch_auto"], [], search=True)
    assert (searched["search_trials"], searched["search_chosen"]) == (paths.SEARCH_TRIALS, paths.SEARCH_CHOSEN)
    assert inputs["benchmark_app"] == [paths.for_target(paths.BENCH["benchmark_app"], "openvino")]
    assert "benchmark_app" not in report_workflow.result_inputs(["pytorch"], [])
    assert report_workflow.figure_names(True, search=False)[-1] == "benchmark_app"
    assert "benchmark_app" not in report_workflow.figure_names(False, search=False)
    assert {"search_plane", "search_history"} <= set(report_workflow.figure_names(False, search=True))
    assert "search_plane" not in report_workflow.figure_names(True, search=False)


def test_rules_spell_no_result_path():
    """The rules take every results/ and reports/ path from compressbench.paths."""
    for rules in (REPO / "workflow" / "rules").glob("*.smk"):
        text = rules.read_text()
        assert '"results/' not in text and '"reports/' not in text, rules.name


def test_rules_do_not_inspect_the_workflow():
    """Inputs are functions of config (common.smk), not of which rules were included before."""
    for rules in [REPO / "Snakefile", *(REPO / "workflow" / "rules").glob("*.smk")]:
        text = rules.read_text()
        assert "workflow.rules" not in text and "globals()" not in text and "rules." not in text, rules.name


def test_root_of_finds_the_run_folder():
    assert paths.root_of(paths.SUMMARY_JSON, paths.SUMMARY_JSON) == "."
    assert paths.root_of(paths.in_run(paths.SUMMARY_JSON, "a"), paths.SUMMARY_JSON) == "results/runs/a"


def test_every_round_is_a_result_file_and_benchmark_app_runs_in_the_full_rounds_only():
    from compressbench.config import load_config
    from compressbench.run_files import result_files

    config = load_config({"targets": ["onnxruntime", "openvino"], "benchmark": {"repeats": 6, "full_repeats": 2}})
    files = set(result_files(config))
    summaries = {paths.BENCH_REPEAT["summary"].format(target="openvino", repeat=r) for r in range(6)}
    assert summaries <= files
    apps = {f for f in files if f.endswith("benchmark_app.json") and "/repeat" in f}
    assert apps == {paths.BENCH_APP_REPEAT.format(target="openvino", repeat=r) for r in (0, 1)}

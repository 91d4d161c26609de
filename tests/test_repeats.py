"""Combining benchmark repeats, memory readings, start-up measurement, and summary.tsv's new columns."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from compressbench import memory
from compressbench.aggregate import TargetFiles, target_records
from compressbench.cpu_probe import CHANGED, FULL, REDUCED
from compressbench.repeats import combine, range_coverage, rerun_coverage, spread, write_combined
from compressbench.startup import input_sample, measure_startup
from compressbench.tables import read_tsv, write_json, write_tsv


def repeat_summary(repeat: int, p50: float, within: tuple[float, float], ips: dict, naive: float, peak: dict) -> dict:
    """What one benchmark job writes (only the keys combining reads)."""
    return {
        "target": "onnxruntime",
        "runtime": "onnxruntime",
        "label": "ONNX Runtime",
        "threads": 2,
        "threads_requested": 2,
        "precision": "f32",
        "test_images": 1000,
        "repeat": repeat,
        "latency_p50_ms": p50,
        "latency_p90_ms": p50 * 1.2,
        "latency_p99_ms": p50 * 2,
        "latency_mean_ms": p50 * 1.1,
        "latency_min_ms": p50 * 0.9,
        "latency_max_ms": p50 * 5,
        "latency_p50_ci_low_ms": within[0],
        "latency_p50_ci_high_ms": within[1],
        "latency_calls": 100,
        "latency_drift": 0.01 * (repeat + 1),
        "latency_quarter_p50_ms": [p50, p50, p50, p50 * (1 + 0.01 * (repeat + 1))],
        "latency_1thread_p50_ms": p50 * 1.5,
        "latency_1thread_p90_ms": p50 * 1.6,
        "latency_1thread_threads": 1,
        "latency_1thread_separate": True,
        "throughput_by_batch": ips,
        "naive_test_set_seconds": naive,
        "naive_first_pass_seconds": naive * 1.1,
        "naive_call_p50_ms": naive,
        "baseline_rss_mb": 100.0 + repeat,
        "load_rss_mb": 110.0,
        "peak_rss_batch1_mb": 112.0,
        "peak_rss_by_batch_mb": peak,
        "peak_reset": True,
        "load_seconds": 0.01 * (repeat + 1),
        "first_call_ms": 1.0 + repeat,
        "hostname": "node1" if repeat < 2 else "node2",
        "cpu_model": "Test CPU",
        "slurm_job_id": None,
        **dict.fromkeys(["runtime_info", "runtime_info_1thread", "settings"], {}),
        **dict.fromkeys(["memory_note", "startup_note", "timer", "timer_throughput", "timer_naive"], "note"),
    }


REPEATS = [
    repeat_summary(0, 0.050, (0.049, 0.051), {"1": 900.0, "64": 4000.0}, 2.0, {"1": 112.0, "64": 120.0, "256": 140.0}),
    repeat_summary(1, 0.060, (0.058, 0.061), {"1": 800.0, "64": 5000.0}, 3.0, {"1": 112.0, "64": 122.0, "256": 143.0}),
    repeat_summary(2, 0.052, (0.050, 0.053), {"1": 1000.0, "64": 4500.0}, 2.5, {"1": 113.0, "64": 121.0, "256": 141.0}),
]


def test_combined_figures_are_medians_with_the_range_over_repeats():
    combined = combine(REPEATS)
    assert combined["repeats"] == 3 and combined["interval_coverage"] == pytest.approx(0.75)
    assert combined["latency_p50_ms"] == 0.052
    assert (combined["latency_p50_ci_low_ms"], combined["latency_p50_ci_high_ms"]) == (0.050, 0.060)
    assert combined["latency_p50_spread"] == pytest.approx(0.010 / 0.052)
    assert combined["latency_1thread_p50_ms"] == pytest.approx(0.078)
    p99 = (combined["latency_p99_low_ms"], combined["latency_p99_ms"], combined["latency_p99_high_ms"])
    assert p99 == pytest.approx((0.100, 0.104, 0.120))  # the tail's median with the repeats' range
    assert combined["latency_calls"] == 300 and combined["latency_drift"] == pytest.approx(0.03)
    assert combined["latency_drift_repeat"] == 2
    assert combined["latency_quarter_p50_ms"][3] == pytest.approx(0.052 * 1.03)
    assert combined["latency_repeats_agree"] is False  # repeat 1's interval misses repeat 0's
    assert combined["throughput_by_batch"] == {"1": 900.0, "64": 4500.0}
    assert combined["batch_size_best"] == 64 and combined["test_set_batch_size"] == 64
    assert (combined["throughput_ips_low"], combined["throughput_ips"], combined["throughput_ips_high"]) == (
        4000.0,
        4500.0,
        5000.0,
    )
    assert combined["naive_test_set_seconds"] == 2.5 and combined["naive_test_set_seconds_high"] == 3.0
    assert combined["peak_rss_mb"] == 121.0 and combined["baseline_rss_mb"] == 101.0
    # the peak at the largest batch size, one size for every target, whatever each one's best batch
    largest = [combined[f"peak_rss_largest_mb{end}"] for end in ("_low", "", "_high")]
    assert largest == [140.0, 141.0, 143.0] and combined["peak_rss_largest_batch"] == 256
    # a runtime that takes no empty batch has no empty-batch call; one that does, its median with the range
    assert combined["empty_call_p50_ms"] is None and combined["empty_call_repeat_ms"] is None
    empty = combine([{**s, "empty_call_p50_ms": 0.01 * (i + 1)} for i, s in enumerate(REPEATS)])
    assert (empty["empty_call_p50_low_ms"], empty["empty_call_p50_ms"], empty["empty_call_p50_high_ms"]) == (
        0.01,
        0.02,
        0.03,
    )
    assert empty["empty_call_repeat_ms"] == [0.01, 0.02, 0.03]
    assert combined["first_call_ms"] == 2.0 and combined["first_call_ms_low"] == 1.0


def test_whole_test_set_times_are_derived_from_throughput():
    combined = combine(REPEATS)
    assert combined["test_set_seconds"] == pytest.approx(1000 / 4500.0)
    assert combined["test_set_seconds"] == combined["best_batch_test_set_seconds"]
    assert combined["test_set_seconds_low"] == pytest.approx(1000 / 5000.0)
    assert combined["test_set_seconds_high"] == pytest.approx(1000 / 4000.0)
    assert combined["tuned_test_set_seconds"] == pytest.approx(1000 / 900.0)
    assert combined["tuned_test_set_seconds_high"] == pytest.approx(1000 / 800.0)
    assert combined["naive_over_tuned"] == pytest.approx(2.5 / (1000 / 900.0))


def speed_round(repeat: int, p50: float, ips: float) -> dict:
    """A repeat of a round that is not full: no naive loop, no batch-1 pass, no one-thread run."""
    summary = repeat_summary(repeat, p50, (p50 * 0.99, p50 * 1.01), {"64": ips}, 0.0, {"1": 112.0, "64": 121.0})
    slow = ("naive_test_set_seconds", "naive_first_pass_seconds", "naive_call_p50_ms", "latency_1thread_p50_ms")
    return {**summary, **dict.fromkeys(slow), "latency_1thread_p90_ms": None, "full_round": False}


def test_slow_figures_come_from_the_full_rounds_and_the_others_from_every_round():
    rounds = [
        *(dict(r, full_round=True) for r in REPEATS),
        speed_round(3, 0.070, 3000.0),
        speed_round(4, 0.051, 6000.0),
    ]
    combined = combine(rounds)
    assert combined["repeats"] == 5 and combined["full_repeats"] == 3
    assert combined["latency_p50_ms"] == 0.052 and combined["latency_p50_ci_high_ms"] == 0.070
    assert combined["latency_repeat_p50_ms"] == [0.050, 0.060, 0.052, 0.070, 0.051]
    assert (combined["throughput_ips_low"], combined["throughput_ips_high"]) == (3000.0, 6000.0)
    assert combined["throughput_repeat_ips"] == [4000.0, 5000.0, 4500.0, 3000.0, 6000.0]
    # the slow figures: the three full rounds only, None in the others' places
    assert combined["naive_test_set_seconds"] == 2.5 and combined["naive_test_set_seconds_high"] == 3.0
    assert combined["naive_repeat_seconds"][3:] == [None, None]
    assert combined["tuned_repeat_seconds"][3:] == [None, None]
    assert combined["tuned_test_set_seconds"] == pytest.approx(1000 / 900.0)
    assert combined["latency_1thread_repeat_p50_ms"][3:] == [None, None]
    assert combined["latency_1thread_p50_ms"] == pytest.approx(0.078)
    p99 = (combined["latency_p99_low_ms"], combined["latency_p99_ms"], combined["latency_p99_high_ms"])
    assert p99 == pytest.approx((0.100, 0.104, 0.140))  # from every round, as the median


def test_repeats_agree_when_one_value_is_inside_every_interval():
    agreeing = [dict(r, latency_p50_ci_low_ms=0.049, latency_p50_ci_high_ms=0.061) for r in REPEATS]
    assert combine(agreeing)["latency_repeats_agree"] is True
    unknown = [dict(REPEATS[0], latency_p50_ci_low_ms=math.nan, latency_p50_ci_high_ms=math.nan), *REPEATS[1:]]
    assert combine(unknown)["latency_repeats_agree"] is None


def test_combine_refuses_mixed_targets_and_no_repeats():
    with pytest.raises(ValueError, match="different targets"):
        combine([REPEATS[0], dict(REPEATS[1], target="openvino")])
    with pytest.raises(ValueError, match="no repeats"):
        combine([])


def test_spread_and_range_coverage():
    assert spread([3.0, None, 1.0, 2.0]) == (2.0, 1.0, 3.0)
    assert spread([None]) == (None, None, None)
    assert range_coverage(1) == 0.0 and range_coverage(5) == pytest.approx(0.9375)


def test_write_combined_keeps_every_repeats_calls(tmp_path):
    summaries, latencies = [], []
    for summary in REPEATS:
        folder = tmp_path / f"repeat{summary['repeat']}"
        folder.mkdir()
        write_json(summary, folder / "summary.json")
        write_tsv([{"call": i, "microseconds": 50 + i} for i in range(4)], folder / "latency.tsv")
        summaries.append(folder / "summary.json")
        latencies.append(folder / "latency.tsv")
    outputs = {name: tmp_path / f"{name}.{ext}" for name, ext in [("summary", "json"), ("repeats", "tsv")]}
    outputs["latency"] = tmp_path / "latency.tsv"
    combined = write_combined(summaries, latencies, outputs)
    assert json.loads(outputs["summary"].read_text()) == json.loads(json.dumps(combined))
    calls = read_tsv(outputs["latency"])
    assert len(calls) == 12 and [row["repeat"] for row in calls[::4]] == ["0", "1", "2"]
    rows = read_tsv(outputs["repeats"])
    assert [float(row["throughput_ips"]) for row in rows] == [4000.0, 5000.0, 4500.0]  # at the best batch, 64
    assert [float(row["latency_p50_within_ci_low_ms"]) for row in rows] == [0.049, 0.058, 0.050]


# ------------------------------------------------------------------ memory and start-up


def test_parse_status_reads_kib_fields():
    text = "Name:\tpython\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n"
    assert memory.parse_status_kib(text, "VmRSS") == 102400
    assert memory.parse_status_kib(text, "VmSwap") is None
    with pytest.raises(ValueError, match="unit"):
        memory.parse_status_kib("VmRSS: 5 MB\n", "VmRSS")


@pytest.mark.skipif(memory.rss_mb() is None, reason="no /proc/self/status")
def test_rss_and_peak_follow_a_large_allocation_and_the_peak_resets():
    before = memory.rss_mb()
    block = np.ones(64 * 1024 * 1024 // 8)  # 64 MiB, every page written
    assert memory.rss_mb() - before >= 60
    high = memory.peak_rss_mb()
    assert high >= memory.rss_mb()
    del block
    if not memory.reset_peak():
        pytest.skip("the kernel refuses to reset the peak RSS here")
    assert memory.peak_rss_mb() < high - 50  # the freed block no longer counts


class CountingRuntime:
    """A runtime stand-in whose predict functions allocate per batch size."""

    def __init__(self):
        self.calls: dict[int, int] = {}

    def compiled(self, batch_size: int):
        def predict(images):
            self.calls[batch_size] = self.calls.get(batch_size, 0) + 1
            return np.zeros((len(images), 3), np.float32)

        return predict


def test_measure_startup_order_and_figures():
    runtime, figures = measure_startup(CountingRuntime, input_sample(np.zeros((3, 1, 4, 4)), 8), [1, 8, 4])
    assert list(figures["peak_rss_by_batch_mb"]) == ["1", "4", "8"]  # ascending: peaks can only grow
    peaks = list(figures["peak_rss_by_batch_mb"].values())
    assert peaks == sorted(peaks) and figures["peak_rss_batch1_mb"] == peaks[0]
    assert runtime.calls[1] == 201 and runtime.calls[4] == runtime.calls[8] == 5  # first call + steady state
    assert figures["load_seconds"] >= 0 and figures["first_call_ms"] >= 0


def test_input_sample_repeats_a_small_test_set():
    sample = input_sample(np.arange(3, dtype=np.float32).reshape(3, 1, 1, 1), 7)
    assert sample.ravel().tolist() == [0, 1, 2, 0, 1, 2, 0] and sample.flags["C_CONTIGUOUS"]


# ------------------------------------------------------------------ summary.tsv


def write_target(tmp_path, name: str, predictions, labels, bench: dict | None = None) -> TargetFiles:
    """A target's result files; every target of a run has a benchmark summary (an empty one here
    unless `bench` gives figures)."""
    folder = tmp_path / name
    folder.mkdir()
    accuracy = float(np.mean(predictions == labels))
    write_json(
        {"accuracy": accuracy, "runtime_precision": "f32", "batch_size": 64, "runtime_threads": 1, "size_bytes": 100},
        folder / "metrics.json",
    )
    write_tsv(
        [{"agreement": 1.0, "disagreements": 0, "max_abs_logit_diff": 0.0, "threshold": 0.999}], folder / "parity.tsv"
    )
    rows = [
        {"index": i, "label": int(y), "prediction": int(p)}
        for i, (y, p) in enumerate(zip(labels, predictions, strict=True))
    ]
    write_tsv(rows, folder / "predictions.tsv")
    write_json(bench or {}, folder / "summary.json")
    return TargetFiles(
        str(folder / "metrics.json"),
        str(folder / "parity.tsv"),
        str(folder / "predictions.tsv"),
        str(folder / "summary.json"),
    )


def test_records_test_against_the_trained_model_and_the_reference(tmp_path):
    labels = np.zeros(40, int)
    fp32 = np.array([0] * 30 + [1] * 10)
    ort = np.array([0] * 28 + [1] * 12)  # loses 2 images against PyTorch
    int8 = np.array([1] * 6 + [0] * 34)  # against ONNX Runtime: right on 12 images it missed, wrong on 6
    reference = write_target(tmp_path, "pytorch", fp32, labels)
    files = {
        "pytorch": reference,
        "onnxruntime": write_target(tmp_path, "onnxruntime", ort, labels, {"test_set_seconds": 0.5, "repeats": 3}),
        "onnxruntime_int8": write_target(tmp_path, "onnxruntime_int8", int8, labels),
    }
    onnx = tmp_path / "model.onnx"
    onnx.write_bytes(b"x" * 400)
    records = {r.target: r for r in target_records(files, reference, str(onnx))}
    assert records["pytorch"].changed_predictions == 0 and records["pytorch"].reference is None
    ort = records["onnxruntime"]
    assert (ort.changed_to_wrong, ort.changed_to_correct) == (2, 0)
    assert ort.mcnemar_p == pytest.approx(0.5) and ort.accuracy_delta_pp == pytest.approx(-5.0)
    assert ort.test_set_seconds == 0.5 and ort.repeats == 3
    int8 = records["onnxruntime_int8"]
    assert int8.reference == "onnxruntime"
    assert (int8.reference_changed_to_correct, int8.reference_changed_to_wrong) == (12, 6)
    assert int8.reference_accuracy_delta_pp == pytest.approx(100 * (34 - 28) / 40)
    assert int8.compression_ratio == 4.0


def test_records_refuse_a_different_test_set(tmp_path):
    reference = write_target(tmp_path, "pytorch", np.zeros(5, int), np.zeros(5, int))
    other = write_target(tmp_path, "openvino", np.zeros(5, int), np.ones(5, int))
    onnx = tmp_path / "model.onnx"
    onnx.write_bytes(b"x")
    with pytest.raises(ValueError, match="labels differ"):
        target_records({"pytorch": reference, "openvino": other}, reference, str(onnx))


def test_reference_is_recorded_only_when_it_is_part_of_the_run(tmp_path):
    labels = np.zeros(4, int)
    reference = write_target(tmp_path, "pytorch", labels, labels)
    files = {"pytorch": reference, "openvino_int8": write_target(tmp_path, "openvino_int8", labels, labels)}
    onnx = tmp_path / "model.onnx"
    onnx.write_bytes(b"x")
    records = target_records(files, reference, str(onnx))
    assert records[1].reference is None and records[1].reference_mcnemar_p is None


def test_benchmark_process_of_onnxruntime_does_not_load_torch():
    """The memory baseline of a non-PyTorch target holds only what its runtime needs."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import compressbench.benchmark, compressbench.data, compressbench.preprocess, compressbench.spec\n"
        "from compressbench.runtimes import runtime_class\n"
        "runtime_class('onnxruntime')\n"
        "import compressbench.ort_profile, compressbench.opprofile\n"
        "sys.exit(3 if 'torch' in sys.modules else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_combined_summary_names_every_node_its_repeats_ran_on():
    combined = combine(REPEATS)
    assert combined["hosts_by_repeat"] == [s["hostname"] for s in REPEATS]
    assert combined["hostname"] == ", ".join(sorted({s["hostname"] for s in REPEATS}))
    assert combined["cpu_model"] == "Test CPU"


@pytest.mark.parametrize(("repeats", "share"), [(3, 0.6), (6, 0.9), (8, 0.96)])
def test_a_range_holds_another_runs_median_as_often_as_the_method_says(repeats, share):
    """The methodology's share (templates/wording, method_repeats, from rerun_coverage): the median of a
    rerun's repeats inside this run's min-max range, both from one steady state. Checked here with
    another generator and a skewed distribution, so the share does not hang on the simulation's own draws."""
    this, other = np.random.default_rng(1).gamma(2.0, size=(2, 100_000, repeats))
    median = np.median(other, axis=1)
    inside = (this.min(axis=1) <= median) & (median <= this.max(axis=1))
    assert inside.mean() == pytest.approx(share, abs=0.02)
    assert rerun_coverage(repeats) == pytest.approx(share, abs=0.02)


def test_the_probes_and_states_are_kept_beside_figures_over_every_round():
    states = [FULL, REDUCED, CHANGED]
    rounds = [
        dict(r, latency_cpu_state=state, throughput_cpu_state=FULL, parallel_efficiency=[0.95, 0.7, 0.9])
        for r, state in zip(REPEATS, states, strict=True)
    ]
    combined = combine(rounds)
    assert combined["latency_cpu_states"] == states and combined["throughput_cpu_states"] == [FULL] * 3
    assert combined["parallel_efficiency_by_repeat"] == [[0.95, 0.7, 0.9]] * 3
    # the round below full speed still counts: the figures are those of every round
    assert combined["latency_repeat_p50_ms"] == [0.050, 0.060, 0.052] and combined["latency_p50_ms"] == 0.052
    # summaries written before the probe existed
    assert combine(list(REPEATS))["latency_cpu_states"] == [None] * 3


def test_each_rounds_start_up_figures_are_kept_in_repeat_order():
    combined = combine(REPEATS)
    assert combined["load_repeat_seconds"] == [s["load_seconds"] for s in REPEATS]
    assert combined["first_call_repeat_ms"] == [s["first_call_ms"] for s in REPEATS]


def test_every_combined_figure_a_record_keeps_reaches_the_records():
    """A figure repeats.combine adds for the report (a record field) is copied by the aggregate step too."""
    from compressbench.aggregate import BENCHMARK_FIELDS, FIELDS

    with_empty = [{**s, "empty_call_p50_ms": 0.01} for s in REPEATS]
    kept = set(combine(with_empty)) & set(FIELDS)
    identity = {"target", "runtime", "label", "precision"}  # the record takes these from the spec and the evaluation
    assert kept - set(BENCHMARK_FIELDS) == identity
    assert {"empty_call_repeat_ms", "peak_rss_largest_mb", "peak_rss_largest_batch"} <= kept

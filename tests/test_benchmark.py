"""Benchmark statistics against hand-computed values, benchmark_app parsing, and a tiny end-to-end run.

Speed itself is never asserted: these tests check what is computed and written, not how fast.
"""

import gc
import itertools
import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import make_settings

from compressbench.benchmark import (
    BenchSettings,
    benchmark_target,
    full_rounds,
    latency_part_steps,
    latency_stats,
    median_ci,
    median_ci_ranks,
    naive_stats,
    run_benchmark,
    split_batches,
    summarize,
    throughput_batch_sizes,
    throughput_stats,
    time_latency,
    warm_up,
)
from compressbench.benchmark_app import (
    BenchmarkAppError,
    build_command,
    combine_repeats,
    device_config,
    normalize_property,
    parse_output,
    settings_check,
)
from compressbench.config import default_config
from compressbench.cpu_probe import CHANGED, FULL, REDUCED
from compressbench.model import ModelSpec, build_model
from compressbench.tables import read_tsv
from compressbench.targets import TARGETS

CPU_STATES = {FULL, REDUCED, CHANGED}

# ------------------------------------------------------------------ statistics


def test_latency_percentiles_hand_computed():
    stats = latency_stats(np.arange(1, 101, dtype=float))  # 1..100 microseconds
    # linear interpolation between order statistics: p at rank 1 + p/100 * (n - 1)
    assert stats["latency_p50_ms"] == pytest.approx(0.0505)
    assert stats["latency_p90_ms"] == pytest.approx(0.0901)
    assert stats["latency_p99_ms"] == pytest.approx(0.09901)
    assert stats["latency_mean_ms"] == pytest.approx(0.0505)
    assert stats["latency_min_ms"] == pytest.approx(0.001)
    assert stats["latency_max_ms"] == pytest.approx(0.1)
    assert stats["latency_calls"] == 100
    # ranks 40 and 61 for n = 100 (see below)
    assert stats["latency_p50_ci_low_ms"] == pytest.approx(0.040)
    assert stats["latency_p50_ci_high_ms"] == pytest.approx(0.061)
    # quarters 1..25, 26..50, 51..75, 76..100 have medians 13, 38, 63, 88 us
    assert stats["latency_quarter_p50_ms"] == pytest.approx([0.013, 0.038, 0.063, 0.088])
    assert stats["latency_drift"] == pytest.approx(88 / 13 - 1)


def test_steady_latency_has_no_drift():
    stats = latency_stats(np.tile([40.0, 41.0, 42.0, 43.0, 41.0], 20))  # each quarter: 5 whole cycles
    assert stats["latency_drift"] == pytest.approx(0.0)


def test_median_ci_ranks_match_binomial_tables():
    # n = 10: P(B <= 1) = 11/1024 <= 0.025 < P(B <= 2) = 56/1024, so [x_(2), x_(9)]
    assert median_ci_ranks(10) == (2, 9, pytest.approx(1 - 2 * 11 / 1024))
    # n = 100: P(B <= 39) = 0.0176 <= 0.025 < P(B <= 40) = 0.0284, so [x_(40), x_(61)]
    low, high, coverage = median_ci_ranks(100)
    assert (low, high) == (40, 61)
    assert coverage == pytest.approx(1 - 2 * 0.017600, abs=1e-5)
    # n = 6: P(B <= 0) = 1/64 <= 0.025: the full range [x_(1), x_(6)] covers 1 - 2/64 = 96.9 %
    assert median_ci_ranks(6) == (1, 6, pytest.approx(1 - 2 / 64))
    # n = 5: even the full range covers only 1 - 2/32 = 93.75 %
    low, high, coverage = median_ci_ranks(5)
    assert (low, high) == (0, 0) and math.isnan(coverage)


def test_median_ci_ranks_large_n_is_near_normal_approximation():
    n = 20000
    low, high, coverage = median_ci_ranks(n)
    half_width = 1.959964 * math.sqrt(n) / 2
    assert abs((n / 2 - low) - half_width) <= 2
    assert low + high == n + 1
    assert 0.95 <= coverage < 0.952


def test_median_ci_uses_order_statistics_of_unsorted_values():
    values = np.array([7, 3, 10, 1, 5, 9, 2, 8, 4, 6], dtype=float)
    assert median_ci(values) == (2.0, 9.0)
    assert all(math.isnan(v) for v in median_ci([1.0, 2.0, 3.0]))


def test_throughput_stats_median_per_batch_and_best():
    rows = [
        {"batch_size": 1, "pass": 0, "seconds": 2.0, "images": 100, "images_per_s": 50.0},
        {"batch_size": 1, "pass": 1, "seconds": 1.0, "images": 100, "images_per_s": 100.0},
        {"batch_size": 1, "pass": 2, "seconds": 4.0, "images": 100, "images_per_s": 25.0},
        {"batch_size": 8, "pass": 0, "seconds": 0.5, "images": 100, "images_per_s": 200.0},
        {"batch_size": 8, "pass": 1, "seconds": 0.25, "images": 100, "images_per_s": 400.0},
        {"batch_size": 64, "pass": 0, "seconds": "0.4", "images": "100", "images_per_s": "250"},  # as read from TSV
    ]
    stats = throughput_stats(rows)
    assert stats["throughput_by_batch"] == {"1": 50.0, "8": 300.0, "64": 250.0}
    assert stats["throughput_ips"] == 300.0
    assert stats["batch_size_best"] == 8
    assert stats["tuned_test_set_seconds"] == 2.0
    assert stats["best_batch_test_set_seconds"] == pytest.approx(0.375)


def test_throughput_tie_prefers_smaller_batch():
    rows = [
        {"batch_size": 64, "seconds": 1.0, "images_per_s": 100.0},
        {"batch_size": 8, "seconds": 1.0, "images_per_s": 100.0},
    ]
    assert throughput_stats(rows)["batch_size_best"] == 8


def test_naive_stats_sums_calls_per_pass():
    rows = [
        {"pass": p, "call": c, "microseconds": us}
        for p, c, us in [(0, 0, 5000.0), (0, 1, 1000.0), (1, 0, 1000.0), (1, 1, 1000.0), (2, 0, 1500.0), (2, 1, 1500.0)]
    ]
    stats = naive_stats(rows)
    assert stats["naive_passes_seconds"] == pytest.approx([0.006, 0.002, 0.003])
    assert stats["naive_first_pass_seconds"] == pytest.approx(0.006)
    assert stats["naive_test_set_seconds"] == pytest.approx(0.003)
    assert stats["naive_call_p50_ms"] == pytest.approx(1.25)


def test_split_batches_are_views_with_a_short_tail():
    images = np.zeros((10, 1, 4, 4), np.float32)
    batches = split_batches(images, 4)
    assert [len(b) for b in batches] == [4, 4, 2]
    assert all(b.base is images and b.flags.c_contiguous for b in batches)


# ------------------------------------------------------------------ benchmark_app

SAMPLE_OUTPUT = """\
[Step 1/11] Parsing and validating input arguments
[ INFO ] Parsing input parameters
[Step 2/11] Loading OpenVINO Runtime
[ INFO ] OpenVINO:
[ INFO ] Build ................................. 2026.4.1-22982-e213a147257-releases/2026/4
[ INFO ]
[Step 7/11] Loading the model to the device
[ INFO ] Compile model took 44.99 ms
[Step 8/11] Querying optimal runtime parameters
[ INFO ] Model:
[ INFO ]   NETWORK_NAME: onnx_Frontend_IR
[ INFO ]   OPTIMAL_NUMBER_OF_INFER_REQUESTS: 1
[ INFO ]   NUM_STREAMS: 1
[ INFO ]   INFERENCE_NUM_THREADS: 2
[ INFO ]   PERF_COUNT: NO
[ INFO ]   INFERENCE_PRECISION_HINT: <Type: 'float32'>
[ INFO ]   PERFORMANCE_HINT: LATENCY
[ INFO ]   ENABLE_CPU_PINNING: True
[ INFO ]   ENABLE_HYPER_THREADING: False
[Step 9/11] Creating infer requests and preparing input tensors
[ WARNING ] No input files were given for input 'images'!. This input will be filled with random values!
[Step 10/11] Measuring performance (Start inference synchronously, limits: 2000 ms duration)
[ INFO ] Benchmarking in inference only mode (inputs filling are not included in measurement loop).
[ INFO ] First inference took 18.32 ms
[Step 11/11] Dumping statistics report
[ INFO ] Execution Devices:['CPU']
[ INFO ] Count:            4610 iterations
[ INFO ] Duration:         2000.17 ms
[ INFO ] Latency:
[ INFO ]    Median:        109.01 us
[ INFO ]    Average:       420.51 us
[ INFO ]    Min:           99.38 us
[ INFO ]    Max:           8.77 ms
[ INFO ] Throughput:   18438.46 FPS
"""


def test_parse_benchmark_app_output():
    parsed = parse_output(SAMPLE_OUTPUT)
    assert parsed["count"] == 4610
    assert parsed["duration_ms"] == pytest.approx(2000.17)
    assert parsed["latency_median_ms"] == pytest.approx(0.10901)
    assert parsed["latency_avg_ms"] == pytest.approx(0.42051)
    assert parsed["latency_min_ms"] == pytest.approx(0.09938)
    assert parsed["latency_max_ms"] == pytest.approx(8.77)  # printed in ms
    assert parsed["throughput_ips"] == pytest.approx(18438.46)
    assert parsed["first_inference_ms"] == pytest.approx(18.32)
    assert parsed["compile_ms"] == pytest.approx(44.99)
    assert parsed["version"].startswith("2026.4.1")
    assert parsed["properties"]["INFERENCE_NUM_THREADS"] == "2"
    assert parsed["properties"]["INFERENCE_PRECISION_HINT"] == "<Type: 'float32'>"
    assert "NETWORK_NAME" in parsed["properties"] and "Model" not in parsed["properties"]


def test_parse_benchmark_app_output_without_results_fails():
    with pytest.raises(BenchmarkAppError, match="latency_median_ms"):
        parse_output(SAMPLE_OUTPUT.split("[Step 11/11]")[0])


def test_settings_check_normalizes_spellings():
    properties = parse_output(SAMPLE_OUTPUT)["properties"]
    info = {"threads": 2, "streams": 1, "precision_hint": "f32", "performance_hint": "PerformanceMode.LATENCY"}
    check = settings_check(properties, info)
    assert set(check) == {"INFERENCE_NUM_THREADS", "NUM_STREAMS", "INFERENCE_PRECISION_HINT", "PERFORMANCE_HINT"}
    assert all(entry["same"] for entry in check.values())
    assert normalize_property("INFERENCE_PRECISION_HINT", "<Type: 'bfloat16'>") == "bf16"
    assert not settings_check(properties, {**info, "threads": 4})["INFERENCE_NUM_THREADS"]["same"]


def test_benchmark_app_command_and_config():
    command = build_command(["benchmark_app"], "model.xml", [8, 3, 32, 32], 5, "cfg.json", 4, "f32")
    joined = " ".join(command)
    for part in [
        "-hint latency",
        "-api sync",
        "-nireq 1",
        "-shape [8,3,32,32]",
        "-t 5",
        "-load_config cfg.json",
        "-infer_precision f32",
        "-d CPU",
    ]:
        assert part in joined
    assert "-nthreads" not in command  # benchmark_app refuses it beside -hint; threads go through -load_config
    assert device_config(4, "f32") == {
        "CPU": {
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_NUM_THREADS": "4",
            "NUM_STREAMS": "1",
            "INFERENCE_PRECISION_HINT": "f32",
        }
    }
    assert "INFERENCE_PRECISION_HINT" not in device_config(4, "auto")["CPU"]
    assert "-infer_precision" not in build_command(["b"], "m.xml", [1, 3, 32, 32], 5, "c.json", 4, "auto")


def app_repeat(repeat: int, latency_ms: float, ips: dict[int, float], ours: dict) -> dict:
    """benchmark_app's job of one round: its runs, and our figures of the same round (`ours`)."""
    runs = [
        {"batch_size": b, "latency_median_ms": latency_ms * b, "throughput_ips": v, "count": 10} for b, v in ips.items()
    ]
    info = {"target": "openvino", "model": "m.xml", "threads": 2, "precision": "f32", "seconds": 1, "version": "x"}
    return {**info, "repeat": repeat, "settings_check": {}, "runs": runs, "ours": ours}


def our_round(p50_ms: float, timer_ms: float, ips: dict[str, float]) -> dict:
    return {"latency_p50_ms": p50_ms, "latency_runtime_timer_p50_ms": timer_ms, "throughput_by_batch": ips}


def test_benchmark_app_is_compared_with_our_figures_of_the_same_rounds_round_by_round():
    combined = {"batch_size_best": 256}  # the target's summary.json: only its best batch size is read
    repeats = [
        app_repeat(0, 0.050, {1: 15000.0, 256: 50000.0}, our_round(0.060, 0.051, {"1": 12000.0, "256": 40000.0})),
        # a slow round for both: the ratio of the round stays, the medians of the two sides move
        app_repeat(1, 0.080, {1: 10000.0, 256: 30000.0}, our_round(0.088, 0.080, {"1": 9000.0, "256": 30000.0})),
        # this round's own best batch was 64
        app_repeat(2, 0.040, {1: 16000.0, 64: 30000.0}, our_round(0.048, 0.042, {"1": 15000.0, "64": 28000.0})),
    ]
    check = combine_repeats(combined, repeats)
    one, best = check["comparison"][0], check["comparison"][-1]
    assert (one["benchmark_app_latency_median_ms"], one["benchmark_app_latency_median_low_ms"]) == (0.05, 0.04)
    assert one["benchmark_app_latency_median_high_ms"] == 0.08 and one["benchmark_app_repeats"] == 3
    assert (one["our_latency_p50_ms"], one["our_latency_p50_low_ms"], one["our_latency_p50_high_ms"]) == (
        0.060,
        0.048,
        0.088,
    )
    # per round 1.2, 1.1, 1.2: the median of the rounds' ratios, not the ratio of the medians
    assert check["latency_ratio_batch1"] == pytest.approx(1.2)
    assert (one["latency_ratio_low"], one["latency_ratio_high"]) == (pytest.approx(1.1), pytest.approx(1.2))
    assert check["runtime_timer_ratio_batch1"] == pytest.approx(1.02)  # 1.02, 1.0, 1.05: the runtime's own timer
    assert one["throughput_ratio"] == pytest.approx(0.9)  # 0.8, 0.9, 0.9375 by the wall clock at batch 1
    assert best["batch_size"] == 256 and best["benchmark_app_repeats"] == 2  # the rounds that ran it
    assert check["throughput_ratio_best_batch"] == pytest.approx((0.8 + 1.0) / 2)
    assert [run["repeat"] for run in check["runs"]] == [0, 0, 1, 1, 2, 2]


def test_benchmark_app_compares_throughput_at_the_size_it_ran_nearest_the_runs_best():
    """Every extended round's own best was 256 or 8, the run's best over all rounds is 64: the comparison is at
    the size benchmark_app ran at which our median throughput is highest, and says which."""
    combined = {"batch_size_best": 64, "throughput_by_batch": {"8": 50000.0, "64": 61000.0, "256": 60500.0}}
    repeats = [
        app_repeat(0, 0.03, {1: 30000.0, 256: 62000.0}, our_round(0.033, 0.03, {"1": 30000.0, "256": 60000.0})),
        app_repeat(1, 0.03, {1: 30000.0, 8: 52000.0}, our_round(0.033, 0.03, {"1": 30000.0, "8": 51000.0})),
        app_repeat(2, 0.03, {1: 30000.0, 256: 61000.0}, our_round(0.033, 0.03, {"1": 30000.0, "256": 61000.0})),
    ]
    check = combine_repeats(combined, repeats)
    assert check["throughput_batch"] == 256
    assert check["throughput_ratio_best_batch"] == pytest.approx((60000 / 62000 + 1.0) / 2)
    # benchmark_app ran at the run's best: compared there
    repeats[1] = app_repeat(1, 0.03, {1: 30000.0, 64: 63000.0}, our_round(0.033, 0.03, {"1": 30000.0, "64": 61000.0}))
    assert combine_repeats(combined, repeats)["throughput_batch"] == 64


def test_benchmark_app_comparison_keeps_the_probed_state_of_each_run():
    repeats = []
    for repeat, state in enumerate([FULL, REDUCED]):
        app = app_repeat(repeat, 0.03, {1: 30000.0}, our_round(0.033, 0.03, {"1": 30000.0}))
        app["runs"][0]["cpu_state"] = state
        repeats.append(app)
    (row,) = combine_repeats({"batch_size_best": 1}, repeats)["comparison"]
    assert row["benchmark_app_cpu_states"] == [FULL, REDUCED] and row["benchmark_app_repeats"] == 2


def test_a_benchmark_app_repeat_without_its_rounds_figures_asks_for_a_rerun():
    old = app_repeat(0, 0.05, {1: 15000.0}, {})
    del old["ours"]
    with pytest.raises(BenchmarkAppError, match="older version.*--forcerun benchmark_app"):
        combine_repeats({"batch_size_best": 1}, [old])


# ------------------------------------------------------------------ environment

# ------------------------------------------------------------------ end to end (pytorch, untrained)

SUMMARY_KEYS = {
    "latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "latency_mean_ms", "latency_p50_ci_low_ms",
    "latency_p50_ci_high_ms", "latency_calls", "throughput_ips", "batch_size_best", "throughput_by_batch",
    "naive_test_set_seconds", "tuned_test_set_seconds", "best_batch_test_set_seconds", "threads", "precision",
    "runtime_info", "timer", "baseline_rss_mb", "load_rss_mb", "peak_rss_batch1_mb", "peak_rss_by_batch_mb",
    "load_seconds", "first_call_ms", "latency_1thread_p50_ms", "latency_1thread_threads", "repeat",
}  # fmt: skip
OUTPUT_FILES = [
    ("latency", "tsv"), ("latency_1thread", "tsv"), ("throughput", "tsv"), ("naive", "tsv"), ("summary", "json"),
]  # fmt: skip


def tiny_pytorch_model(tmp_path):
    spec = ModelSpec(1, 16, 3, ["a", "b", "c"], [0.5], [0.25])
    torch.manual_seed(0)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    torch.save(build_model(spec).state_dict(), model_dir / "model.pt")
    return spec, model_dir


def quick_settings(threads: int = 1, **changes) -> BenchSettings:
    return make_settings(
        BenchSettings,
        "benchmark",
        threads=threads,
        **{
            "batch_sizes": [4, 8],
            "warmup_seconds": 0.0,
            "latency_min_calls": 30,
            "latency_min_seconds": 0.0,
            "throughput_passes": 2,
            "throughput_min_seconds": 0.0,
            "naive_passes": 2,
            **changes,
        },
    )


def test_benchmark_pytorch_end_to_end(tmp_path):
    spec, model_dir = tiny_pytorch_model(tmp_path)
    images = np.random.default_rng(0).normal(size=(10, 1, 16, 16)).astype(np.float32)
    outputs = {name: str(tmp_path / f"{name}.{ext}") for name, ext in OUTPUT_FILES}
    benchmark_target(
        TARGETS["pytorch"], model_dir, spec, lambda count=None: images[:count], quick_settings(), {}, outputs, repeat=2
    )

    summary = json.loads((tmp_path / "summary.json").read_text())
    assert SUMMARY_KEYS <= set(summary)
    assert summary["repeat"] == 2 and summary["test_images"] == 10
    assert summary["latency_calls"] == 30
    assert summary["threads"] == 1 and summary["precision"] == "f32"
    assert set(summary["throughput_by_batch"]) == {"1", "4", "8"}  # batch 1 always measured (tuned figure)
    assert summary["batch_size_best"] in (1, 4, 8)
    assert summary["latency_p50_ci_low_ms"] <= summary["latency_p50_ms"] <= summary["latency_p50_ci_high_ms"]
    assert summary["latency_p50_ms"] <= summary["latency_p90_ms"] <= summary["latency_p99_ms"]
    # one thread configured: the main run is the one-thread run, no separate calls are written
    assert summary["latency_1thread_p50_ms"] == summary["latency_p50_ms"]
    assert summary["latency_1thread_threads"] == 1 and summary["latency_1thread_separate"] is False
    assert read_tsv(tmp_path / "latency_1thread.tsv") == []
    # memory: the model and its buffers come on top of the baseline; peaks never fall
    peaks = summary["peak_rss_by_batch_mb"]
    assert set(peaks) == {"1", "4", "8"} and peaks["1"] <= peaks["4"] <= peaks["8"]
    assert 0 < summary["baseline_rss_mb"] <= summary["peak_rss_batch1_mb"]
    assert summary["load_seconds"] > 0 and summary["first_call_ms"] > 0
    # eager PyTorch takes a batch of no images: every operator dispatched, timed as batch-1 latency is
    assert summary["empty_calls"] == 30 and 0 < summary["empty_call_p50_ms"] < summary["latency_p50_ms"]
    # the CPUs' state: probed before the latency window and after it, the throughput passes between its parts
    assert len(summary["parallel_efficiency"]) == 2
    assert summary["latency_cpu_state"] in CPU_STATES and summary["throughput_cpu_state"] in CPU_STATES

    latency = read_tsv(tmp_path / "latency.tsv")
    assert len(latency) == 30 and set(latency[0]) == {"call", "microseconds", "runtime_timer_us"}
    assert {row["runtime_timer_us"] for row in latency} == {""} and summary["latency_runtime_timer_p50_ms"] is None
    throughput = read_tsv(tmp_path / "throughput.tsv")
    assert len(throughput) == 6 and all(row["images"] == "10" for row in throughput)
    naive = read_tsv(tmp_path / "naive.tsv")
    assert len(naive) == 2 * 10 and {row["pass"] for row in naive} == {"0", "1"}
    # statistics come from the files: recomputing from latency.tsv gives the same p50
    assert summary["latency_p50_ms"] == pytest.approx(np.median([float(r["microseconds"]) for r in latency]) / 1000)


def test_single_thread_latency_is_a_separate_run_when_more_threads_are_configured(tmp_path):
    spec, model_dir = tiny_pytorch_model(tmp_path)
    images = np.random.default_rng(0).normal(size=(6, 1, 16, 16)).astype(np.float32)
    outputs = {name: str(tmp_path / f"{name}.{ext}") for name, ext in OUTPUT_FILES}
    settings = quick_settings(threads=2, batch_sizes=[2], latency_min_calls=12)
    summary = benchmark_target(
        TARGETS["pytorch"], model_dir, spec, lambda count=None: images[:count], settings, {}, outputs
    )
    assert summary["threads"] == 2 and summary["runtime_info_1thread"]["threads"] == 1
    assert summary["latency_1thread_separate"] is True and summary["latency_1thread_threads"] == 1
    single = [float(row["microseconds"]) for row in read_tsv(tmp_path / "latency_1thread.tsv")]
    assert len(single) == 12 and summary["latency_1thread_p50_ms"] == pytest.approx(np.median(single) / 1000)


def test_single_thread_latency_can_be_switched_off(tmp_path):
    spec, model_dir = tiny_pytorch_model(tmp_path)
    images = np.zeros((4, 1, 16, 16), np.float32)
    outputs = {name: str(tmp_path / f"{name}.{ext}") for name, ext in OUTPUT_FILES}
    settings = quick_settings(threads=2, batch_sizes=[2], single_thread_latency=False, latency_min_calls=12)
    summary = benchmark_target(
        TARGETS["pytorch"], model_dir, spec, lambda count=None: images[:count], settings, {}, outputs
    )
    assert summary["latency_1thread_p50_ms"] is None and summary["latency_1thread_threads"] is None


def test_a_job_loads_only_the_sample_before_the_memory_figures_then_the_whole_test_set(tmp_path):
    spec, model_dir = tiny_pytorch_model(tmp_path)
    images = np.random.default_rng(0).normal(size=(6, 1, 16, 16)).astype(np.float32)
    outputs = {name: str(tmp_path / f"{name}.{ext}") for name, ext in OUTPUT_FILES}
    asked = []

    def load_images(count=None):
        asked.append(count)
        return images[:count]

    summary = benchmark_target(
        TARGETS["pytorch"], model_dir, spec, load_images, quick_settings(batch_sizes=[1, 4]), {}, outputs
    )
    assert asked == [4, None] and summary["test_images"] == 6


def test_a_job_times_with_what_lived_before_it_left_out_of_collections_and_lifts_that_after(tmp_path, monkeypatch):
    import compressbench.benchmark as bench

    spec, model_dir = tiny_pytorch_model(tmp_path)
    images = np.random.default_rng(0).normal(size=(6, 1, 16, 16)).astype(np.float32)
    outputs = {name: str(tmp_path / f"{name}.{ext}") for name, ext in OUTPUT_FILES}
    frozen_while_timing = []

    def timed(*args, **kwargs):
        frozen_while_timing.append(gc.get_freeze_count())
        return run_benchmark(*args, **kwargs)

    monkeypatch.setattr(bench, "run_benchmark", timed)
    benchmark_target(
        TARGETS["pytorch"], model_dir, spec, lambda count=None: images[:count], quick_settings(), {}, outputs
    )
    assert frozen_while_timing[0] > 0 and gc.get_freeze_count() == 0


def test_a_job_can_end_without_the_interpreters_teardown_losing_no_output():
    code = (
        "import atexit, sys\n"
        "from compressbench.logs import exit_skipping_teardown\n"
        "atexit.register(lambda: print('teardown ran'))\n"
        "sys.stdout.write('written, not yet flushed')\n"
        "exit_skipping_teardown()\n"
        "print('after the exit')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout) == (0, "written, not yet flushed")


def test_job_params_keep_only_what_a_job_reads():
    section = {**default_config()["benchmark"], "repeats": 5, "naive_passes": 2, "batch_sizes": [1]}
    job = BenchSettings.job_params(section)
    assert {"repeats", "benchmark_app", "benchmark_app_seconds"}.isdisjoint(job)
    assert job["naive_passes"] == 2 and job["batch_sizes"] == [1]
    assert BenchSettings.from_config(section, threads=4) == BenchSettings(**job, threads=4)


def test_the_first_rounds_are_full_and_a_change_of_repeats_reruns_only_a_round_that_changes_kind():
    section = {**default_config()["benchmark"], "repeats": 6, "full_repeats": 3}
    assert [BenchSettings.job_params(section, r)["full"] for r in range(6)] == [True] * 3 + [False] * 3
    assert full_rounds(section) == 3
    fewer = {**section, "repeats": 2}  # a study's two repeats: both full, not an error
    assert full_rounds(fewer) == 2 and BenchSettings.job_params(fewer, 1)["full"] is True
    more = {**section, "repeats": 8}
    assert all(BenchSettings.job_params(more, r) == BenchSettings.job_params(section, r) for r in range(6))
    assert BenchSettings.from_config(section, threads=2, repeat=4).full is False


def test_a_round_that_is_not_full_leaves_out_batch_1_the_naive_loop_and_one_thread(tmp_path):
    assert throughput_batch_sizes(quick_settings(batch_sizes=[4, 8])) == [1, 4, 8]
    assert throughput_batch_sizes(quick_settings(batch_sizes=[1, 4, 8], full=False)) == [4, 8]
    assert throughput_batch_sizes(quick_settings(batch_sizes=[1], full=False)) == []
    spec, model_dir = tiny_pytorch_model(tmp_path)
    images = np.random.default_rng(0).normal(size=(6, 1, 16, 16)).astype(np.float32)
    outputs = {name: str(tmp_path / f"{name}.{ext}") for name, ext in OUTPUT_FILES}
    settings = quick_settings(threads=2, batch_sizes=[1, 2], latency_min_calls=12, full=False)
    summary = benchmark_target(
        TARGETS["pytorch"], model_dir, spec, lambda count=None: images[:count], settings, {}, outputs, repeat=4
    )
    assert summary["full_round"] is False and summary["latency_calls"] == 12
    assert set(summary["throughput_by_batch"]) == {"2"} and summary["tuned_test_set_seconds"] is None
    assert summary["naive_test_set_seconds"] is None and summary["naive_over_tuned"] is None
    assert summary["latency_1thread_p50_ms"] is None and read_tsv(tmp_path / "naive.tsv") == []
    assert read_tsv(tmp_path / "latency_1thread.tsv") == []
    # only batch 1 configured: such a round times batch-1 latency alone
    latency_only = quick_settings(batch_sizes=[1], latency_min_calls=12, full=False)
    summary = benchmark_target(
        TARGETS["pytorch"], model_dir, spec, lambda count=None: images[:count], latency_only, {}, outputs
    )
    assert summary["throughput_by_batch"] == {} and summary["throughput_ips"] is None


class RecordingRuntime:
    """A runtime whose every call appends its batch size to `calls`: the order of a job's measurements."""

    def __init__(self):
        self.calls: list[int] = []
        self.spec = ModelSpec(1, 4, 2, ["a", "b"], [0.0], [1.0])

    def compiled(self, batch_size: int):
        def predict(images):
            self.calls.append(len(images))
            return np.zeros((len(images), 2), np.float32)

        return predict

    def runtime_timer(self, batch_size: int):
        return None

    def empty_batch_call(self):
        return self.compiled(1)

    def naive(self):
        return self.compiled(1)

    def info(self) -> dict:
        return {}


def test_the_steps_lie_between_the_latency_parts_cut_in_order_the_later_gaps_taking_the_extra():
    assert latency_part_steps(3, list("abcde")) == [["a", "b"], ["c", "d", "e"], []]
    assert latency_part_steps(2, list("abc")) == [["a", "b", "c"], []]
    assert latency_part_steps(1, ["a", "b"]) == [["a", "b"]]
    assert latency_part_steps(3, []) == [[], [], []]


def test_the_batch1_latency_window_is_timed_in_parts_with_the_other_measurements_between_them():
    runtime = RecordingRuntime()
    images = np.zeros((6, 1, 4, 4), np.float32)
    settings = quick_settings(batch_sizes=[2, 3], latency_min_calls=12, latency_parts=3, full=False)
    result = run_benchmark(runtime, images, settings, log=lambda _: None)
    # runs of one batch size in call order: latency (1), the empty batch (0), latency, throughput at 2 and 3, latency
    assert [size for size, _ in itertools.groupby(runtime.calls)] == [1, 0, 1, 2, 3, 1]
    assert len(result["latency"]) == 12 and len(result["empty_call"]) == 12  # the calls are over all parts
    assert [row["batch_size"] for row in result["throughput"]] == [2, 2, 3, 3]
    assert len(result["parallel_efficiency"]) == 2  # the passes lie inside the latency window: one window
    # one part: the window in one piece, the passes after it, a probe between them
    runtime.calls.clear()
    settings = quick_settings(batch_sizes=[2], latency_parts=1, full=False)
    result = run_benchmark(runtime, images, settings, log=lambda _: None)
    assert [size for size, _ in itertools.groupby(runtime.calls)] == [1, 0, 2]
    assert len(result["parallel_efficiency"]) == 3


def test_a_full_round_without_its_naive_loop_is_an_error():
    with pytest.raises(ValueError, match="no calls"):
        summarize(
            np.ones(10),
            [{"batch_size": 1, "pass": 0, "seconds": 1.0, "images": 10, "images_per_s": 10.0}],
            [],
            {},
            quick_settings(),
        )


def test_warm_up_calls_each_distinct_function_once_not_the_whole_plan():
    calls = []
    first, tail = (lambda batch: calls.append("first")), (lambda batch: calls.append("tail"))
    plan = [(first, None)] * 10_000 + [(tail, None)]  # a test set at batch 1 with its own last shape
    assert warm_up(plan, seconds=0.0) == 2 and calls == ["first", "tail"]


def test_each_timed_image_reaches_the_call_through_one_staging_array_not_as_a_view_of_the_test_set():
    images = np.arange(3 * 4, dtype=np.float32).reshape(3, 1, 2, 2)
    calls = []  # (the image's first value, whether the call got test-set memory, the array's id)

    def predict(batch):
        calls.append((int(batch[0, 0, 0, 0]), np.shares_memory(batch, images), id(batch)))

    wall, _ = time_latency(predict, images, min_calls=7, min_seconds=0.0, warmup_seconds=0.0)
    timed = calls[-len(wall) :]
    assert len(wall) == 7 and [first for first, _, _ in timed] == [0, 4, 8, 0, 4, 8, 0]  # the images in turn
    assert not any(shared for _, shared, _ in timed)  # copied in, untimed: in cache as a fresh image would be
    assert len({array for _, _, array in timed}) == 1


def test_benchmark_names_target_and_reason(tmp_path):
    spec = ModelSpec(1, 16, 3, ["a", "b", "c"], [0.5], [0.25])
    (tmp_path / "empty").mkdir()
    outputs = {name: str(tmp_path / name) for name, _ in OUTPUT_FILES}
    with pytest.raises(RuntimeError, match="target 'pytorch'.*no .pt model files"):
        benchmark_target(
            TARGETS["pytorch"],
            tmp_path / "empty",
            spec,
            lambda count=None: np.zeros((2, 1, 16, 16), np.float32)[:count],
            make_settings(BenchSettings, "benchmark", threads=1),
            {},
            outputs,
        )

"""compressbench.serve without a server: the protocol, the batcher, the load generator's
bookkeeping and the analysis, on synthetic arrays and tables (no timing is asserted)."""

from __future__ import annotations

import asyncio
import math
import threading
from dataclasses import replace

import numpy as np
import orjson
import pytest

from compressbench.config import ConfigError, load_config
from compressbench.serve import analysis
from compressbench.serve.batcher import Batcher
from compressbench.serve.job import split_cpus, step_rates
from compressbench.serve.load import (
    RequestRecord,
    accounted,
    parse_server_timing,
    poisson_offsets,
    step_row,
)
from compressbench.serve.protocol import (
    HEADER_LENGTH,
    ModelInterface,
    ProtocolError,
    decode_infer_response,
    encode_infer_request,
    encode_infer_response,
    parse_infer_request,
)
from compressbench.serve.settings import ServeSettings

INTERFACE = ModelInterface("tiny", (1, 4, 4), 3, max_batch_size=4)
IMAGES = np.random.default_rng(0).normal(size=(2, 1, 4, 4)).astype(np.float32)


def good_request(**tensor_changes) -> dict:
    tensor = {"name": "input", "datatype": "FP32", "shape": [1, 1, 4, 4], "data": [0.5] * 16, **tensor_changes}
    return {"inputs": [tensor]}


def parse(request) -> object:
    body = request if isinstance(request, bytes) else orjson.dumps(request)
    return parse_infer_request(body, None, INTERFACE)


# ---------------------------------------------------------------- protocol


@pytest.mark.parametrize("binary", [False, True])
def test_request_and_response_round_trip(binary):
    body, headers = encode_infer_request(IMAGES, binary=binary, request_id="r1")
    parsed = parse_infer_request(body, headers.get(HEADER_LENGTH), INTERFACE)
    np.testing.assert_array_equal(parsed.images, IMAGES)
    assert parsed.request_id == "r1" and parsed.binary_output is binary
    logits = np.arange(6, dtype=np.float32).reshape(2, 3)
    content, response_headers = encode_infer_response("tiny", "r1", logits, binary)
    np.testing.assert_array_equal(decode_infer_response(content, response_headers.get(HEADER_LENGTH.lower())), logits)
    assert (HEADER_LENGTH.lower() in response_headers) is binary


def test_nested_data_is_accepted_like_flat_data():
    nested = parse(good_request(data=np.full((1, 1, 4, 4), 0.5).tolist()))
    assert nested.images.shape == (1, 1, 4, 4) and float(nested.images.sum()) == 8.0


BAD_REQUESTS = {
    "malformed JSON": (b'{"inputs": [', 400, "malformed JSON"),
    "not an object": (b"[1, 2]", 400, "JSON object"),
    "empty body": (b"", 400, "empty body"),
    "no inputs": ({"inputs": []}, 400, "no inputs"),
    "inputs missing": ({"id": "x"}, 400, "no inputs"),
    "wrong input name": (good_request(name="pixels"), 400, "unknown input 'pixels'"),
    "wrong dtype": (good_request(datatype="INT64"), 400, "datatype 'INT64'"),
    "wrong shape": (good_request(shape=[1, 3, 4, 4]), 400, "shape [1, 3, 4, 4]"),
    "batch over the limit": (good_request(shape=[5, 1, 4, 4], data=[0.0] * 80), 400, "above max_batch_size 4"),
    "too few values": (good_request(data=[0.5] * 15), 400, "15 values"),
    "not numbers": (good_request(data=["a"] * 16), 400, "must be numbers"),
    "no data": (good_request(data=None), 400, "no `data`"),
    "non-finite": (
        b'{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,4,4],"data":[1e300' + b",0" * 15 + b"]}]}",
        400,
        "finite",
    ),  # fmt: skip
    "unknown output": ({**good_request(), "outputs": [{"name": "probs"}]}, 400, "unknown output 'probs'"),
}


@pytest.mark.parametrize("case", BAD_REQUESTS)
def test_bad_requests_name_the_problem(case):
    request, status, words = BAD_REQUESTS[case]
    with pytest.raises(ProtocolError, match=words.replace("[", r"\[")) as caught:
        parse(request)
    assert caught.value.status == status


def test_binary_sizes_must_match_the_shape():
    body, headers = encode_infer_request(IMAGES, binary=True)
    with pytest.raises(ProtocolError, match="binary_data_size"):
        parse_infer_request(body[:-4], headers[HEADER_LENGTH], INTERFACE)
    with pytest.raises(ProtocolError, match="outside the body"):
        parse_infer_request(body, str(len(body) + 1), INTERFACE)
    with pytest.raises(ProtocolError, match="not a byte count"):
        parse_infer_request(body, "twelve", INTERFACE)


def test_a_full_json_batch_fits_the_body_limit():
    body, _ = encode_infer_request(np.full((4, 1, 4, 4), -1.2345678e-05, dtype=np.float32))
    assert len(body) < INTERFACE.max_body_bytes()


# ---------------------------------------------------------------- batcher


def run_batches(max_batch_size: int, delay_us: int, sizes: list[int], predict=None):
    """Submit requests of these sizes at once; (results, batch sizes the predict function saw)."""
    seen = []

    def compiled(batch_size):
        def predict_batch(images):
            seen.append(len(images))
            return images.reshape(len(images), -1)[:, :3] * 2.0

        return predict or predict_batch

    batcher = Batcher(compiled, max_batch_size, delay_us)

    async def submit_all():
        batcher.start()
        try:
            futures = [batcher.submit(np.full((n, 1, 4, 4), i, np.float32)) for i, n in enumerate(sizes)]
            return await asyncio.gather(*futures, return_exceptions=True)
        finally:
            batcher.stop()

    return asyncio.run(submit_all()), seen


def test_batcher_batches_up_to_the_limit_and_returns_each_request_its_rows():
    results, seen = run_batches(4, 100_000, [1, 2, 1, 3, 1])
    assert sum(seen) == 8 and max(seen) <= 4 and len(seen) < 5  # some requests shared a batch
    for i, (logits, timing) in enumerate(results):
        assert logits.shape == ([1, 2, 1, 3, 1][i], 3) and np.all(logits == 2.0 * i)
        assert timing.enqueued_ns <= timing.started_ns <= timing.finished_ns
        assert timing.batch_images in seen


def test_batching_off_runs_one_request_per_call():
    _, seen = run_batches(1, 0, [1, 1, 1])
    assert seen == [1, 1, 1]


def test_a_runtime_error_answers_every_request_of_the_batch():
    def broken(images):
        raise RuntimeError("kernel failed")

    results, _ = run_batches(4, 100_000, [1, 1], predict=broken)
    assert all(isinstance(result, RuntimeError) for result in results)


# ---------------------------------------------------------------- load generator bookkeeping


def test_poisson_offsets_lie_in_the_window_in_order():
    offsets = poisson_offsets(1000.0, 2.0, np.random.default_rng(1))
    assert np.all(np.diff(offsets) > 0) and offsets[0] >= 0 and offsets[-1] < 2.0
    assert abs(len(offsets) - 2000) < 5 * math.sqrt(2000)  # Poisson count: mean 2000, sd 45
    gaps = np.diff(offsets)
    assert gaps.std() / gaps.mean() == pytest.approx(1.0, abs=0.1)  # exponential gaps: CV 1
    with pytest.raises(ValueError, match="positive"):
        poisson_offsets(0.0, 1.0, np.random.default_rng(0))


def test_server_timing_header_is_parsed():
    header = "decode;dur=0.1200, queue;dur=0.0300, inference;dur=1.5, encode;dur=0.01"
    assert parse_server_timing(header) == {"decode": 0.12, "queue": 0.03, "inference": 1.5, "encode": 0.01}
    assert parse_server_timing(None) == {}


def record(outcome: str, latency: float, **parts) -> RequestRecord:
    status = {"ok": 200, "rejected": 503, "error": 500, "timeout": 0}[outcome]
    return RequestRecord(0.0, 0.1, latency, outcome, status, **parts)


def test_step_row_accounts_for_every_request_and_times_only_the_answered():
    records = [
        record("ok", ms, decode_ms=0.1, queue_ms=0.2, inference_ms=0.3, encode_ms=0.4, batch=2) for ms in (1, 2, 3)
    ]
    records += [record("rejected", 0.5), record("error", 0.7), record("timeout", 2000.0)]
    row = step_row(records, offered_rps=6.0, seconds=1.0)
    assert (row["sent"], row["ok"], row["rejected"], row["errors"], row["timeouts"]) == (6, 3, 1, 1, 1)
    assert accounted(row) and row["achieved_rps"] == 3.0
    assert row["p50_ms"] == 2.0 and row["max_ms"] == 3.0  # the 503 and the timeout are not in the percentiles
    assert row["server_ms"] == pytest.approx(1.0) and row["batch_mean"] == 2.0
    assert row["server_p99_ms"] == pytest.approx(1.0)
    assert row["p99_sent_ms"] == pytest.approx(np.percentile([0.9, 1.9, 2.9], 99))  # each sent 0.1 ms late
    assert math.isnan(row["inbound_p99_ms"])  # no answer said when its handler started
    assert not accounted({**row, "ok": 2})


def test_a_step_with_no_answer_has_no_percentiles():
    row = step_row([record("timeout", 2000.0)], 1.0, 1.0)
    assert math.isnan(row["p99_ms"]) and math.isnan(row["batch_mean"]) and row["timeouts"] == 1


def test_server_and_generator_get_separate_cpus():
    assert split_cpus([1, 0]) == ([0], [1])
    assert split_cpus([0, 1, 2, 3]) == ([0, 1, 2], [3])
    assert split_cpus([5]) == ([5], [5])  # one CPU: shared, run.json says so


def serve_settings(**changes) -> ServeSettings:
    return ServeSettings.from_config({**load_config({})["serve"], **changes}, threads=1)


def test_auto_rates_are_fractions_of_the_probe_lightest_first():
    assert step_rates(serve_settings(auto_fractions=[2.0, 0.5]), 100.0) == [50.0, 200.0]
    assert step_rates(serve_settings(rates=[300, 10]), 1.0) == [10.0, 300.0]
    with pytest.raises(RuntimeError, match="no rate"):
        step_rates(serve_settings(), 0.0)


def test_batching_off_is_measured_beside_the_configured_batching():
    modes = serve_settings(max_batch_size=8).batching_modes()
    assert [mode.label() for mode in modes] == ["on", "off"] and modes[1].max_batch_size == 1
    assert len(serve_settings(compare_unbatched=False).batching_modes()) == 1


def test_served_targets_must_be_built():
    with pytest.raises(ConfigError, match="serve.targets: 'openvino_bf16' is not one of targets"):
        load_config({"serve": {"targets": ["openvino_bf16"]}})
    assert load_config({})["serve"]["enabled"] is False  # the default run serves nothing


# ---------------------------------------------------------------- analysis


def step(repeat=0, phase="sweep", batching="on", offered=100.0, p99=5.0, p50=1.0, **changes) -> analysis.LoadStep:
    values = dict(
        repeat=repeat, phase=phase, batching=batching, step=0, offered_rps=offered, seconds=1.0,
        achieved_rps=offered, sent=int(offered), ok=int(offered), rejected=0, errors=0, timeouts=0,
        p50_ms=p50, p90_ms=p99, p99_ms=p99, max_ms=p99, decode_ms=0.1, queue_ms=0.2, inference_ms=0.3,
        encode_ms=0.1, server_ms=0.7, server_p99_ms=1.5, batch_mean=1.0, send_lag_p99_ms=0.05, p99_sent_ms=p99 - 0.05,
        inbound_p99_ms=0.2, client_cpu=0.2, server_cpu=0.3,
        p50_ci_low_ms=p50 - 0.05, p50_ci_high_ms=p50 + 0.05,
    )  # fmt: skip
    return analysis.LoadStep(**{**values, **changes})


def sweep(repeat=0, batching="on", passing=(100.0, 200.0), failing=(400.0,), p50=1.0):
    steps = [step(repeat, batching=batching, offered=rate, p50=p50) for rate in passing]
    return steps + [
        step(repeat, batching=batching, offered=rate, p99=50.0, rejected=5, ok=int(rate) - 5) for rate in failing
    ]


def test_capacity_is_the_heaviest_step_below_the_first_miss():
    result = analysis.repeat_capacity(sweep(passing=(100.0, 200.0), failing=(400.0, 800.0)), slo_p99_ms=10.0)
    assert (result.capacity_rps, result.next_offered_rps, result.reached) == (200.0, 400.0, True)
    # a step that passes again after a miss does not raise the capacity
    steps = sweep(passing=(100.0,), failing=(200.0,)) + [step(offered=300.0)]
    assert analysis.repeat_capacity(steps, 10.0).capacity_rps == 100.0


def test_a_sweep_that_never_misses_gives_a_lower_bound_and_one_that_always_misses_none():
    never = analysis.repeat_capacity(sweep(failing=()), 10.0)
    assert never.capacity_rps == 200.0 and never.reached is False and never.next_offered_rps is None
    always = analysis.capacity(sweep(passing=()), 10.0)
    assert always.rps is None and always.repeats[0].capacity_rps is None


def test_capacity_interval_over_repeats_and_batching_verdict():
    steps = sweep(0, passing=(100.0, 200.0)) + sweep(1, passing=(100.0, 250.0), failing=(500.0,))
    steps += sweep(0, "off", passing=(50.0,), failing=(90.0,)) + sweep(1, "off", passing=(60.0,), failing=(95.0,))
    on = analysis.capacity(steps, 10.0)
    assert (on.rps.median, on.rps.low, on.rps.high) == (225.0, 200.0, 250.0) and on.rps.coverage == 0.5
    verdict = analysis.batching_comparison(steps, 10.0)
    assert verdict.verdict == "higher" and verdict.ratio == pytest.approx(225.0 / 55.0)
    overlapping = sweep(0, passing=(100.0,)) + sweep(0, "off", passing=(100.0,))
    assert analysis.batching_comparison(overlapping, 10.0).verdict == "not resolved"
    assert analysis.batching_comparison(sweep(0), 10.0) is None  # batching off not measured


def test_one_repeat_has_no_capacity_range_and_resolves_nothing():
    steps = sweep(0, passing=(100.0, 200.0)) + sweep(0, "off", passing=(50.0,), failing=(90.0,))
    on = analysis.capacity(steps, 10.0)
    assert on.rps.median == 200.0 and math.isnan(on.rps.low) and math.isnan(on.rps.high)
    assert analysis.batching_comparison(steps, 10.0).verdict == "not resolved"


def test_a_miss_the_generator_decided_is_flagged():
    """Late sends that alone push the p99 over the SLO: the verdict is the generator's; a miss
    that stays a miss from the actual sends, or any 503, is the server's."""
    steps = sweep(failing=())
    steps.append(step(offered=400.0, p99=50.0, send_lag_p99_ms=45.0, p99_sent_ms=8.0))
    assert analysis.repeat_capacity(steps, 10.0).generator_late is True
    assert analysis.repeat_capacity(sweep(), 10.0).generator_late is False  # it shed (503)
    slow_server = sweep(failing=()) + [step(offered=400.0, p99=50.0, send_lag_p99_ms=45.0, p99_sent_ms=20.0)]
    assert analysis.repeat_capacity(slow_server, 10.0).generator_late is False
    unmeasured = sweep(failing=()) + [step(offered=400.0, p99=50.0, p99_sent_ms=math.nan)]
    assert analysis.repeat_capacity(unmeasured, 10.0).generator_late is False


def test_time_split_adds_the_parts_and_the_noop_round_trip():
    steps = sweep() + [step(phase="noop", offered=100.0, p50=0.25)]
    split = analysis.time_split(steps)
    assert split.parts_sum_ms == pytest.approx(0.1 + 0.2 + 0.3 + 0.1 + 0.25)
    assert split.parts_over_client == pytest.approx(0.95) and split.within_tolerance
    far = analysis.time_split(sweep(p50=2.0) + [step(phase="noop", p50=0.25)])
    assert far.within_tolerance is False
    with pytest.raises(ValueError, match="no-op"):
        analysis.time_split(sweep())


def test_service_overhead_uses_the_benchmark_at_the_serving_threads():
    bench = {"threads": 2, "latency_p50_ms": 0.03, "latency_1thread_threads": 1, "latency_1thread_p50_ms": 0.05}
    overhead = analysis.service_overhead(sweep(), bench, threads=1)
    assert overhead.inprocess_metric == "latency_1thread_p50_ms" and overhead.overhead_ms == pytest.approx(0.95)
    assert analysis.service_overhead(sweep(), bench, threads=2).inprocess_metric == "latency_p50_ms"
    assert analysis.service_overhead(sweep(), bench, threads=4).overhead_ms is None


def test_accounting_and_the_heaviest_step():
    steps = sweep(failing=(400.0,))
    result = analysis.accounting(steps, 10.0)
    assert result.all_accounted and result.clean_before_shedding
    assert (result.heaviest_offered_rps, result.heaviest_rejected, result.heaviest_errors_timeouts) == (400.0, 5, 0)
    assert (result.heaviest_server_p99_ms, result.heaviest_p99_sent_ms) == (1.5, 49.95)
    assert result.heaviest_generator_late is False
    broken = [replace(steps[0], ok=steps[0].ok - 1), *steps[1:]]
    assert analysis.accounting(broken, 10.0).all_accounted is False
    timed_out = [replace(steps[0], timeouts=1, ok=steps[0].ok - 1), *steps[1:]]
    assert analysis.accounting(timed_out, 10.0).clean_before_shedding is False


def test_compression_behind_http_is_resolved_only_by_separated_intervals():
    bench = {"threads": 1, "latency_p50_ms": 0.05, "latency_p50_ci_low_ms": 0.048, "latency_p50_ci_high_ms": 0.052}
    faster_bench = {**bench, "latency_p50_ms": 0.03, "latency_p50_ci_low_ms": 0.029, "latency_p50_ci_high_ms": 0.031}
    same_http = analysis.compression_behind_http(
        "base", sweep(p50=1.0), bench, "int8", sweep(p50=1.02), faster_bench, 1, 10.0
    )
    assert same_http.inprocess_p50.verdict == "lower"  # in process the compressed target is faster ...
    assert same_http.service_p50.verdict == "not resolved"  # ... behind HTTP the intervals overlap
    assert same_http.capacity.verdict == "not resolved"
    slower = analysis.compression_behind_http("base", sweep(p50=1.0), bench, "int8", sweep(p50=2.0), bench, 1, 10.0)
    assert slower.service_p50.verdict == "higher" and slower.service_p50.ratio == pytest.approx(2.0)


def test_load_steps_read_back_from_a_table(tmp_path):
    from compressbench.serve.summary import COMBINED_COLUMNS
    from compressbench.tables import write_tsv

    rows = [{name: getattr(s, name) for name in COMBINED_COLUMNS} for s in sweep()]
    rows[0]["p50_ci_low_ms"] = math.nan
    write_tsv(rows, tmp_path / "load.tsv", COMBINED_COLUMNS)
    steps = analysis.read_steps(tmp_path / "load.tsv")
    assert steps[1] == sweep()[1] and math.isnan(steps[0].p50_ci_low_ms)


def test_batcher_thread_stops(tmp_path):
    batcher = Batcher(lambda n: lambda images: images, 2, 0)
    batcher.start()
    batcher.stop()
    assert not any(thread.name == "inference" and thread.is_alive() for thread in threading.enumerate())


def test_a_run_with_batching_off_as_configured_is_analysed_as_such():
    steps = sweep(batching="off") + [step(phase="noop", batching="off", p50=0.25)]
    assert analysis.configured_batching(steps) == "off"
    assert analysis.time_split(steps).client_p50_ms == 1.0
    assert analysis.accounting(steps, 10.0).heaviest_offered_rps == 400.0
    assert analysis.configured_batching(sweep() + [step(phase="noop", p50=0.25)]) == "on"


def test_compression_verdicts_pair_each_served_target_with_its_base(tmp_path):
    from compressbench import paths
    from compressbench.serve.summary import COMBINED_COLUMNS
    from compressbench.tables import write_json, write_tsv

    bench = {"threads": 1, "latency_p50_ms": 0.05, "latency_p50_ci_low_ms": 0.04, "latency_p50_ci_high_ms": 0.06}
    for target, p50 in (("onnxruntime", 1.0), ("onnxruntime_int8", 3.0), ("openvino", 1.0)):
        rows = [{name: getattr(s, name) for name in COMBINED_COLUMNS} for s in sweep(p50=p50)]
        for pattern in (paths.SERVE["load"], paths.BENCH["summary"]):
            (tmp_path / paths.for_target(pattern, target)).parent.mkdir(parents=True, exist_ok=True)
        write_tsv(rows, tmp_path / paths.for_target(paths.SERVE["load"], target), COMBINED_COLUMNS)
        write_json({"threads": 1}, tmp_path / paths.for_target(paths.SERVE["summary"], target))
        write_json(bench, tmp_path / paths.for_target(paths.BENCH["summary"], target))
    served = [analysis.read_served(name, tmp_path) for name in ("onnxruntime", "onnxruntime_int8", "openvino")]
    (verdict,) = analysis.compression_verdicts(served, 10.0)
    assert (verdict.target, verdict.base) == ("onnxruntime_int8", "onnxruntime")
    assert verdict.service_p50.verdict == "higher" and verdict.inprocess_p50.verdict == "not resolved"

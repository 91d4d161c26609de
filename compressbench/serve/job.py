"""One serve job: one target, one repeat, fresh server processes, the load generator in this process.

The job pins itself (the generator) to the last usable CPU and each server to the others, with
the runtime on at most that many threads (on a 2-CPU machine: one CPU each, one runtime thread).
Per batching mode (the configured one, then batching off) it starts a server, then:

1. parity (first server of repeat 0 only: the served classes do not change between repeats):
   `parity_images` test images, one per request, several in flight so that batches mix them, classes
   compared with the evaluation's in-process predictions (results/eval/<target>/predictions.tsv);
2. the no-op endpoint (first server only): its closed-loop ceiling, then an open-loop step at the
   light-load rate (phase `noop`), the round trip without decoding or inference;
3. a closed-loop probe of the infer endpoint: the throughput `auto` rates are fractions of;
4. (first server only) one light-load step with the binary tensor extension (phase `binary`);
5. the sweep (phase `sweep`): one open-loop step per offered rate, lightest first;
6. recovery: after the heaviest step, a few requests one at a time must be answered again.

Outputs: load.tsv (one row per step, load.STEP_COLUMNS), requests.tsv (one row per request,
load.REQUEST_COLUMNS, with phase/batching/step) and run.json (CPUs, threads, probes, parity,
recovery, versions, settings).
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path

import numpy as np
import orjson

from ..tables import write_json, write_tsv
from . import load
from .client import ClientPool
from .process import ServerProcess, running_server, sigterm_as_interrupt
from .protocol import decode_infer_response, encode_infer_request
from .settings import BatchingSettings, ServeSettings

REQUEST_POOL = 64  # distinct test images the load cycles through
RECOVERY_REQUESTS = 20
TIMERS = {
    "latency": "client side, from the request's scheduled send time (Poisson schedule) to its response parsed "
    "(compressbench.serve.client on uvloop, its own CPU); percentiles over the answered (200) requests of a step; "
    "p99_sent_ms times the same requests from when the generator actually sent them",
    "parts": "server side (Server-Timing): decode = handler start to the batcher's queue (body read, JSON parse, "
    "checks); queue = waiting for a batch; inference = the batch's runtime call; encode = batch end to the response "
    "body (event-loop wake-up + serialization); load.tsv holds the medians over a step's answered requests",
    "noop": "the same request body to POST /noop: read, answered with a canned body of an infer response's size",
}


@dataclass
class ServerRun:
    rows: list[dict] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    facts: dict = field(default_factory=dict)


def job_data(dataset_path, spec, predictions_path, parity_images: int) -> dict:
    """The request pools (JSON and binary bodies of test images) and the parity images with the
    evaluation's predicted classes for them."""
    from ..data import load_dataset
    from ..preprocess import normalize
    from ..tables import read_tsv

    images = normalize(load_dataset(dataset_path, train=False).test_images, spec.mean, spec.std)
    predictions = read_tsv(predictions_path)
    if len(predictions) != len(images):
        raise ValueError(f"{predictions_path}: {len(predictions)} predictions for {len(images)} test images")
    count = min(parity_images, len(images))
    expected = np.array([int(row["prediction"]) for row in predictions[:count]], dtype=np.int64)
    return {
        "json": request_pool(images, binary=False),
        "binary": request_pool(images, binary=True),
        "parity_images": images[:count],
        "expected": expected,
    }


def split_cpus(cpus: list[int]) -> tuple[list[int], list[int]]:
    """(server CPUs, generator CPUs): the generator takes the last CPU, the server the others; a
    single CPU is shared (run.json says so: such numbers measure both together)."""
    cpus = sorted(cpus)
    return (cpus[:-1], cpus[-1:]) if len(cpus) > 1 else (cpus, cpus)


def request_pool(images: np.ndarray, binary: bool) -> list[tuple[bytes, dict]]:
    return [encode_infer_request(images[i : i + 1], binary=binary) for i in range(min(REQUEST_POOL, len(images)))]


def step_rates(settings: ServeSettings, probe_rps: float) -> list[float]:
    """The sweep's offered rates, lightest first: the configured ones, or fractions of the probe."""
    if settings.rates != "auto":
        return sorted(float(rate) for rate in settings.rates)
    if not probe_rps > 0:
        raise RuntimeError("the capacity probe answered no request: no rate to offer (see the server log)")
    return sorted(round(fraction * probe_rps, 1) for fraction in settings.auto_fractions)


async def _get_json(client: ClientPool, path: str) -> dict:
    response = await client.request(client.encode("GET", path))
    if response.status != 200:
        raise RuntimeError(f"GET {path}: status {response.status}: {response.body[:200]!r}")
    return orjson.loads(response.body)


async def parity_check(
    client: ClientPool, path: str, images: np.ndarray, expected: np.ndarray, timeout: float, concurrency: int
) -> dict:
    """Served classes of `images` (one per request, `concurrency` in flight, so batches mix them)
    against the in-process ones."""
    outcomes = np.zeros(len(images), dtype=np.int8)  # 1 agrees, 0 disagrees, -1 not answered
    pending = iter(range(len(images)))

    async def sender() -> None:
        for index in pending:
            body, headers = encode_infer_request(images[index][None])
            done = await load.exchange(client, client.encode("POST", path, body, headers), load.CLOCK(), timeout)
            if done.outcome != "ok":
                outcomes[index] = -1
                continue
            served = decode_infer_response(done.response.body, None).argmax(axis=1)[0]
            outcomes[index] = int(served == expected[index])

    await asyncio.gather(*(sender() for _ in range(min(concurrency, len(images)))))
    return {"images": len(images), "agree": int((outcomes == 1).sum()), "failed": int((outcomes == -1).sum())}


async def recovery_check(client: ClientPool, requests: list[bytes], timeout: float) -> dict:
    """Requests one at a time right after the heaviest step: the server must answer them again."""
    latencies = []
    for index in range(RECOVERY_REQUESTS):
        done = await load.exchange(client, requests[index % len(requests)], load.CLOCK(), timeout)
        if done.outcome == "ok":
            latencies.append((done.done - done.scheduled) * 1e3)
    return {
        "requests": RECOVERY_REQUESTS,
        "ok": len(latencies),
        "p50_ms": float(np.median(latencies)) if latencies else None,
        "max_ms": max(latencies, default=None),
    }


class Measurement:
    """The steps against one server, sharing its connections and the job's random stream."""

    def __init__(self, client: ClientPool, server: ServerProcess, settings: ServeSettings, run: ServerRun, label, rng):
        self.client, self.server, self.settings = client, server, settings
        self.run, self.label, self.rng = run, label, rng

    def requests(self, path: str, pool: list[tuple[bytes, dict]]) -> list[bytes]:
        """The pool's bodies as whole HTTP requests to `path`, encoded before any step."""
        return [self.client.encode("POST", path, body, headers) for body, headers in pool]

    async def step(self, phase: str, index: int, requests: list[bytes], rate: float) -> dict:
        cpu_before = (load.process_cpu_seconds(), load.process_cpu_seconds(self.server.pid))
        seconds = self.settings.step_seconds
        records = await load.open_loop(
            self.client, requests, rate, seconds, self.settings.request_timeout_seconds, self.rng
        )
        cpu = {
            "client_cpu": (load.process_cpu_seconds() - cpu_before[0]) / seconds,
            "server_cpu": (load.process_cpu_seconds(self.server.pid) - cpu_before[1]) / seconds,
        }
        labels = {"phase": phase, "batching": self.label, "step": index}
        row = {**labels, **load.step_row(records, rate, seconds, cpu)}
        self.run.rows.append(row)
        self.run.requests.extend({**labels, **asdict(record)} for record in records)
        print(
            f"{self.label} {phase} step {index}: offered {rate:.0f}/s, ok {row['ok']}/{row['sent']}, "
            f"rejected {row['rejected']}, p50 {row['p50_ms']:.2f} ms, p99 {row['p99_ms']:.2f} ms "
            f"(from the sends {row['p99_sent_ms']:.2f} ms, send lag p99 {row['send_lag_p99_ms']:.2f} ms)",
            flush=True,
        )
        return row

    async def probe(self, requests: list[bytes], concurrency: int) -> dict:
        settings = self.settings
        return await load.closed_loop(
            self.client, requests, concurrency, settings.probe_seconds, settings.request_timeout_seconds
        )


def probe_concurrency(batching: BatchingSettings) -> int:
    """Enough requests in flight to fill batches, never more than the server holds (no 503s)."""
    return min(batching.max_queue_size, max(4, 2 * batching.max_batch_size))


async def measure_server(
    server: ServerProcess, target: str, batching: BatchingSettings, settings, data, first: bool, parity: bool, rng
):
    """Every measurement against one running server (see the module's steps); `first`: the job's
    first server (the configured batching); `parity`: check the served classes here."""
    run = ServerRun(facts={"batching": batching.label(), **asdict(batching)})
    client = ClientPool(server.host, server.port, settings.client_connections)
    try:
        measure = Measurement(client, server, settings, run, batching.label(), rng)
        infer_path = f"/v2/models/{target}/infer"
        infer = measure.requests(infer_path, data["json"])
        run.facts["model"] = (await _get_json(client, f"/v2/models/{target}"))["parameters"]
        timeout = settings.request_timeout_seconds
        if parity and len(data["parity_images"]):
            run.facts["parity"] = await parity_check(
                client, infer_path, data["parity_images"], data["expected"], timeout, probe_concurrency(batching)
            )
        if first:
            noop = measure.requests("/noop", data["json"])
            run.facts["noop_ceiling"] = await measure.probe(noop, batching.max_queue_size)
        run.facts["probe"] = await measure.probe(infer, probe_concurrency(batching))
        rates = step_rates(settings, run.facts["probe"]["ok_rps"])
        if first:
            await measure.step("noop", 0, noop, rates[0])
            await measure.step("binary", 0, measure.requests(infer_path, data["binary"]), rates[0])
        for index, rate in enumerate(rates):
            await measure.step("sweep", index, infer, rate)
        run.facts["recovery"] = await recovery_check(client, infer, timeout)
    finally:
        client.close()
    return run


def server_args(target: str, run_dir: Path, threads: int, options: dict, batching: BatchingSettings, cpus) -> list[str]:
    return [
        "--target", target, "--run-dir", str(run_dir), f"--threads={threads}",
        "--runtime-options", json.dumps(options), *batching.cli_args(), "--cpus", ",".join(map(str, cpus)),
    ]  # fmt: skip


def versions() -> dict:
    return {name: version(name) for name in ("starlette", "uvicorn", "uvloop", "httptools", "orjson")}


def serve_job(
    target, run_dir: Path, data: dict, settings: ServeSettings, options: dict, outputs, server_log: Path, repeat: int
):
    """Measure `target` (a TargetSpec) served from run_dir; `data`: the request pools (json, binary)
    and the parity images with their expected classes. Writes outputs load/requests/run."""
    import uvloop

    from ..machine import host_fields

    server_cpus, client_cpus = split_cpus(sorted(os.sched_getaffinity(0)))
    threads = min(settings.threads, len(server_cpus))
    os.sched_setaffinity(0, set(client_cpus))
    rng = np.random.default_rng(repeat)
    runs = []
    with sigterm_as_interrupt():
        for index, batching in enumerate(settings.batching_modes()):
            args = server_args(target.name, run_dir, threads, options, batching, server_cpus)
            with running_server(args, server_log) as server:
                with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                    first = index == 0
                    measured = measure_server(
                        server, target.name, batching, settings, data, first, first and repeat == 0, rng
                    )
                    runs.append(runner.run(measured))
    facts = {
        "target": target.name,
        "runtime": target.runtime,
        "repeat": repeat,
        "cpus": {"server": server_cpus, "client": client_cpus, "separate": server_cpus != client_cpus},
        "threads_configured": settings.threads,
        "threads": runs[0].facts["model"]["threads"],
        "precision": runs[0].facts["model"]["precision"],
        "servers": [run.facts for run in runs],
        "versions": versions(),
        "timers": TIMERS,
        "settings": asdict(settings),
        **host_fields(),
    }
    write_tsv([row for run in runs for row in run.rows], outputs["load"], load.STEP_COLUMNS)
    requests_columns = ["phase", "batching", "step", *load.REQUEST_COLUMNS]
    write_tsv([row for run in runs for row in run.requests], outputs["requests"], requests_columns)
    write_json(facts, outputs["run"])
    return facts

"""An open-loop load generator that measures the server, not itself.

Arrivals are a Poisson process at the offered rate, fixed before the step starts; each request is
sent at its scheduled time whether or not earlier ones were answered, and its latency runs from
that scheduled time to the end of its response. A stalled server (or a stalled generator) then
shows in the latencies instead of silently lowering the rate (coordinated omission). Every request
ends as exactly one of ok (200), rejected (503), error (another status or a connection failure) or
timeout (no answer within request_timeout_seconds of its scheduled time).

Why not a load tool: locust (the maintained Python one) runs closed-loop users: a user waits for
its response before its next task, and its pacing (`constant_throughput`) paces users, not
arrivals, so a slow server lowers the offered rate; it times from the actual send. wrk2, vegeta and
k6 schedule open-loop but are not Python packages here, and would not return the server's
Server-Timing split per request. So: uvloop and a lean HTTP/1.1 client (client.py: pre-encoded
requests, httptools' parser), about 300 lines with it.

The generator's own lateness is measured too (send lag: when its loop got to a request minus the
request's scheduled time), with the p99 of the latencies timed from those actual sends
(`p99_sent_ms`), the p99 of the time from those sends to the server's handler (`inbound_p99_ms`:
the kernel and the server's event loop, in front of its bounded queue; server and generator share
CLOCK_MONOTONIC on one host) and the CPU it and the server used, so that a step whose SLO verdict
the generator decided is told from one the server decided (compressbench.serve.analysis).
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from dataclasses import dataclass, fields

import numpy as np

from .client import ClientPool, Response

OUTCOMES = ("ok", "rejected", "error", "timeout")
PARTS = ("decode", "queue", "inference", "encode")
# asyncio timers fire on whole milliseconds (epoll / libuv): the last millisecond before a
# scheduled send is spent yielding to the loop, so sends are not up to 1 ms late.
SPIN_SECONDS = 0.001
# CLOCK_MONOTONIC on Linux, system-wide: the server's Inference-Handler-Start-Ns is on the same clock
CLOCK = time.monotonic
STEP_COLUMNS = [
    "phase", "batching", "step", "offered_rps", "seconds", "achieved_rps", "sent", "ok", "rejected", "errors",
    "timeouts", "p50_ms", "p90_ms", "p99_ms", "max_ms", *(f"{part}_ms" for part in PARTS), "server_ms",
    "server_p99_ms", "batch_mean", "send_lag_p99_ms", "p99_sent_ms", "inbound_p99_ms", "client_cpu", "server_cpu",
]  # fmt: skip


@dataclass
class RequestRecord:
    """One request of a step: times in ms from the step's start (scheduled) or its own schedule."""

    scheduled_ms: float
    send_lag_ms: float
    latency_ms: float
    outcome: str
    status: int
    decode_ms: float = math.nan
    queue_ms: float = math.nan
    inference_ms: float = math.nan
    encode_ms: float = math.nan
    batch: int = 0
    inbound_ms: float = math.nan  # from the actual send to the server's handler (kernel, server's event loop)


REQUEST_COLUMNS = [field.name for field in fields(RequestRecord)]


def poisson_offsets(rate: float, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Send times (s from the step's start) of a Poisson process at `rate` per second within `seconds`."""
    if rate <= 0 or seconds <= 0:
        raise ValueError(f"rate={rate}, seconds={seconds}: both must be positive")
    expected = rate * seconds
    gaps = rng.exponential(1.0 / rate, size=int(expected + 10 * math.sqrt(expected) + 10))
    offsets = np.cumsum(gaps)
    while offsets[-1] < seconds:  # (vanishingly rare) more arrivals than the draw held
        offsets = np.concatenate([offsets, offsets[-1] + np.cumsum(rng.exponential(1.0 / rate, size=len(gaps)))])
    return offsets[offsets < seconds]


def parse_server_timing(header: str | None) -> dict[str, float]:
    """`decode;dur=0.1, queue;dur=0.2` -> {"decode": 0.1, "queue": 0.2} (ms); {} without a header."""
    parts = {}
    for metric in (header or "").split(","):
        name, _, params = metric.strip().partition(";")
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "dur" and name:
                parts[name] = float(value)
    return parts


def outcome_of(status: int) -> str:
    return "ok" if status == 200 else "rejected" if status == 503 else "error"


@dataclass(slots=True)
class Exchange:
    """One request as the step's loop saw it (CLOCK seconds); turned into a RequestRecord after the
    step, so the loop does no more than send, receive and stamp."""

    scheduled: float
    sent: float  # when the loop got to it: later than scheduled when the generator was late
    done: float
    outcome: str
    response: Response | None

    def record(self, step_start: float) -> RequestRecord:
        response = self.response
        timing = parse_server_timing(response.server_timing.decode()) if response and response.server_timing else {}
        return RequestRecord(
            scheduled_ms=(self.scheduled - step_start) * 1e3,
            send_lag_ms=(self.sent - self.scheduled) * 1e3,
            latency_ms=(self.done - self.scheduled) * 1e3,
            outcome=self.outcome,
            status=response.status if response else 0,
            batch=int(response.batch) if response and response.batch else 0,
            **{f"{part}_ms": timing.get(part, math.nan) for part in PARTS},
            inbound_ms=int(response.handler_start) / 1e6 - self.sent * 1e3
            if response and response.handler_start
            else math.nan,
        )


async def exchange(client: ClientPool, request: bytes, scheduled: float, timeout: float) -> Exchange:
    """One request (pre-encoded bytes), timed from `scheduled`; ends as exactly one outcome."""
    sent = CLOCK()
    response = None
    try:
        async with asyncio.timeout(scheduled + timeout - sent):
            response = await client.request(request)
        outcome = outcome_of(response.status)
    except TimeoutError:
        outcome = "timeout"
    except OSError:  # ConnectionError included: refused, reset, unparsable
        outcome = "error"
    return Exchange(scheduled, sent, CLOCK(), outcome, response)


async def _until(moment: float) -> None:
    while (left := moment - CLOCK()) > 0:
        await asyncio.sleep(left - SPIN_SECONDS if left > SPIN_SECONDS else 0)


async def open_loop(client: ClientPool, requests: list[bytes], rate: float, seconds: float, timeout: float, rng):
    """A step of Poisson arrivals; waits for every request to end (answered or timed out)."""
    offsets = poisson_offsets(rate, seconds, rng)
    start = CLOCK() + 0.01
    tasks = []
    loop = asyncio.get_running_loop()
    for index, offset in enumerate(offsets):
        scheduled = start + offset
        await _until(scheduled)
        tasks.append(loop.create_task(exchange(client, requests[index % len(requests)], scheduled, timeout)))
    return [done.record(start) for done in await asyncio.gather(*tasks)]


async def closed_loop(
    client: ClientPool, requests: list[bytes], concurrency: int, seconds: float, timeout: float
) -> dict:
    """`concurrency` senders, each sending its next request when the last is answered: the most a
    server (or the generator) can do, used to place the open-loop steps and find the ceiling."""
    counts = dict.fromkeys(OUTCOMES, 0)
    start = CLOCK()
    deadline = start + seconds

    async def sender(index: int) -> None:
        while CLOCK() < deadline:
            done = await exchange(client, requests[index % len(requests)], CLOCK(), timeout)
            counts[done.outcome] += 1
            index += concurrency

    await asyncio.gather(*(sender(k) for k in range(concurrency)))
    elapsed = CLOCK() - start
    return {
        "concurrency": concurrency,
        "seconds": elapsed,
        "sent": sum(counts.values()),
        **counts,
        "ok_rps": counts["ok"] / elapsed,
    }


def process_cpu_seconds(pid: int | None = None) -> float:
    """CPU seconds (user + system) a process used so far: this one without a pid, else from /proc."""
    if pid is None:
        return time.process_time()
    fields_ = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields_[11]) + int(fields_[12])) / os.sysconf("SC_CLK_TCK")


def _percentiles(values: np.ndarray) -> dict:
    if len(values) == 0:
        return {"p50_ms": math.nan, "p90_ms": math.nan, "p99_ms": math.nan, "max_ms": math.nan}
    p50, p90, p99 = np.percentile(values, [50, 90, 99])
    return {"p50_ms": float(p50), "p90_ms": float(p90), "p99_ms": float(p99), "max_ms": float(values.max())}


def _median(values) -> float:
    present = np.array([v for v in values if not math.isnan(v)])
    return float(np.median(present)) if len(present) else math.nan


def _p99(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(np.percentile(values, 99)) if len(values) else math.nan


def step_row(records: list[RequestRecord], offered_rps: float, seconds: float, cpu: dict | None = None) -> dict:
    """A load.tsv row of one step: accounting, latency percentiles of the answered requests (from
    their scheduled times, and their p99 from the actual sends), medians of the server's split and
    the p99 of its sum, the generator's lateness."""
    counts = {outcome: sum(r.outcome == outcome for r in records) for outcome in OUTCOMES}
    ok = [r for r in records if r.outcome == "ok"]
    parts = {f"{part}_ms": _median([getattr(r, f"{part}_ms") for r in ok]) for part in PARTS}
    server = [sum(getattr(r, f"{part}_ms") for part in PARTS) for r in ok]
    return {
        "offered_rps": offered_rps,
        "seconds": seconds,
        "achieved_rps": counts["ok"] / seconds,
        "sent": len(records),
        "ok": counts["ok"],
        "rejected": counts["rejected"],
        "errors": counts["error"],
        "timeouts": counts["timeout"],
        **_percentiles(np.array([r.latency_ms for r in ok])),
        **parts,
        "server_ms": _median(server),
        "server_p99_ms": _p99([value for value in server if not math.isnan(value)]),
        "batch_mean": float(np.mean(batches)) if (batches := [r.batch for r in ok if r.batch]) else math.nan,
        "send_lag_p99_ms": _p99([r.send_lag_ms for r in records]),
        "p99_sent_ms": _p99([r.latency_ms - r.send_lag_ms for r in ok]),
        "inbound_p99_ms": _p99([r.inbound_ms for r in ok if not math.isnan(r.inbound_ms)]),
        **(cpu or {"client_cpu": math.nan, "server_cpu": math.nan}),
    }


def accounted(row: dict) -> bool:
    """Every request sent ended as exactly one outcome."""
    return int(row["sent"]) == sum(int(row[key]) for key in ("ok", "rejected", "errors", "timeouts"))

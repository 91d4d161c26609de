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
Server-Timing split per request. So: aiohttp on uvloop, about 200 lines.

The generator's lateness is measured too (send_lag: actual send minus scheduled time) beside the CPU
it and the server used, so a saturated client is told from a saturated server.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from dataclasses import dataclass, fields

import numpy as np

OUTCOMES = ("ok", "rejected", "error", "timeout")
PARTS = ("decode", "queue", "inference", "encode")
# asyncio timers fire on whole milliseconds (epoll / libuv): the last millisecond before a
# scheduled send is spent yielding to the loop, so sends are not up to 1 ms late.
SPIN_SECONDS = 0.001
CLOCK = time.perf_counter
STEP_COLUMNS = [
    "phase", "batching", "step", "offered_rps", "seconds", "achieved_rps", "sent", "ok", "rejected", "errors",
    "timeouts", "p50_ms", "p90_ms", "p99_ms", "max_ms", *(f"{part}_ms" for part in PARTS), "server_ms",
    "batch_mean", "send_lag_p99_ms", "client_cpu", "server_cpu",
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


async def send_one(session, url: str, request: tuple[bytes, dict], scheduled: float, step_start: float, timeout: float):
    """One POST, timed from `scheduled` (CLOCK seconds); returns (RequestRecord, response body)."""
    import aiohttp

    body, headers = request
    sent = CLOCK()
    status, content, timing, batch = 0, b"", {}, 0
    try:
        async with asyncio.timeout(scheduled + timeout - sent):
            async with session.post(url, data=body, headers=headers) as response:
                content = await response.read()
                status = response.status
                timing = parse_server_timing(response.headers.get("server-timing"))
                batch = int(response.headers.get("inference-batch-size", 0))
        outcome = outcome_of(status)
    except TimeoutError:
        outcome = "timeout"
    except (aiohttp.ClientError, OSError):
        outcome = "error"
    done = CLOCK()
    record = RequestRecord(
        scheduled_ms=(scheduled - step_start) * 1e3,
        send_lag_ms=(sent - scheduled) * 1e3,
        latency_ms=(done - scheduled) * 1e3,
        outcome=outcome,
        status=status,
        batch=batch,
        **{f"{part}_ms": timing.get(part, math.nan) for part in PARTS},
    )
    return record, content


async def _until(moment: float) -> None:
    while (left := moment - CLOCK()) > 0:
        await asyncio.sleep(left - SPIN_SECONDS if left > SPIN_SECONDS else 0)


async def open_loop(
    session, url: str, requests: list, rate: float, seconds: float, timeout: float, rng
) -> list[RequestRecord]:
    """A step of Poisson arrivals; waits for every request to end (answered or timed out)."""
    offsets = poisson_offsets(rate, seconds, rng)
    start = CLOCK() + 0.01
    tasks = []
    for index, offset in enumerate(offsets):
        scheduled = start + offset
        await _until(scheduled)
        request = requests[index % len(requests)]
        tasks.append(asyncio.create_task(send_one(session, url, request, scheduled, start, timeout)))
    return [record for record, _ in await asyncio.gather(*tasks)]


async def closed_loop(session, url: str, requests: list, concurrency: int, seconds: float, timeout: float) -> dict:
    """`concurrency` senders, each sending its next request when the last is answered: the most a
    server (or the generator) can do, used to place the open-loop steps and find the ceiling."""
    counts = dict.fromkeys(OUTCOMES, 0)
    start = CLOCK()
    deadline = start + seconds

    async def sender(index: int) -> None:
        while CLOCK() < deadline:
            now = CLOCK()
            record, _ = await send_one(session, url, requests[index % len(requests)], now, start, timeout)
            counts[record.outcome] += 1
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


def step_row(records: list[RequestRecord], offered_rps: float, seconds: float, cpu: dict | None = None) -> dict:
    """A load.tsv row of one step: accounting, latency percentiles of the answered requests (from
    their scheduled times), medians of the server's split, the generator's lateness."""
    counts = {outcome: sum(r.outcome == outcome for r in records) for outcome in OUTCOMES}
    ok = [r for r in records if r.outcome == "ok"]
    parts = {f"{part}_ms": _median([getattr(r, f"{part}_ms") for r in ok]) for part in PARTS}
    server = [sum(getattr(r, f"{part}_ms") for part in PARTS) for r in ok]
    lags = np.array([r.send_lag_ms for r in records])
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
        "batch_mean": float(np.mean(batches)) if (batches := [r.batch for r in ok if r.batch]) else math.nan,
        "send_lag_p99_ms": float(np.percentile(lags, 99)) if len(lags) else math.nan,
        **(cpu or {"client_cpu": math.nan, "server_cpu": math.nan}),
    }


def accounted(row: dict) -> bool:
    """Every request sent ended as exactly one outcome."""
    return int(row["sent"]) == sum(int(row[key]) for key in ("ok", "rejected", "errors", "timeouts"))

"""Dynamic batching on one inference thread, as Triton's dynamic batcher does it.

The event loop hands each decoded request to `Batcher.submit`; the inference thread takes the
oldest request, then keeps taking queued ones while the batch holds at most `max_batch_size`
images and until `max_queue_delay_us` has passed since that oldest request arrived (0: only what
is already queued), runs the batch in one call and hands each request its rows of the logits,
with the times it waited and ran. `max_batch_size` 1 is batching off.

Runtimes release the GIL while they compute, so the event loop keeps decoding the next requests
meanwhile; the thread's predict functions are compiled for every batch size before serving
(`ServedModel.warm_up`), so no request pays a compilation.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

_STOP = object()


@dataclass
class BatchTiming:
    """perf_counter_ns stamps of one request in the batcher, and its batch's size in images."""

    enqueued_ns: int
    started_ns: int = 0
    finished_ns: int = 0
    batch_images: int = 0


@dataclass
class _Pending:
    images: np.ndarray
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop
    timing: BatchTiming = field(default_factory=lambda: BatchTiming(time.perf_counter_ns()))


def _resolve(future: asyncio.Future, result, error: BaseException | None) -> None:
    if future.cancelled():  # the client went away
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Batcher:
    """`predict(batch_size)` returns the function that maps (n, C, H, W) images to logits."""

    def __init__(self, predict: Callable[[int], Callable], max_batch_size: int, max_queue_delay_us: int):
        if max_batch_size < 1 or max_queue_delay_us < 0:
            raise ValueError(f"max_batch_size={max_batch_size} (>= 1), max_queue_delay_us={max_queue_delay_us} (>= 0)")
        self.predict = predict
        self.max_batch_size = max_batch_size
        self.delay_ns = max_queue_delay_us * 1000
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._held: _Pending | None = None  # taken but did not fit the last batch: first of the next
        self._thread = threading.Thread(target=self._run, name="inference", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()

    def submit(self, images: np.ndarray) -> asyncio.Future:
        """A future of (logits, BatchTiming) for images of at most max_batch_size rows."""
        loop = asyncio.get_running_loop()
        pending = _Pending(images, loop.create_future(), loop)
        self._queue.put(pending)
        return pending.future

    def _next_batch(self) -> list[_Pending] | None:
        first = self._held if self._held is not None else self._queue.get()
        self._held = None
        if first is _STOP:
            return None
        batch, count = [first], len(first.images)
        deadline = first.timing.enqueued_ns + self.delay_ns
        while count < self.max_batch_size:
            remaining = (deadline - time.perf_counter_ns()) / 1e9
            try:
                item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP or count + len(item.images) > self.max_batch_size:
                self._held = item
                break
            batch.append(item)
            count += len(item.images)
        return batch

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            self._run_batch(batch)

    def _run_batch(self, batch: list[_Pending]) -> None:
        images = batch[0].images if len(batch) == 1 else np.concatenate([p.images for p in batch])
        started = time.perf_counter_ns()
        try:
            logits = np.array(self.predict(len(images))(images), copy=True)  # runtimes may reuse their buffer
            error = None
        except Exception as failure:  # a runtime error answers every request of the batch
            logits, error = None, failure
        finished = time.perf_counter_ns()
        row = 0
        for pending in batch:
            rows = len(pending.images)
            timing = pending.timing
            timing.started_ns, timing.finished_ns, timing.batch_images = started, finished, len(images)
            result = None if error else (logits[row : row + rows], timing)
            pending.loop.call_soon_threadsafe(_resolve, pending.future, result, error)
            row += rows

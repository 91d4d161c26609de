"""Whether the CPUs run in parallel at full speed right now: a probe taken around each timed window.

On a shared VM the host may place two of the guest's CPUs on one physical core (or otherwise give
them less than their own share) for seconds to minutes, and nothing inside the guest reports it:
steal time stays 0. Multi-threaded inference then slows (batch-1 latency on two threads by about
1.5x, measured), while one thread does not move. The probe measures it directly: one worker thread
pinned on each CPU times a fixed native workload alone, then all workers run it at once.
The parallel efficiency is the mean over CPUs of (time alone / time together): 1.0 when the CPUs
are independent, lower when they share a core or the host's time.

A timed window is in state FULL when the probes before and after it both read at least
FULL_EFFICIENCY, REDUCED when both read less, CHANGED when they disagree (the state changed during
the window), UNMEASURED when a probe could not run (a worker could not be pinned on its CPU). The
states are kept beside each round's figures (compressbench.repeats) and reported; they do not
select rounds: in six runs on a shared VM, figures over the FULL rounds alone were less reproducible
than figures over every round, because the probe tells the states apart only in part.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence

import numpy as np

FULL = "full"
REDUCED = "reduced"
CHANGED = "changed"
UNMEASURED = "unmeasured"
MEASURED = (FULL, REDUCED, CHANGED)
# Calibrated in the benchmark jobs of a 2-vCPU VM (216 batch-1 latency windows of six runs, each
# window's lower probe): windows whose latency was in the slow state (1.5-1.7x) read 0.50-0.91, median
# 0.80; the others 0.60-0.99, median 0.92. At 0.9, 1 of the 79 windows called FULL was slow.
FULL_EFFICIENCY = 0.9
# one unit: np.exp over an L2-resident array, native code with the GIL released (a few 100 us)
_ELEMENTS = 16384
_CALLS = 40
_REPS = 7  # each timing is the median of seven (alone and together alternate)
# before a probe: a runtime's worker threads may still spin for a few ms after its last call
_SETTLE_SECONDS = 0.02
# a unit takes a few ms: a worker silent this long is stuck, and the probe gives up rather than the job
_WAIT_SECONDS = 10.0
PROBE_DESCRIPTION = (
    "parallel efficiency: one thread pinned on each CPU times a fixed native workload alone, then all at "
    "once; the mean over CPUs of (time alone / time together), 1.0 for independent CPUs; taken before and "
    f"after each timed window, which is at full parallel speed when both read at least {FULL_EFFICIENCY}"
)


def window_state(before: float | None, after: float | None) -> str:
    """The state of a timed window from the probes taken before and after it (None: not measured)."""
    if before is None or after is None:
        return UNMEASURED
    full = [value >= FULL_EFFICIENCY for value in (before, after)]
    if all(full):
        return FULL
    return REDUCED if not any(full) else CHANGED


def window_states(efficiencies: Sequence[float | None]) -> list[str]:
    """The states of the windows between consecutive probes."""
    return [window_state(a, b) for a, b in zip(efficiencies, efficiencies[1:], strict=False)]


class ParallelProbe:
    """One idle worker thread pinned on each CPU this process may use; `efficiency()` times the workload.

    Use as a context manager: the workers wait on events between probes (no CPU time) and exit on close.
    `failure` says why the probe could not run (a worker not pinned, or stuck); efficiency() is then None.
    """

    def __init__(self, cpus: Sequence[int] | None = None):
        self.cpus = sorted(cpus if cpus is not None else os.sched_getaffinity(0))
        self._start = [threading.Event() for _ in self.cpus]
        self._done = [threading.Event() for _ in self.cpus]
        self._pinned = [threading.Event() for _ in self.cpus]  # set once the worker tried to pin itself
        self._nanoseconds = [0] * len(self.cpus)
        self._closing = False
        self.failure: str | None = None
        self._workers = [
            threading.Thread(target=self._work, args=(index,), daemon=True, name=f"cpu-probe-{cpu}")
            for index, cpu in enumerate(self.cpus)
        ]
        if len(self.cpus) > 1:
            for worker in self._workers:
                worker.start()

    def _work(self, index: int) -> None:
        try:
            os.sched_setaffinity(0, {self.cpus[index]})  # this thread only
        except OSError as error:  # the CPU left this process's cpuset since the probe listed it
            self.failure = f"cannot pin a probe thread on CPU {self.cpus[index]}: {error}"
            return
        finally:
            self._pinned[index].set()
        values = np.linspace(0.0, 1.0, _ELEMENTS)
        out = np.empty_like(values)
        while True:
            self._start[index].wait()
            self._start[index].clear()
            if self._closing:
                return
            started = time.perf_counter_ns()
            self._unit(values, out)
            self._nanoseconds[index] = time.perf_counter_ns() - started
            self._done[index].set()

    @staticmethod
    def _unit(values: np.ndarray, out: np.ndarray) -> None:
        for _ in range(_CALLS):
            np.exp(values, out=out)

    def _run(self, indices: Sequence[int]) -> list[int]:
        for index in indices:
            self._done[index].clear()
            self._start[index].set()
        for index in indices:
            if not self._done[index].wait(_WAIT_SECONDS):
                raise TimeoutError(
                    f"the probe thread on CPU {self.cpus[index]} did not answer in {_WAIT_SECONDS:.0f} s"
                )
        return [self._nanoseconds[index] for index in indices]

    def efficiency(self) -> float | None:
        """Mean over CPUs of (median time alone / median time together): 1.0 with one CPU, where alone is
        together; None when the probe cannot run (`failure` says why)."""
        if len(self.cpus) < 2:
            return 1.0
        if not all(pinned.wait(_WAIT_SECONDS) for pinned in self._pinned):
            self.failure = f"the probe threads were not pinned in {_WAIT_SECONDS:.0f} s"
        if self.failure:
            return None
        everyone = range(len(self.cpus))
        time.sleep(_SETTLE_SECONDS)
        alone, together = [], []
        try:
            for _ in range(_REPS):
                alone.append([self._run([index])[0] for index in everyone])
                together.append(self._run(everyone))
        except TimeoutError as error:
            self.failure = str(error)
            return None
        ratios = np.median(np.array(alone), axis=0) / np.median(np.array(together), axis=0)
        return round(float(ratios.mean()), 4)

    def close(self) -> None:
        self._closing = True
        for index, worker in enumerate(self._workers):
            if worker.is_alive():
                self._start[index].set()
                worker.join(_WAIT_SECONDS)

    def __enter__(self) -> ParallelProbe:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

"""The parallel-speed probe: window states from its readings, and the probe on this machine's CPUs."""

from __future__ import annotations

import os
import threading
import time

import pytest

from compressbench import cpu_probe
from compressbench.cpu_probe import (
    CHANGED,
    FULL,
    FULL_EFFICIENCY,
    REDUCED,
    UNMEASURED,
    ParallelProbe,
    window_state,
    window_states,
)


def test_a_window_is_full_only_when_the_probes_on_both_sides_read_full():
    high, low = FULL_EFFICIENCY + 0.1, FULL_EFFICIENCY - 0.1
    assert window_state(high, FULL_EFFICIENCY) == FULL
    assert window_state(low, low) == REDUCED
    assert window_state(high, low) == CHANGED and window_state(low, high) == CHANGED
    assert window_state(None, high) == UNMEASURED and window_state(high, None) == UNMEASURED
    assert window_states([high, high, low]) == [FULL, CHANGED]


def test_the_probe_reads_an_efficiency_and_leaves_no_thread_behind():
    before = threading.active_count()
    with ParallelProbe() as probe:
        efficiency = probe.efficiency()
        assert probe.efficiency() is not None or len(os.sched_getaffinity(0)) == 1
    assert threading.active_count() == before
    if len(os.sched_getaffinity(0)) > 1:
        # alone / together: 1.0 for independent CPUs, lower when they share; never far above 1
        assert 0.2 < efficiency < 1.5


def test_with_one_cpu_alone_is_together():
    cpu = min(os.sched_getaffinity(0))
    with ParallelProbe([cpu]) as probe:
        assert probe.efficiency() == 1.0 and probe.failure is None
    assert os.sched_getaffinity(0)  # the caller's own affinity is untouched


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_the_probe_pins_its_workers_not_the_caller():
    mine = os.sched_getaffinity(0)
    with ParallelProbe() as probe:
        probe.efficiency()
        assert os.sched_getaffinity(0) == mine


def test_a_worker_that_cannot_pin_itself_leaves_the_probe_unmeasured_not_hanging(monkeypatch):
    """A CPU taken from the process's cpuset after the probe listed it: the job goes on, unprobed."""
    real = os.sched_setaffinity
    cpus = sorted(os.sched_getaffinity(0))

    def refuse_the_last(pid, mask):
        if pid == 0 and mask == {cpus[-1]} and threading.current_thread().name.startswith("cpu-probe"):
            raise OSError(22, "Invalid argument")
        return real(pid, mask)

    monkeypatch.setattr(cpu_probe.os, "sched_setaffinity", refuse_the_last)
    with ParallelProbe([cpus[0], cpus[-1]] if len(cpus) > 1 else [cpus[0], cpus[0] + 1]) as probe:
        assert probe.efficiency() is None
        assert "cannot pin" in probe.failure
    assert window_states([None, None]) == [UNMEASURED]


def test_a_worker_that_does_not_answer_leaves_the_probe_unmeasured(monkeypatch):
    monkeypatch.setattr(cpu_probe, "_WAIT_SECONDS", 0.05)
    monkeypatch.setattr(ParallelProbe, "_unit", staticmethod(lambda values, out: time.sleep(0.3)))
    cpus = sorted(os.sched_getaffinity(0))
    before = threading.active_count()
    with ParallelProbe([cpus[0], cpus[-1]] if len(cpus) > 1 else [cpus[0], cpus[0]]) as probe:
        assert probe.efficiency() is None
        assert "did not answer" in probe.failure
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)  # the stuck unit ends, then its worker sees the close
    assert threading.active_count() == before

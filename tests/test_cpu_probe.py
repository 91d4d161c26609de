"""The parallel-speed probe: window states from its readings, and the probe on this machine's CPUs."""

from __future__ import annotations

import os
import threading

import pytest

from compressbench.cpu_probe import CHANGED, FULL, FULL_EFFICIENCY, REDUCED, ParallelProbe, window_state, window_states


def test_a_window_is_full_only_when_the_probes_on_both_sides_read_full():
    high, low = FULL_EFFICIENCY + 0.1, FULL_EFFICIENCY - 0.1
    assert window_state(high, FULL_EFFICIENCY) == FULL
    assert window_state(low, low) == REDUCED
    assert window_state(high, low) == CHANGED and window_state(low, high) == CHANGED
    assert window_state(None, None) == FULL  # one CPU: nothing to share
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


def test_with_one_cpu_there_is_nothing_to_probe():
    cpu = min(os.sched_getaffinity(0))
    with ParallelProbe([cpu]) as probe:
        assert probe.efficiency() is None
    assert os.sched_getaffinity(0)  # the caller's own affinity is untouched


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_the_probe_pins_its_workers_not_the_caller():
    mine = os.sched_getaffinity(0)
    with ParallelProbe() as probe:
        probe.efficiency()
        assert os.sched_getaffinity(0) == mine

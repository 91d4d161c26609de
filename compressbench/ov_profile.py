"""OpenVINO's per-layer performance counters (PERF_COUNT), per call.

With PERF_COUNT on, an infer request keeps each layer of the compiled graph with its status
(EXECUTED, or NOT_RUN for a layer fused into another), its layer type, the primitive that ran
(``exec_type``, e.g. ``brgconv_avx512_I8``: the implementation, the instruction set and the
precision it executed in) and its time in the request's last inference, in whole microseconds.
Reading them after every call and averaging gives sub-microsecond means. The layers are those of
the compiled graph: the Reorder and Convert layers the CPU plugin added appear by themselves.
"""

from __future__ import annotations

import time

import numpy as np

from .opprofile import CallLimit, LayerTime, ProfiledCall
from .runtimes.options import precision_name

EXECUTED = "EXECUTED"


def exec_precision(exec_type: str) -> str:
    """The precision in an exec type's last part (``jit_avx512_I8`` -> int8, ``ref_any_FP32``
    -> f32); "" when it names none (``undef``)."""
    try:
        return precision_name(exec_type.rsplit("_", 1)[-1])
    except ValueError:
        return ""


def layers_from_counters(counters) -> tuple[LayerTime, ...]:
    """The executed layers of one call from request.get_profiling_info() (ov.ProfilingInfo items)."""
    return tuple(
        LayerTime(
            info.node_name,
            info.node_type,
            exec_precision(info.exec_type),
            info.exec_type,
            info.real_time.total_seconds() * 1e6,
        )
        for info in counters
        if str(info.status).rsplit(".", 1)[-1] == EXECUTED
    )


def profiled_request_calls(request, write_input, batches: list[np.ndarray], limit: CallLimit) -> list[ProfiledCall]:
    """Profiled calls of an infer request compiled with PERF_COUNT: `write_input(batch)` puts a
    batch into the request as the tuned predict does; the counters are read after each call,
    outside the call's own time."""
    calls: list[ProfiledCall] = []

    def call(batch):
        started = time.perf_counter_ns()
        write_input(batch)
        request.infer()
        us = (time.perf_counter_ns() - started) / 1000.0
        calls.append(ProfiledCall(us, layers_from_counters(request.get_profiling_info())))

    timed = limit.run(call, batches)
    return calls[-len(timed) :]

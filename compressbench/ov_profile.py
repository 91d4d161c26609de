"""OpenVINO's per-layer performance counters (PERF_COUNT), per call.

With PERF_COUNT on, an infer request keeps each layer of the compiled graph with its status
(EXECUTED, or NOT_RUN), its layer type, the primitive that ran (``exec_type``, e.g.
``brgconv_avx512_I8``: the implementation, the instruction set and the precision it executed in)
and its time in the request's last inference, in whole microseconds. NOT_RUN means no whole
microsecond was counted: a layer fused into another (exec type ``undef``), one that does nothing
(``unknown_*``: an input, a reshape in place), or one that ran in under a microsecond, which keeps
its primitive (LeNet-5's last MaxPool reads EXECUTED, 1 us, in some calls and NOT_RUN, 0, in the
others; its INT8 classifier snippet reads NOT_RUN in every call at batch 1). Those are kept at 0 us,
so a fast layer is not left out of the profile. Reading the counters after every call and averaging
gives sub-microsecond means. The layers are those of the compiled graph: the Reorder and Convert
layers the CPU plugin added appear by themselves.
"""

from __future__ import annotations

import time

import numpy as np

from .opprofile import CallLimit, LayerTime, ProfiledCall
from .runtimes.options import precision_name

EXECUTED = "EXECUTED"
NO_PRIMITIVE = ("undef", "unknown")  # exec types of a fused layer and of one that does nothing


def ran(status, exec_type: str) -> bool:
    """Whether a counter's layer ran: EXECUTED, or NOT_RUN with a primitive of its own (under 1 us)."""
    return str(status).rsplit(".", 1)[-1] == EXECUTED or not exec_type.startswith(NO_PRIMITIVE)


def exec_precision(exec_type: str) -> str:
    """The precision in an exec type's last part (``jit_avx512_I8`` -> int8, ``ref_any_FP32``
    -> f32); "" when it names none (``undef``)."""
    try:
        return precision_name(exec_type.rsplit("_", 1)[-1])
    except ValueError:
        return ""


def fused_layers(compiled) -> dict[str, tuple[str, ...]]:
    """Each layer of a compiled model -> the model's operations it runs (the runtime model's
    `originalLayersNames`): a "Subgraph" snippet names the MatMuls it fused, a Convolution its
    FakeQuantize and activation."""
    found = {}
    for op in compiled.get_runtime_model().get_ordered_ops():
        info = op.get_rt_info()
        names = info["originalLayersNames"].astype(str) if "originalLayersNames" in info else ""
        found[op.get_friendly_name()] = tuple(name for name in names.split(",") if name)
    return found


def layers_from_counters(counters, fused: dict[str, tuple[str, ...]] | None = None) -> tuple[LayerTime, ...]:
    """The layers that ran in one call (`ran`) from request.get_profiling_info() (ov.ProfilingInfo
    items), with the operations each one fused (`fused_layers`)."""
    fused = fused or {}
    return tuple(
        LayerTime(
            info.node_name,
            info.node_type,
            exec_precision(info.exec_type),
            info.exec_type,
            info.real_time.total_seconds() * 1e6,
            fused.get(info.node_name, ()),
        )
        for info in counters
        if ran(info.status, info.exec_type)
    )


def profiled_request_calls(
    request, predict, batches: list[np.ndarray], limit: CallLimit, fused: dict[str, tuple[str, ...]]
) -> list[ProfiledCall]:
    """Profiled calls of an infer request compiled with PERF_COUNT: `predict(batch)` is the tuned call
    on that request (runtimes.openvino.tuned_call); the counters are read after each call, outside the
    call's own time."""
    calls: list[ProfiledCall] = []

    def call(batch):
        started = time.perf_counter_ns()
        predict(batch)
        us = (time.perf_counter_ns() - started) / 1000.0
        calls.append(ProfiledCall(us, layers_from_counters(request.get_profiling_info(), fused)))

    timed = limit.run(call, batches)
    return calls[-len(timed) :]

"""torch's CPU profiler for PyTorch (eager) and TorchScript, per layer and per call.

Each profiled call runs inside a `record_function(CALL)` range, so the profiler's events can be
split by call. What a layer is differs:

* eager PyTorch: every leaf module gets a `record_function(<module name>)` range from forward
  hooks (`module_ranges`), so layers are the model's modules ("features.0") and their time
  includes the module call's own Python cost; operators called outside any leaf module (a
  functional `flatten`) are layers of their own;
* TorchScript: the profiler records operators the dispatcher runs (aten::, quantized::) but not
  the graph executor's own prim:: operators, among them `prim::mkldnn_convolution`, which
  `optimize_for_inference` makes of every convolution. `graph_layers` walks the executed graph:
  a node the profiler saw gets its event's time, a node it did not gets the time between the
  events around it, so the convolutions are not lost to "outside".

The precision of a layer is the element type of its first tensor input (as the profiler records
it with `record_shapes`); the kernel is the operator inside it that took the most time itself.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .opprofile import CallLimit, LayerTime, ProfiledCall

CALL = "compressbench.profiled_call"
MODEL = "compressbench.model"  # eager: the whole forward, without predict's numpy conversions
# Graph nodes that do no work of their own at run time (constants, packing, guards).
PASSIVE_NODES = (
    "Constant",
    "prim::ListConstruct",
    "prim::TupleConstruct",
    "prim::ListUnpack",
    "prim::TupleUnpack",
    "prim::GetAttr",
    "prim::TypeCheck",
    "prim::RequiresGradCheck",
    "prim::BailOut",
    "prim::Guard",
    "prim::profile",
)


def dtype_precision(dtype: str) -> str:
    """A profiler's dtype string (float, c10::BFloat16, c10::quint8, ...) in PRECISIONS spelling."""
    text = dtype.lower()
    for precision, spellings in (
        ("int8", ("qint8", "quint8", "int8", "unsigned char", "signed char")),
        ("bf16", ("bfloat16",)),
        ("f16", ("half", "float16")),
        ("f32", ("float", "double")),
    ):
        if any(spelling in text for spelling in spellings):
            return precision
    return ""


def event_precision(event) -> str:
    """Of an event's first input that has a dtype, or of its first child's."""
    for dtype in getattr(event, "input_dtypes", None) or []:
        if dtype:
            return dtype_precision(str(dtype))
    children = list(event.cpu_children)
    return event_precision(children[0]) if children else ""


def heaviest_operator(event) -> str:
    """The operator under `event` with the most time of its own (the one doing the work); the
    event itself when nothing runs under it."""
    candidates = list(event.cpu_children)
    found = []
    while candidates:
        current = candidates.pop()
        found.append(current)
        candidates.extend(current.cpu_children)
    return max(found, key=lambda e: e.self_cpu_time_total).name if found else event.name


def numbered(counter: Counter, name: str) -> str:
    counter[name] += 1
    return f"{name}#{counter[name]}"


def module_layers(call_event, module_types: dict[str, str]) -> list[LayerTime]:
    """Layers of one eager call: the leaf-module ranges inside the model's forward, and operators
    the forward calls outside any leaf module (a residual addition; named operator#k)."""
    forwards = [child for child in call_event.cpu_children if child.name == MODEL]
    if len(forwards) != 1:
        raise ValueError(f"PyTorch profile: expected one {MODEL!r} range in a call, found {len(forwards)}")
    counter: Counter = Counter()
    layers = []
    for event in forwards[0].cpu_children:
        is_module = event.name in module_types
        layers.append(
            LayerTime(
                event.name if is_module else numbered(counter, event.name),
                module_types[event.name] if is_module else event.name,
                event_precision(event),
                heaviest_operator(event),
                float(event.cpu_time_total),
            )
        )
    return layers


def graph_layers(method_event, kinds: list[str]) -> list[LayerTime]:
    """Layers of one TorchScript call: the executed graph's working nodes (`kinds`, in order) matched
    to the operator events inside the method's event. A node without an event of its own (a prim::
    operator) gets the time from the previous matched event's end to the next one's start; nodes
    in a row without events share one layer, typed by all their kinds."""
    events = list(method_event.cpu_children)
    counter: Counter = Counter()
    layers: list[LayerTime] = []
    position, cursor, pending = 0, method_event.time_range.start, []

    def flush(until: float, consumer=None) -> None:
        """The pending nodes as one layer; its precision: that of what reads its output next."""
        if pending:
            kind = "+".join(pending)
            precision = event_precision(consumer) if consumer is not None else ""
            layers.append(LayerTime(numbered(counter, pending[0]), kind, precision, kind, max(0.0, until - cursor)))
            pending.clear()

    for kind in kinds:
        match = next((i for i in range(position, len(events)) if events[i].name == kind), None)
        if match is None:
            pending.append(kind)
            continue
        event = events[match]
        flush(event.time_range.start, event)
        layers.append(
            LayerTime(
                numbered(counter, kind),
                kind,
                event_precision(event),
                heaviest_operator(event),
                float(event.cpu_time_total),
            )
        )
        position, cursor = match + 1, event.time_range.end
    flush(method_event.time_range.end)
    return layers


def working_kinds(graph) -> list[str]:
    """Kinds of a TorchScript graph's top-level nodes that do work when it runs, in order."""
    return [node.kind() for node in graph.nodes() if not any(passive in node.kind() for passive in PASSIVE_NODES)]


@contextlib.contextmanager
def module_ranges(modules: dict[str, object]):
    """A record_function range around every call of each module (name -> nn.Module; the model
    itself under the name MODEL)."""
    import torch

    open_ranges: list = []

    def enter(name):
        def hook(_module, _inputs):
            scope = torch.profiler.record_function(name)
            scope.__enter__()
            open_ranges.append(scope)

        return hook

    def leave(_module, _inputs, _output):
        open_ranges.pop().__exit__(None, None, None)

    handles = []
    for name, module in modules.items():
        handles.append(module.register_forward_pre_hook(enter(name)))
        handles.append(module.register_forward_hook(leave))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def profiled_torch_calls(
    predict: Callable[[np.ndarray], object],
    batches: list[np.ndarray],
    limit: CallLimit,
    layers_of: Callable[[object], list[LayerTime]],
) -> list[ProfiledCall]:
    """Profiled calls of `predict` after unprofiled warm-up calls; `layers_of(call_event)` reads one
    call's layers from its event. torch.autograd.profiler.profile is torch.profiler's own CPU
    profiler without the scheduling front end, whose first use imports torch._dynamo (2 s here)."""
    import torch

    def call(batch):
        with torch.profiler.record_function(CALL):
            predict(batch)

    for i in range(limit.warmup_calls):
        predict(batches[i % len(batches)])
    with torch.autograd.profiler.profile(record_shapes=True) as profiler:
        timed = replace(limit, warmup_calls=0).run(call, batches)
    calls = sorted((e for e in profiler.function_events if e.name == CALL), key=lambda e: e.time_range.start)
    return [ProfiledCall(float(e.cpu_time_total), tuple(layers_of(e))) for e in calls[-len(timed) :]]


def method_event(call_event):
    """The TorchScript method's event ("forward") inside a call's event."""
    children = list(call_event.cpu_children)
    methods = [child for child in children if child.name == "forward"]
    if len(methods) != 1:
        raise ValueError(f"TorchScript profile: expected one 'forward' event in a call, found {len(methods)}")
    return methods[0]

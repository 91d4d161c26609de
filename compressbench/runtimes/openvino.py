from __future__ import annotations

import openvino as ov
from openvino._pyopenvino import InferRequest as BindingRequest  # the class openvino.InferRequest wraps

from .base import Predict, Runtime, TargetRuntimeError
from .options import precision_name


def tuned_call(request: ov.InferRequest) -> Predict:
    """The tuned call on one infer request: copy the batch into the request's own input buffer, infer,
    return a view of the request's own output buffer.

    Every batch is copied, large ones too: measured here (LeNet-5, one thread, images streamed from
    the test set), copying a batch of 8 or 64 into the request's buffer made the FP32 call about 3 %
    faster than handing OpenVINO the array (ov.Tensor(images, shared_memory=True)), whose first layer
    then reads the images from memory rather than from cache; the INT8 model was as fast either way.
    Passing a dict (request.infer({0: images})) costs ~15 us a call, a third of batch-1 latency.

    The call goes to the binding's infer with positional arguments: openvino.InferRequest.infer is a
    Python wrapper around it (input dispatch, keyword arguments, an OVDict of the outputs) that measured
    ~0.9 us of a ~31 us batch-1 call here (FP32, one thread), the binding's own call taking ~2 us more
    than OpenVINO's timer of the inference. The closure calls it directly and copies by slice
    assignment: against functools.partial and np.copyto that measured ~0.25 us less per batch-1 call
    (median of 30 paired windows, one thread).
    """
    input_view = request.get_input_tensor(0).data
    output = request.get_output_tensor(0).data
    infer = BindingRequest.infer
    no_new_inputs = {}

    def predict(images):
        input_view[...] = images
        # outputs as views (the binding returns them anyway; predict returns `output`), no string decoding
        infer(request, no_new_inputs, True, False)
        return output

    return predict


class OpenVINORuntime(Runtime):
    """OpenVINO on CPU with OpenVINOOptions (the inference precision hint)."""

    name = "openvino"
    model_suffixes = (".xml", ".bin")
    profiler = "OpenVINO performance counters (PERF_COUNT, get_profiling_info)"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.precision = self.options.inference_precision
        self.core = ov.Core()
        self.xml_path = next(p for p in self.model_files() if p.suffix == ".xml")
        weights = self.xml_path.with_suffix(".bin")
        if not weights.is_file():  # OpenVINO's own message on reading would not name it
            raise TargetRuntimeError(f"{weights}: missing (the weights of {self.xml_path.name})")
        self._last_compiled: ov.CompiledModel | None = None
        self._requests: dict[int, ov.InferRequest] = {}  # batch size -> the request compile() made for it

    def _config(self, hint: str) -> dict:
        config = {"PERFORMANCE_HINT": hint, "INFERENCE_NUM_THREADS": self.threads, "NUM_STREAMS": 1}
        if self.precision != "auto":
            config["INFERENCE_PRECISION_HINT"] = self.precision
        return config

    def _request(self, batch_size: int, extra_config: dict | None = None):
        """A compiled model for one static batch size and its infer request, reused by every call."""
        model = self.core.read_model(self.xml_path)
        model.reshape([batch_size, *self.spec.input_shape])
        compiled = self.core.compile_model(model, "CPU", {**self._config("LATENCY"), **(extra_config or {})})
        return compiled, compiled.create_infer_request()

    def compile(self, batch_size: int) -> Predict:
        compiled, request = self._request(batch_size)
        self._last_compiled = compiled
        self._requests[batch_size] = request
        return tuned_call(request)

    def runtime_timer(self, batch_size: int):
        """InferRequest.latency of the request compiled(batch_size) calls: OpenVINO's own timer of the
        inference, in ms, which benchmark_app reports as its latency."""
        self.compiled(batch_size)
        request = self._requests[batch_size]
        return lambda: request.latency

    def profile_calls(self, batch_size: int, batches, limit) -> list:
        """OpenVINO's per-layer performance counters of the model compiled as compile() does, plus
        PERF_COUNT; each call is compile()'s tuned call."""
        from ..ov_profile import fused_layers, profiled_request_calls

        compiled, request = self._request(batch_size, {"PERF_COUNT": True})
        return profiled_request_calls(request, tuned_call(request), batches, limit, fused_layers(compiled))

    def naive(self) -> Predict:
        compiled = self.core.compile_model(self.xml_path, "CPU", self._config("LATENCY"))
        output = compiled.output(0)

        def predict(images):
            return compiled(images)[output]

        return predict

    def info(self) -> dict:
        compiled = self._last_compiled or self.core.compile_model(self.xml_path, "CPU", self._config("LATENCY"))
        hint = precision_name(compiled.get_property("INFERENCE_PRECISION_HINT"))
        return {
            "runtime_version": ov.get_version(),
            "threads": int(compiled.get_property("INFERENCE_NUM_THREADS")),
            "streams": int(compiled.get_property("NUM_STREAMS")),
            # A quantized IR (FakeQuantize nodes, targets.openvino_int8) runs its layers in int8;
            # otherwise what runs is the compiled precision hint.
            "precision": "int8" if self.quantized() else hint,
            "precision_hint": hint,
            "precision_requested": self.precision,
            "performance_hint": str(compiled.get_property("PERFORMANCE_HINT")),
        }

    def quantized(self) -> bool:
        return any(op.get_type_name() == "FakeQuantize" for op in self.core.read_model(self.xml_path).get_ops())

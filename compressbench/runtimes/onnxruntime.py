from __future__ import annotations

from pathlib import Path

import onnxruntime as ort

from ..artifacts import GRAPH_PRECISION, read_build_info
from .base import Predict, Runtime

# Operators of a quantized graph: QDQ pairs (which ONNX Runtime fuses into int8 kernels) or
# the integer operators themselves.
QUANTIZED_OPS = {"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger"}


def graph_precision(model_path) -> str:
    """int8 when the graph is quantized, else f32 (the CPU provider runs float graphs in f32)."""
    import onnx

    ops = {node.op_type for node in onnx.load(str(model_path), load_external_data=False).graph.node}
    return "int8" if ops & QUANTIZED_OPS else "f32"


def session_options(threads: int, graph_optimizations: bool = True) -> ort.SessionOptions:
    """The tuned session settings (also those of the profiled session, OnnxRuntime.profile_calls)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    level = "ORT_ENABLE_ALL" if graph_optimizations else "ORT_DISABLE_ALL"
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
    return options


def naive_session_options(threads: int, graph_optimizations: bool = True) -> ort.SessionOptions:
    """The convenience session of the naive loop: ONNX Runtime's defaults but the threads, and the graph
    optimizations off where the variant turns them off (they are what the variant is, not a tuning)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    if not graph_optimizations:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return options


class OnnxRuntime(Runtime):
    name = "onnxruntime"
    model_suffixes = (".onnx",)
    profiler = "ONNX Runtime profiler (SessionOptions.enable_profiling)"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model_path = self.model_files()[0]
        options = session_options(self.threads, self.options.graph_optimizations)
        self.session = ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def compile(self, batch_size: int) -> Predict:
        session, input_name = self.session, self.input_name

        def predict(images):
            return session.run(None, {input_name: images})[0]

        return predict

    def profile_calls(self, batch_size: int, batches, limit) -> list:
        """ONNX Runtime's profiler on a second session with the same options, called as compile()'s predict."""
        from ..ort_profile import profile_session_calls

        return profile_session_calls(
            self.model_path, session_options(self.threads, self.options.graph_optimizations), batches, limit
        )

    def naive(self) -> Predict:
        options = naive_session_options(self.threads, self.options.graph_optimizations)
        session = ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])
        input_name = session.get_inputs()[0].name

        def predict(images):
            return session.run(None, {input_name: images.copy()})[0]

        return predict

    @classmethod
    def build_facts(cls, model_dir: Path) -> dict:
        # read once at build: importing onnx to read the graph took ~0.45 s of every benchmark job
        return {GRAPH_PRECISION: graph_precision(cls.model_files_in(model_dir)[0])}  # the file __init__ opens

    def info(self) -> dict:
        recorded = read_build_info(self.model_dir).get(GRAPH_PRECISION)  # absent where build_target did not build it
        return {
            "runtime_version": ort.__version__,
            "threads": self.threads,
            "interop_threads": 1,
            "precision": recorded or graph_precision(self.model_path),
            "graph_optimization": "ORT_ENABLE_ALL" if self.options.graph_optimizations else "ORT_DISABLE_ALL",
            "provider": self.session.get_providers()[0],
        }

from __future__ import annotations

import onnxruntime as ort

from .base import Predict, Runtime


def session_options(threads: int) -> ort.SessionOptions:
    """The tuned session settings (also used by compressbench.ort_profile for its profiled session)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options


class OnnxRuntime(Runtime):
    name = "onnxruntime"
    model_suffixes = (".onnx",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model_path = self.model_files()[0]
        options = session_options(self.threads)
        self.session = ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def compile(self, batch_size: int) -> Predict:
        session, input_name = self.session, self.input_name

        def predict(images):
            return session.run(None, {input_name: images})[0]

        return predict

    def naive(self) -> Predict:
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        session = ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])
        input_name = session.get_inputs()[0].name

        def predict(images):
            return session.run(None, {input_name: images.copy()})[0]

        return predict

    def info(self) -> dict:
        return {
            "runtime_version": ort.__version__,
            "threads": self.threads,
            "interop_threads": 1,
            "precision": self.options.get("precision", "f32"),
            "graph_optimization": "ORT_ENABLE_ALL",
            "provider": self.session.get_providers()[0],
        }

"""ONNX Runtime's per-operator profile: the event arithmetic by hand, and a real profiled session."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from compressbench.model import ModelSpec, build_model
from compressbench.ort_profile import PROFILE_CALLS, op_profile, summarize_profile
from compressbench.targets.onnx_fp32 import export_onnx


def node(op: str, dur: float, ts: int) -> dict:
    return {"cat": "Node", "name": f"{op}_1_kernel_time", "dur": dur, "ts": ts, "args": {"op_name": op}}


def test_summarize_profile_sums_kernels_per_operator_and_call():
    events = [
        {"cat": "Session", "name": "model_run", "dur": 30, "ts": 0},
        node("Conv", 10, 1),
        node("Conv", 6, 2),
        node("Gemm", 4, 3),
        {"cat": "Node", "name": "Conv_1_fence_before", "dur": 99, "ts": 4, "args": {"op_name": "Conv"}},
        {"cat": "Session", "name": "model_run", "dur": 26, "ts": 10},
        node("Conv", 12, 11),
        node("Gemm", 4, 12),
    ]
    profile = summarize_profile(events, calls=2)
    assert profile["op_us_per_call"] == {"Conv": 14.0, "Gemm": 4.0}  # largest first
    assert list(profile["op_us_per_call"]) == ["Conv", "Gemm"]
    assert profile["run_us_per_call"] == 28.0
    assert profile["outside_kernels_us"] == pytest.approx(28.0 - 18.0)


def test_op_profile_of_a_real_model(tmp_path):
    spec = ModelSpec(1, 16, 3, ["a", "b", "c"], [0.5], [0.25])
    torch.manual_seed(0)
    export_onnx(build_model(spec).eval(), spec.input_shape, tmp_path / "model.onnx", opset=17)
    images = np.random.default_rng(0).normal(size=(5, 1, 16, 16)).astype(np.float32)
    profile = op_profile(tmp_path / "model.onnx", 1, images)
    assert profile["calls"] == PROFILE_CALLS
    assert profile["op_us_per_call"] and all(us >= 0 for us in profile["op_us_per_call"].values())
    assert any("Conv" in op for op in profile["op_us_per_call"])
    assert profile["run_us_per_call"] >= sum(profile["op_us_per_call"].values())

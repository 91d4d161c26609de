"""ONNX Runtime's per-operator profile: the event arithmetic by hand, and a real profiled session."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from compressbench.model import ModelSpec, build_model
from compressbench.onnx_export import export_onnx
from compressbench.ort_profile import PROFILE_CALLS, op_profile, summarize_profile


def node(op: str, dur: float, ts: int) -> dict:
    return {"cat": "Node", "name": f"{op}_1_kernel_time", "dur": dur, "ts": ts, "args": {"op_name": op}}


def run(ts: int, dur: float) -> dict:
    return {"cat": "Session", "name": "model_run", "dur": dur, "ts": ts}


def test_summarize_profile_takes_per_call_medians_of_kernels_per_operator():
    events = [
        run(0, 500),  # a warm-up run: left out, only the last 3 runs count
        node("Conv", 400, 1),
        run(1000, 30),
        node("Conv", 10, 1001),
        node("Conv", 6, 1002),
        node("Gemm", 4, 1003),
        {"cat": "Node", "name": "Conv_1_fence_before", "dur": 99, "ts": 1004, "args": {"op_name": "Conv"}},
        run(2000, 26),
        node("Conv", 12, 2001),
        node("Gemm", 4, 2002),
        run(3000, 900),  # interrupted: a mean would be dominated by it
        node("Conv", 800, 3001),
        node("Gemm", 5, 3002),
    ]
    profile = summarize_profile(events, calls=3)
    assert profile["op_us_per_call"] == {"Conv": 16.0, "Gemm": 4.0}  # medians of (16, 12, 800), (4, 4, 5)
    assert list(profile["op_us_per_call"]) == ["Conv", "Gemm"]  # largest first
    assert profile["run_us_per_call"] == 30.0 and profile["calls"] == 3
    assert profile["outside_kernels_us"] == pytest.approx(30.0 - 20.0)


def test_summarize_profile_without_runs_fails():
    with pytest.raises(ValueError, match="no model_run"):
        summarize_profile([node("Conv", 1, 0)], calls=5)


def test_op_profile_of_a_real_model(tmp_path):
    spec = ModelSpec(1, 16, 3, ["a", "b", "c"], [0.5], [0.25])
    torch.manual_seed(0)
    export_onnx(build_model(spec).eval(), spec.input_shape, tmp_path / "model.onnx", opset=17)
    images = np.random.default_rng(0).normal(size=(5, 1, 16, 16)).astype(np.float32)
    profile = op_profile(tmp_path / "model.onnx", 1, images)
    assert profile["calls"] == PROFILE_CALLS
    assert profile["op_us_per_call"] and all(us >= 0 for us in profile["op_us_per_call"].values())
    assert any("Conv" in op for op in profile["op_us_per_call"])
    assert profile["run_us_per_call"] > 0

"""Typed, validated options of each runtime, and the one spelling of precision.

Like optimum-benchmark's per-backend configs: each runtime has a frozen dataclass of the options
it understands, built from a plain dict (what Snakemake passes as params) by `options_from`,
which names the runtime and the key that is wrong. Importing this module is cheap.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

# The one spelling of precision, from the runtimes' info() through summary.tsv to the report.
PRECISIONS = ("f32", "bf16", "f16", "int8")


@dataclass(frozen=True)
class PyTorchOptions:
    quantized: bool = False  # model.pt holds an INT8 state dict (targets.pytorch_int8), loaded weights_only
    # f32, or bf16: the FP32 weights cast to bfloat16 when loaded, inputs cast on the way in and logits
    # back to float32 on the way out, so every layer runs in bf16 (natively where the CPU has bf16
    # instructions, emulated by oneDNN elsewhere: info() says which)
    precision: str = "f32"

    def __post_init__(self):
        if self.precision not in ("f32", "bf16"):
            raise ValueError(f"precision={self.precision!r}: use f32 or bf16")
        if self.quantized and self.precision != "f32":
            raise ValueError("an INT8 (quantized) model runs its own precision: leave precision at f32")


@dataclass(frozen=True)
class OnnxRuntimeOptions:
    """ONNX Runtime runs the precision of the graph itself (QDQ nodes make it int8). graph_optimizations:
    the session's graph optimizations (constant folding, node fusions, layout changes) on, as the
    tuned path runs them, or off (what they add, targets.onnx_fp32's onnxruntime_noopt)."""

    graph_optimizations: bool = True


@dataclass(frozen=True)
class OpenVINOOptions:
    # f32 | bf16 | f16 | auto: OpenVINO's INFERENCE_PRECISION_HINT for what is not quantized.
    # On CPUs with native bf16 (AVX512_BF16, AMX) OpenVINO executes FP32 models in bf16 unless the
    # hint says otherwise; "auto" keeps that default.
    inference_precision: str

    def __post_init__(self):
        allowed = ("f32", "bf16", "f16", "auto")
        if self.inference_precision not in allowed:
            raise ValueError(f"inference_precision={self.inference_precision!r}: use one of {', '.join(allowed)}")


@dataclass(frozen=True)
class TorchScriptOptions:
    """No options: the archive is FP32, traced and frozen (targets.torchscript)."""


RUNTIME_OPTIONS = {
    "pytorch": PyTorchOptions,
    "onnxruntime": OnnxRuntimeOptions,
    "openvino": OpenVINOOptions,
    "torchscript": TorchScriptOptions,
}


def options_from(runtime: str, values: dict):
    """The runtime's options dataclass from a dict; unknown keys and bad values name the runtime."""
    if runtime not in RUNTIME_OPTIONS:
        raise ValueError(f"runtime {runtime!r}: unknown (known: {', '.join(RUNTIME_OPTIONS)})")
    cls = RUNTIME_OPTIONS[runtime]
    known = {field.name for field in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(
            f"{runtime} options: unknown key(s) {', '.join(unknown)} (known: {', '.join(known) or 'none'})"
        )
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{runtime} options: {error}") from None


def precision_name(value) -> str:
    """A runtime's own precision spelling in ours: OpenVINO's <Type: 'float32'>/bf16/f16 -> f32/bf16/f16."""
    text = str(value).lower()
    for name, spellings in (
        ("bf16", ("bfloat16", "bf16")),
        ("f16", ("float16", "f16", "fp16")),
        ("f32", ("float32", "f32", "fp32")),
        ("int8", ("int8", "i8", "u8")),
    ):
        if any(spelling in text for spelling in spellings):
            return name
    raise ValueError(f"precision {value!r}: not one of {', '.join(PRECISIONS)}")

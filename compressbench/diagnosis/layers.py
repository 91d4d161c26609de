"""What a profiled layer is, across runtimes: its kind, the model layer it computes, its vector lanes.

Runtimes name and type layers their own way (ONNX Runtime's QLinearConv and Transpose, OpenVINO's
Convolution and Reorder, PyTorch's Conv2d module, TorchScript's prim::mkldnn_convolution); these
pure functions put them in three kinds and match the MAC-carrying ones to the model's layers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..machine import ISA_FLAGS
from ..opprofile import OUTSIDE_TYPE, OpRow

COMPUTE = "compute"  # carries the MACs: convolutions and matrix products
CONVERT = "convert"  # changes only the type or the layout: (de)quantize, convert, reorder, transpose
OTHER = "other"  # pooling, activations, reshapes, additions, glue
OUTSIDE = "outside"

CONVERT_WORDS = (
    "quantizelinear",  # ONNX QuantizeLinear / DequantizeLinear / DynamicQuantizeLinear
    "fakequantize",  # OpenVINO
    "quantize_per",  # aten::quantize_per_tensor / _channel
    "dequantize",  # aten::dequantize, PyTorch's DeQuantize module
    "reorder",  # OpenVINO Reorder, ONNX Runtime's NCHWc ReorderInput / ReorderOutput
    "transpose",  # the NHWC transposes ONNX Runtime inserts around int8 kernels
    "convert",  # OpenVINO Convert
    "to_mkldnn",  # TorchScript's layout changes around oneDNN kernels
    "to_dense",
    "cast",
)
QUANTIZE_MODULES = ("quantize",)  # PyTorch's Quantize module (torch.ao.nn.quantized.Quantize)
# An OpenVINO "Subgraph" (a fused snippet) named after an NNCF FakeQuantize: the input quantization.
FAKE_QUANTIZE_NAME = re.compile(r"(^|/)fq_")
COMPUTE_WORDS = ("conv", "gemm", "matmul", "fullyconnected", "linear", "innerproduct")
COMPUTE_OPS = ("mm", "addmm", "bmm")


def is_compute_type(kind: str) -> bool:
    kind = kind.lower()
    return any(word in kind for word in COMPUTE_WORDS) or kind.rsplit("::", 1)[-1] in COMPUTE_OPS


# Activation layer types (ONNX, OpenVINO, PyTorch spellings, lower case): a graph optimization fuses them into
# the MAC-carrying layer before them (ONNX Runtime's Conv+Relu and FusedGemm, OpenVINO's post-ops).
ACTIVATION_TYPES = ("relu", "relu6", "clip", "sigmoid", "hardsigmoid", "hardswish", "leakyrelu", "gelu", "tanh", "elu")


def is_activation(row: OpRow) -> bool:
    return row.type.lower().rsplit("::", 1)[-1] in ACTIVATION_TYPES  # "aten::relu" as "Relu"


def layer_kind(row: OpRow) -> str:
    """COMPUTE, CONVERT, OTHER or OUTSIDE for one ops.tsv row, from its type; an OpenVINO "Subgraph"
    snippet by what it fused: the model's Conv/Gemm/MatMul operations (by their names) make it
    COMPUTE, one named after an NNCF FakeQuantize alone (the input's) makes it CONVERT."""
    if row.type == OUTSIDE_TYPE:
        return OUTSIDE
    kind = row.type.lower()
    if any(word in kind for word in CONVERT_WORDS) or kind in QUANTIZE_MODULES:
        return CONVERT
    if kind == "subgraph":
        if any(is_compute_type(name.rsplit("/", 1)[-1]) for name in row.fused):
            return COMPUTE
        return CONVERT if FAKE_QUANTIZE_NAME.search(row.layer) else OTHER
    return COMPUTE if is_compute_type(kind) else OTHER


def rows_of(rows, kind: str) -> list[OpRow]:
    return [row for row in rows if layer_kind(row) == kind]


@dataclass(frozen=True)
class ModelLayer:
    """A MAC-carrying layer of a network (spec.json's summary, or a narrowed network's build facts)."""

    name: str
    macs: int
    channels: int | None  # output channels (conv) or features (linear)


def mac_layers(layers: list[dict] | None) -> list[ModelLayer]:
    """The layers with MACs, in order, from model_summary.describe's `layers`."""
    found = []
    for layer in layers or []:
        if int(layer.get("macs") or 0) > 0:
            shape = layer.get("output_shape") or []
            found.append(ModelLayer(layer["name"], int(layer["macs"]), int(shape[0]) if shape else None))
    return found


def module_of(layer_name: str, modules: list[str]) -> str | None:
    """The model layer a runtime's layer name points to: ONNX and OpenVINO names keep the module path
    ("/features/features.0/Conv/WithoutBiases"), PyTorch's are the module names themselves."""
    if layer_name in modules:
        return layer_name
    segments = [segment.removeprefix("fused ") for segment in layer_name.split("/")]
    named = [segment for segment in segments if segment in modules]
    return named[-1] if named else None


def modules_of(row: OpRow, modules: list[str]) -> list[str]:
    """The model layers a runtime layer ran: by its name, else by the operations it fused (OpenVINO)."""
    own = module_of(row.layer, modules)
    if own:
        return [own]
    found = [module_of(name, modules) for name in row.fused]
    return list(dict.fromkeys(name for name in found if name))


def match_compute(rows: list[OpRow], model: list[ModelLayer]) -> dict[str, list[OpRow]]:
    """Model layer name -> the compute rows that ran it. In order when the counts agree (a fused
    Conv+Relu in ONNX Runtime is named after the Relu's output), else by the names; rows that match
    no model layer keep their own name."""
    compute = rows_of(rows, COMPUTE)
    names = [layer.name for layer in model]
    if model and len(compute) == len(model):
        return {name: [row] for name, row in zip(names, compute, strict=True)}
    matched: dict[str, list[OpRow]] = {}
    for row in compute:
        found = modules_of(row, names)
        # a snippet that ran several MAC layers stands for them together, under their joined names
        matched.setdefault("+".join(found) if found else row.layer, []).append(row)
    return matched


# ---------------------------------------------------------------- vector width

ELEMENT_BITS = {"f32": 32, "bf16": 16, "f16": 16, "int8": 8}
KERNEL_ISA_BITS = (("amx", 512), ("avx512", 512), ("avx2", 256), ("sse", 128))


def vector_bits(kernels: list[str], isa: dict[str, bool | None]) -> int | None:
    """The vector width the kernels ran with (from OpenVINO's exec types), else the widest the CPU has."""
    for word, bits in KERNEL_ISA_BITS:
        if any(word in kernel.lower() for kernel in kernels):
            return bits
    if isa.get(ISA_FLAGS["avx512f"]):
        return 512
    if isa.get(ISA_FLAGS["avx2"]):
        return 256
    return None


def lanes(bits: int | None, precision: str) -> int | None:
    """Elements of `precision` per vector register."""
    element = ELEMENT_BITS.get(precision)
    return bits // element if bits and element else None


def lane_use(channels: int, lane_count: int) -> float:
    """The share of the vector lanes a layer of `channels` outputs fills (the last vector is padded)."""
    return channels / (math.ceil(channels / lane_count) * lane_count)


def kernel_isa(kernels: list[str]) -> str | None:
    """The instruction set a runtime names in its kernels (OpenVINO: brgconv_avx512_I8 -> avx512)."""
    for word, _ in KERNEL_ISA_BITS:
        if any(word in kernel.lower() for kernel in kernels):
            return word
    return None

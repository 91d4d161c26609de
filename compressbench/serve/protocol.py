"""Open Inference Protocol (KServe v2) bodies for an image classifier: one FP32 input `input`
(N, C, H, W), one FP32 output `logits` (N, classes).

Pure functions, no HTTP framework: the server (app.py) and the load generator (load.py) share
them. A bad request raises ProtocolError with the HTTP status and a message naming the problem,
which the server returns as the protocol's error body `{"error": "..."}`.

The binary tensor data extension (as Triton and KServe define it): the HTTP body is the JSON
header of `Inference-Header-Content-Length` bytes followed by each binary tensor's raw
little-endian row-major bytes, announced by `parameters.binary_data_size` on the input; outputs
come back binary when the request's `parameters.binary_data_output` (or an output's
`parameters.binary_data`) is true. A 3x32x32 FP32 image is 12 KiB of raw bytes instead of about
60 KiB of JSON text whose 3,072 numbers must each be parsed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import orjson

INPUT_NAME = "input"
OUTPUT_NAME = "logits"
DATATYPE = "FP32"
HEADER_LENGTH = "Inference-Header-Content-Length"
HANDLER_START = "Inference-Handler-Start-Ns"  # this project's: when the server's handler took the request up
BINARY_CONTENT_TYPE = "application/octet-stream"
JSON_CONTENT_TYPE = "application/json"
# The largest JSON body a valid request can need: a float written in full (e.g. -1.2345678901234567e-05,
# 23 characters) plus separators and pretty-printing, per value, and room for the rest of the object.
JSON_BYTES_PER_VALUE = 64
JSON_BODY_SLACK = 64 * 1024


class ProtocolError(ValueError):
    """A request the protocol cannot answer; `status` is the HTTP status to return."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ModelInterface:
    """What a served model takes and returns: the per-image input shape, classes, batch limit."""

    name: str
    image_shape: tuple[int, int, int]
    num_classes: int
    max_batch_size: int

    @property
    def values_per_image(self) -> int:
        return math.prod(self.image_shape)

    def max_body_bytes(self) -> int:
        """Larger bodies get 413 before they are read: a full batch written as JSON, with slack."""
        return self.max_batch_size * self.values_per_image * JSON_BYTES_PER_VALUE + JSON_BODY_SLACK


@dataclass(frozen=True)
class InferRequest:
    images: np.ndarray  # (N, C, H, W) float32, C-contiguous
    request_id: str | None
    binary_output: bool


def model_metadata(interface: ModelInterface, platform: str, parameters: dict) -> dict:
    """GET /v2/models/{name}: the protocol's metadata, plus the runtime's facts in `parameters`."""
    return {
        "name": interface.name,
        "versions": ["1"],
        "platform": platform,
        "inputs": [{"name": INPUT_NAME, "datatype": DATATYPE, "shape": [-1, *interface.image_shape]}],
        "outputs": [{"name": OUTPUT_NAME, "datatype": DATATYPE, "shape": [-1, interface.num_classes]}],
        "parameters": {"max_batch_size": interface.max_batch_size, **parameters},
    }


def error_body(message: str) -> bytes:
    return orjson.dumps({"error": message})


# ---------------------------------------------------------------- requests (server side)


def split_body(body: bytes, header_length: str | None) -> tuple[bytes, bytes]:
    """(JSON header, binary tail): the whole body is JSON unless the extension's header is given."""
    if header_length is None:
        return body, b""
    try:
        length = int(header_length)
    except ValueError:
        raise ProtocolError(400, f"{HEADER_LENGTH}: {header_length!r} is not a byte count") from None
    if not 0 < length <= len(body):
        raise ProtocolError(400, f"{HEADER_LENGTH}: {length} outside the body's {len(body)} bytes")
    return body[:length], body[length:]


def _json_object(header: bytes) -> dict:
    if not header.strip():
        raise ProtocolError(400, "empty body: expected a JSON inference request")
    try:
        request = orjson.loads(header)
    except orjson.JSONDecodeError as error:
        raise ProtocolError(400, f"malformed JSON: {error}") from None
    if not isinstance(request, dict):
        raise ProtocolError(400, f"the request must be a JSON object, got {type(request).__name__}")
    return request


def _the_input(request: dict) -> dict:
    inputs = request.get("inputs")
    if not inputs:
        raise ProtocolError(400, f"no inputs: the request needs `inputs` with one tensor {INPUT_NAME!r}")
    if not isinstance(inputs, list) or not all(isinstance(item, dict) for item in inputs):
        raise ProtocolError(400, "`inputs` must be a list of tensor objects")
    if len(inputs) != 1:
        raise ProtocolError(400, f"{len(inputs)} inputs: the model takes one, {INPUT_NAME!r}")
    tensor = inputs[0]
    if tensor.get("name") != INPUT_NAME:
        raise ProtocolError(400, f"unknown input {tensor.get('name')!r}: the model's input is {INPUT_NAME!r}")
    if tensor.get("datatype") != DATATYPE:
        raise ProtocolError(
            400, f"input {INPUT_NAME!r}: datatype {tensor.get('datatype')!r}, the model takes {DATATYPE}"
        )
    return tensor


def _checked_shape(tensor: dict, interface: ModelInterface) -> tuple[int, ...]:
    shape = tensor.get("shape")
    wanted = [-1, *interface.image_shape]
    if (
        not isinstance(shape, list)
        or not all(isinstance(dim, int) and not isinstance(dim, bool) for dim in shape)
        or len(shape) != len(wanted)
        or tuple(shape[1:]) != interface.image_shape
        or shape[0] < 1
    ):
        raise ProtocolError(400, f"input {INPUT_NAME!r}: shape {shape}, the model takes {wanted} (N >= 1)")
    if shape[0] > interface.max_batch_size:
        raise ProtocolError(
            400, f"input {INPUT_NAME!r}: batch {shape[0]} above max_batch_size {interface.max_batch_size}"
        )
    return tuple(shape)


def _binary_values(tensor: dict, tail: bytes, count: int) -> np.ndarray:
    size = (tensor.get("parameters") or {}).get("binary_data_size")
    if size != count * 4 or len(tail) != size:
        raise ProtocolError(
            400,
            f"input {INPUT_NAME!r}: binary_data_size {size} and {len(tail)} bytes after the JSON header; "
            f"the shape needs {count * 4} ({count} FP32 values)",
        )
    return np.frombuffer(tail, dtype="<f4").copy()  # writable: runtimes may take the array as is


def _json_values(tensor: dict, count: int) -> np.ndarray:
    data = tensor.get("data")
    if data is None:
        raise ProtocolError(400, f"input {INPUT_NAME!r}: no `data` (and no binary_data_size)")
    try:
        with np.errstate(over="ignore"):  # a number beyond float32 becomes inf, refused below
            values = np.asarray(data, dtype=np.float32)
    except (TypeError, ValueError):
        raise ProtocolError(
            400, f"input {INPUT_NAME!r}: `data` must be numbers (flat or nested as the shape)"
        ) from None
    if values.size != count:
        raise ProtocolError(400, f"input {INPUT_NAME!r}: {values.size} values, the shape needs {count}")
    return values


def _binary_output(request: dict) -> bool:
    wanted = bool((request.get("parameters") or {}).get("binary_data_output", False))
    outputs = request.get("outputs") or []
    if not isinstance(outputs, list):
        raise ProtocolError(400, "`outputs` must be a list")
    for output in outputs:
        if not isinstance(output, dict) or output.get("name") != OUTPUT_NAME:
            name = output.get("name") if isinstance(output, dict) else output
            raise ProtocolError(400, f"unknown output {name!r}: the model's output is {OUTPUT_NAME!r}")
        wanted = bool((output.get("parameters") or {}).get("binary_data", wanted))
    return wanted


def parse_infer_request(body: bytes, header_length: str | None, interface: ModelInterface) -> InferRequest:
    """The images of a POST /v2/models/{name}/infer body, checked against the model's interface."""
    header, tail = split_body(body, header_length)
    request = _json_object(header)
    tensor = _the_input(request)
    shape = _checked_shape(tensor, interface)
    count = math.prod(shape)
    if "binary_data_size" in (tensor.get("parameters") or {}):
        values = _binary_values(tensor, tail, count)
    elif tail:
        raise ProtocolError(400, f"{len(tail)} bytes after the JSON header but no input has binary_data_size")
    else:
        values = _json_values(tensor, count)
    if not np.isfinite(values).all():
        raise ProtocolError(400, f"input {INPUT_NAME!r}: values must be finite")
    request_id = request.get("id")
    return InferRequest(
        images=np.ascontiguousarray(values.reshape(shape), dtype=np.float32),
        request_id=None if request_id is None else str(request_id),
        binary_output=_binary_output(request),
    )


# ---------------------------------------------------------------- responses (server side)


def encode_infer_response(
    model_name: str, request_id: str | None, logits: np.ndarray, binary: bool
) -> tuple[bytes, dict]:
    """(body, headers) of an infer response: JSON tensors, or the JSON header then raw FP32 bytes."""
    logits = np.ascontiguousarray(logits, dtype="<f4")
    output = {"name": OUTPUT_NAME, "datatype": DATATYPE, "shape": list(logits.shape)}
    if binary:
        output["parameters"] = {"binary_data_size": logits.nbytes}
    else:
        output["data"] = logits.ravel()
    response = {"model_name": model_name, "model_version": "1", "outputs": [output]}
    if request_id is not None:
        response["id"] = request_id
    header = orjson.dumps(response, option=orjson.OPT_SERIALIZE_NUMPY)
    if not binary:
        return header, {"content-type": JSON_CONTENT_TYPE}
    return header + logits.tobytes(), {"content-type": BINARY_CONTENT_TYPE, HEADER_LENGTH.lower(): str(len(header))}


# ---------------------------------------------------------------- client side


def encode_infer_request(images: np.ndarray, binary: bool = False, request_id: str | None = None) -> tuple[bytes, dict]:
    """(body, headers) of an infer request for (N, C, H, W) images, JSON or binary."""
    images = np.ascontiguousarray(images, dtype="<f4")
    tensor = {"name": INPUT_NAME, "datatype": DATATYPE, "shape": list(images.shape)}
    request: dict = {"inputs": [tensor]}
    if request_id is not None:
        request["id"] = request_id
    if not binary:
        tensor["data"] = images.ravel()
        return orjson.dumps(request, option=orjson.OPT_SERIALIZE_NUMPY), {"content-type": JSON_CONTENT_TYPE}
    tensor["parameters"] = {"binary_data_size": images.nbytes}
    request["parameters"] = {"binary_data_output": True}
    header = orjson.dumps(request)
    headers = {"content-type": BINARY_CONTENT_TYPE, HEADER_LENGTH: str(len(header))}
    return header + images.tobytes(), headers


def decode_infer_response(body: bytes, header_length: str | None) -> np.ndarray:
    """The logits of an infer response, JSON or binary."""
    header, tail = split_body(body, header_length)
    output = orjson.loads(header)["outputs"][0]
    shape = tuple(output["shape"])
    if "binary_data_size" in (output.get("parameters") or {}):
        return np.frombuffer(tail, dtype="<f4").reshape(shape)
    return np.asarray(output["data"], dtype=np.float32).reshape(shape)

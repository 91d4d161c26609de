"""The inference server's application: Open Inference Protocol routes on Starlette.

Routes: GET /v2/health/live, /v2/health/ready, /v2 (server metadata), /v2/models/{name},
/v2/models/{name}/ready; POST /v2/models/{name}/infer; POST /noop (reads the body and answers a
canned response of an infer response's size, without decoding or inference: the round trip of
HTTP, loopback and the client, which the load generator measures beside the real one).

Every infer response carries the server's own split of that request's time in a standard
`Server-Timing` header (milliseconds): decode (from the handler's start: reading the body,
parsing and checking it, up to the batcher's queue), queue (waiting for a batch), inference (the
batch's runtime call, shared by its requests), encode (from the batch's end: the event loop taking
the request up again and writing the response body). They add up to the handler's time; what
comes before the handler (accepting, parsing HTTP) and after it (sending) is in the no-op round
trip. `Inference-Batch-Size` says how many images the request's batch held, and
`Inference-Handler-Start-Ns` when the handler took the request up (CLOCK_MONOTONIC, ns): a client
on the same host tells from it how long the request waited in front of the handler (the kernel and
the server's event loop, which the queue limit does not bound).

Load shedding: the server holds at most `max_queue_size` infer requests at once (decoding, queued,
in inference or encoding); one more is answered 503 at once, before its body is read, so an
overloaded server spends little on the requests it refuses and the accepted ones wait at most
behind that many others.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .batcher import Batcher, BatchTiming
from .protocol import (
    HANDLER_START,
    HEADER_LENGTH,
    JSON_CONTENT_TYPE,
    ModelInterface,
    ProtocolError,
    encode_infer_response,
    error_body,
    model_metadata,
    parse_infer_request,
)

SERVER_NAME = "compressbench"
EXTENSIONS = ["binary_tensor_data"]
SERVER_TIMING_PARTS = ("decode", "queue", "inference", "encode")


class ServedModel:
    """A target's runtime (compressbench.runtimes) behind the protocol's interface."""

    def __init__(self, runtime, interface: ModelInterface, platform: str, facts: dict):
        self.runtime = runtime
        self.interface = interface
        self.platform = platform
        self.facts = facts

    @classmethod
    def open(cls, target, model_dir, spec, threads: int, options: dict, max_batch_size: int) -> ServedModel:
        """The target's runtime through runtimes.open_runtime, compiled for batch 1..max_batch_size."""
        from ..runtimes import open_runtime

        runtime = open_runtime(target, model_dir, spec, threads, options)
        interface = ModelInterface(target.name, tuple(spec.input_shape), spec.num_classes, max_batch_size)
        model = cls(runtime, interface, target.runtime, {})
        model.warm_up()
        info = runtime.info()
        model.facts = {"target": target.name, "threads": info.get("threads"), "precision": info.get("precision")}
        model.facts["runtime_info"] = info
        return model

    def predict(self, batch_size: int):
        return self.runtime.compiled(batch_size)

    def warm_up(self) -> None:
        for size in range(1, self.interface.max_batch_size + 1):
            self.predict(size)(np.zeros((size, *self.interface.image_shape), dtype=np.float32))


def server_timing(started_ns: int, timing: BatchTiming, encoded_ns: int) -> str:
    parts = (
        timing.enqueued_ns - started_ns,
        timing.started_ns - timing.enqueued_ns,
        timing.finished_ns - timing.started_ns,
        encoded_ns - timing.finished_ns,
    )
    return ", ".join(f"{name};dur={ns / 1e6:.4f}" for name, ns in zip(SERVER_TIMING_PARTS, parts, strict=True))


def _error(status: int, message: str) -> Response:
    return Response(error_body(message), status_code=status, media_type=JSON_CONTENT_TYPE)


def _json(data: dict) -> Response:
    return Response(orjson.dumps(data), media_type=JSON_CONTENT_TYPE)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past `limit` bytes (by Content-Length or while streaming)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProtocolError(413, f"body of {int(declared)} bytes: larger than the {limit} a full batch needs")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ProtocolError(413, f"body over {limit} bytes: larger than a full batch needs")
        chunks.append(chunk)
    return b"".join(chunks)


class InferenceService:
    """The state behind the routes: one model, its batcher and the count of requests held."""

    def __init__(self, model: ServedModel, batcher: Batcher, max_queue_size: int):
        self.model = model
        self.interface = model.interface
        self.batcher = batcher
        self.max_queue_size = max_queue_size
        self.held = 0
        self.ready = False
        zeros = np.zeros((1, self.interface.num_classes), dtype=np.float32)
        self.noop_body, _ = encode_infer_response(self.interface.name, None, zeros, binary=False)

    @contextlib.asynccontextmanager
    async def lifespan(self, app):
        self.batcher.start()
        self.ready = True
        try:
            yield
        finally:
            self.ready = False
            self.batcher.stop()

    async def live(self, request: Request) -> Response:
        return Response(status_code=200)

    async def health_ready(self, request: Request) -> Response:
        return Response(status_code=200 if self.ready else 503)

    async def server_metadata(self, request: Request) -> Response:
        from importlib.metadata import version

        stack = f"starlette {version('starlette')}, uvicorn {version('uvicorn')}"
        return _json({"name": SERVER_NAME, "version": stack, "extensions": EXTENSIONS})

    def _unknown(self, request: Request) -> Response | None:
        name = request.path_params["name"]
        if name == self.interface.name:
            return None
        return _error(404, f"model {name!r} not found: this server serves {self.interface.name!r}")

    async def metadata(self, request: Request) -> Response:
        unknown = self._unknown(request)
        return unknown or _json(model_metadata(self.interface, self.model.platform, self.model.facts))

    async def model_ready(self, request: Request) -> Response:
        return self._unknown(request) or Response(status_code=200 if self.ready else 503)

    async def infer(self, request: Request) -> Response:
        started = time.perf_counter_ns()
        arrived = time.monotonic_ns()  # the system-wide clock: comparable with the load generator's
        unknown = self._unknown(request)
        if unknown:
            return unknown
        if self.held >= self.max_queue_size:
            return _error(503, f"queue full: {self.held} requests held (max_queue_size {self.max_queue_size})")
        self.held += 1
        try:
            body = await read_body(request, self.interface.max_body_bytes())
            parsed = parse_infer_request(body, request.headers.get(HEADER_LENGTH), self.interface)
            logits, timing = await self.batcher.submit(parsed.images)
            content, headers = encode_infer_response(
                self.interface.name, parsed.request_id, logits, parsed.binary_output
            )
            encoded = time.perf_counter_ns()
        except ProtocolError as error:
            return _error(error.status, str(error))
        except Exception as error:  # the runtime failed: the request is answered, the server goes on
            return _error(500, f"inference failed: {type(error).__name__}: {error}")
        finally:
            self.held -= 1
        headers["server-timing"] = server_timing(started, timing, encoded)
        headers["inference-batch-size"] = str(timing.batch_images)
        headers[HANDLER_START.lower()] = str(arrived)
        return Response(content, headers=headers)

    async def noop(self, request: Request) -> Response:
        await request.body()
        return Response(self.noop_body, media_type=JSON_CONTENT_TYPE)


def create_app(service: InferenceService) -> Starlette:
    routes = [
        Route("/v2/health/live", service.live),
        Route("/v2/health/ready", service.health_ready),
        Route("/v2", service.server_metadata),
        Route("/v2/models/{name}", service.metadata),
        Route("/v2/models/{name}/ready", service.model_ready),
        Route("/v2/models/{name}/infer", service.infer, methods=["POST"]),
        Route("/noop", service.noop, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=service.lifespan)

"""The inference server over real HTTP: protocol, bad requests, load shedding, and the server
process's lifecycle (started, awaited, always stopped). Tiny synthetic models; nothing is timed."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import orjson
import pytest
import torch
import uvicorn

from compressbench import paths
from compressbench.model import ModelSpec, build_model
from compressbench.serve.app import InferenceService, ServedModel, create_app
from compressbench.serve.batcher import Batcher
from compressbench.serve.cli import bound_socket
from compressbench.serve.client import ClientPool
from compressbench.serve.load import closed_loop
from compressbench.serve.process import ServeError, port_listening, running_server
from compressbench.serve.protocol import (
    HEADER_LENGTH,
    ModelInterface,
    decode_infer_response,
    encode_infer_request,
)
from compressbench.targets import TARGETS

SPEC = ModelSpec(1, 16, 3, ["a", "b", "c"], [0.5], [0.25])
IMAGES = np.random.default_rng(0).normal(size=(12, 1, 16, 16)).astype(np.float32)
WAIT_SECONDS = 30.0  # an upper bound on waiting for a process, never a measured figure


def make_run_dir(folder: Path) -> Path:
    """A run folder as the workflow leaves it for the `pytorch` target: spec.json and model.pt."""
    torch.manual_seed(0)
    model_dir = folder / paths.for_target(paths.MODEL_DIR, "pytorch")
    model_dir.mkdir(parents=True)
    torch.save(build_model(SPEC).state_dict(), model_dir / "model.pt")
    (folder / paths.SPEC).parent.mkdir(parents=True)
    SPEC.save(folder / paths.SPEC)
    return folder


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return make_run_dir(tmp_path_factory.mktemp("serve-run"))


@contextmanager
def server_in_thread(service: InferenceService):
    """The app under uvicorn in a thread of this process, on a free port."""
    sock = bound_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(service), lifespan="on", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT_SECONDS
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(WAIT_SECONDS)


@pytest.fixture(scope="module")
def served(run_dir):
    """(port, in-process runtime) of the pytorch target served with batching on."""
    model = ServedModel.open(TARGETS["pytorch"], run_dir / "results/models/pytorch", SPEC, 1, {}, 4)
    service = InferenceService(model, Batcher(model.predict, 4, 200), max_queue_size=8)
    with server_in_thread(service) as port:
        yield port, model.runtime


def call(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) of one request on a fresh connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_SECONDS)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def infer(port: int, images: np.ndarray, binary: bool = False, model: str = "pytorch"):
    body, headers = encode_infer_request(images, binary=binary)
    return call(port, "POST", f"/v2/models/{model}/infer", body, headers)


def test_health_server_and_model_metadata(served):
    port, _ = served
    assert call(port, "GET", "/v2/health/live")[0] == 200
    assert call(port, "GET", "/v2/health/ready")[0] == 200
    assert call(port, "GET", "/v2/models/pytorch/ready")[0] == 200
    assert "binary_tensor_data" in orjson.loads(call(port, "GET", "/v2")[2])["extensions"]
    metadata = orjson.loads(call(port, "GET", "/v2/models/pytorch")[2])
    assert metadata["inputs"] == [{"name": "input", "datatype": "FP32", "shape": [-1, 1, 16, 16]}]
    assert metadata["outputs"][0]["shape"] == [-1, 3]
    assert metadata["parameters"]["max_batch_size"] == 4 and metadata["parameters"]["threads"] == 1


@pytest.mark.parametrize("binary", [False, True])
def test_served_classes_equal_the_in_process_runtime(served, binary):
    port, runtime = served
    expected = runtime.predict(IMAGES, 1).argmax(axis=1)
    served_classes = []
    for image in IMAGES:
        status, headers, body = infer(port, image[None], binary=binary)
        assert status == 200, body
        served_classes.append(int(decode_infer_response(body, headers.get(HEADER_LENGTH.lower())).argmax()))
    assert served_classes == expected.tolist()


def test_a_batch_request_and_the_servers_split_of_its_time(served):
    port, runtime = served
    status, headers, body = infer(port, IMAGES[:3])
    assert status == 200
    np.testing.assert_allclose(decode_infer_response(body, None), runtime.predict(IMAGES[:3], 3), rtol=1e-5, atol=1e-5)
    parts = dict(metric.strip().split(";dur=") for metric in headers["server-timing"].split(","))
    assert set(parts) == {"decode", "queue", "inference", "encode"}
    assert all(float(value) >= 0 for value in parts.values())
    assert 3 <= int(headers["inference-batch-size"]) <= 4


def post(port: int, body: bytes):
    return call(port, "POST", "/v2/models/pytorch/infer", body)


def oversized(port):
    return post(port, b"0" * (4 * 256 * 64 + 64 * 1024 + 1))


BAD = {
    "malformed JSON": (lambda port: post(port, b'{"inputs": ['), 400, "malformed JSON"),
    "wrong shape": (lambda port: infer(port, np.zeros((1, 1, 8, 8), np.float32)), 400, "shape [1, 1, 8, 8]"),
    "wrong dtype": (
        lambda port: call(port, "POST", "/v2/models/pytorch/infer",
                          orjson.dumps({"inputs": [{"name": "input", "datatype": "INT32", "shape": [1, 1, 16, 16],
                                                    "data": [0] * 256}]})),
        400, "datatype 'INT32'",
    ),
    "unknown model": (lambda port: infer(port, IMAGES[:1], model="resnet"), 404, "model 'resnet' not found"),
    "oversized body": (oversized, 413, "larger than"),
    "no inputs": (lambda port: post(port, b'{"inputs": []}'), 400, "no inputs"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD)
def test_a_bad_request_gets_a_4xx_naming_it_and_the_next_good_one_is_answered(served, case):
    port, runtime = served
    send, status, words = BAD[case]
    got, _, body = send(port)
    assert got == status and words in orjson.loads(body)["error"]
    status, _, body = infer(port, IMAGES[:1])
    assert status == 200
    assert decode_infer_response(body, None).argmax() == runtime.predict(IMAGES[:1], 1).argmax()


class GatedRuntime:
    """A runtime whose inference waits until the test opens the gate."""

    def __init__(self):
        self.gate = threading.Event()
        self.entered = threading.Event()

    def compiled(self, batch_size):
        def predict(images):
            self.entered.set()
            assert self.gate.wait(WAIT_SECONDS)
            return np.zeros((len(images), 3), np.float32)

        return predict


def test_a_full_queue_answers_503_and_the_server_goes_on():
    runtime = GatedRuntime()
    model = ServedModel(runtime, ModelInterface("gated", (1, 16, 16), 3, 1), "fake", {})
    service = InferenceService(model, Batcher(model.predict, 1, 0), max_queue_size=1)
    with server_in_thread(service) as port:
        first = {}
        worker = threading.Thread(target=lambda: first.update(result=infer(port, IMAGES[:1], model="gated")))
        worker.start()
        assert runtime.entered.wait(WAIT_SECONDS)  # the first request holds the only place
        status, _, body = infer(port, IMAGES[:1], model="gated")
        assert status == 503 and "queue full" in orjson.loads(body)["error"]
        runtime.gate.set()
        worker.join(WAIT_SECONDS)
        assert first["result"][0] == 200
        assert infer(port, IMAGES[:1], model="gated")[0] == 200


def test_a_burst_over_a_tiny_queue_is_shed_and_every_request_accounted(run_dir):
    model = ServedModel.open(TARGETS["pytorch"], run_dir / "results/models/pytorch", SPEC, 1, {}, 1)
    service = InferenceService(model, Batcher(model.predict, 1, 0), max_queue_size=1)

    async def burst(port):
        client = ClientPool("127.0.0.1", port, limit=16)
        requests = [
            client.encode("POST", "/v2/models/pytorch/infer", *encode_infer_request(IMAGES[i : i + 1]))
            for i in range(4)
        ]
        try:
            return await closed_loop(client, requests, 16, 0.5, 5.0)
        finally:
            client.close()

    with server_in_thread(service) as port:
        result = asyncio.run(burst(port))
        assert result["ok"] > 0 and result["rejected"] > 0  # 16 senders against room for 1
        assert result["sent"] == result["ok"] + result["rejected"] + result["error"] + result["timeout"]
        assert result["error"] == result["timeout"] == 0
        assert infer(port, IMAGES[:1])[0] == 200


# ---------------------------------------------------------------- the server process


def server_args(run_dir: Path, target: str = "pytorch") -> list[str]:
    return ["--target", target, "--run-dir", str(run_dir), "--threads=1", "--max-batch-size=2"]


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_the_server_is_stopped_and_its_port_freed_when_the_job_fails(run_dir, tmp_path):
    with pytest.raises(RuntimeError, match="the load failed"):
        with running_server(server_args(run_dir), tmp_path / "server.log") as server:
            pid, port = server.pid, server.port
            assert infer(port, IMAGES[:1])[0] == 200
            raise RuntimeError("the load failed")
    assert gone(pid) and not port_listening("127.0.0.1", port)
    with socket.socket() as probe:  # the port can be bound again
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


def test_a_server_that_cannot_start_fails_with_its_log(tmp_path):
    with pytest.raises(ServeError, match="missing; build the target first"):
        with running_server(server_args(tmp_path), tmp_path / "server.log"):
            pass


OWNER = textwrap.dedent(
    """
    import signal, sys, time
    from pathlib import Path
    from compressbench.serve.process import running_server, sigterm_as_interrupt
    # Ctrl-C as in a terminal: a shell starts background jobs (a CI script run with &) with SIGINT
    # ignored, and Python then leaves it ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with sigterm_as_interrupt():
        with running_server({args!r}, Path({log!r})) as server:
            print(server.pid, server.port, flush=True)
            time.sleep(600)
    """
)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["ctrl-c", "sigterm", "sigkill"])
def test_no_server_outlives_its_job(run_dir, tmp_path, how):
    """Ctrl-C and SIGTERM unwind the job, which stops the server; after SIGKILL the server notices
    its parent is gone and stops itself. Either way the port is free."""
    code = OWNER.format(args=server_args(run_dir), log=str(tmp_path / "server.log"))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    owner = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        pid, port = (int(value) for value in owner.stdout.readline().split())
        assert infer(port, IMAGES[:1])[0] == 200
        owner.send_signal(how)
        owner.wait(WAIT_SECONDS)
        wait_until(lambda: gone(pid), f"server {pid} still runs after its job got {how!r}")
        assert not port_listening("127.0.0.1", port)
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()


def test_cli_serves_by_hand_with_the_run_config(run_dir, tmp_path):
    """`python -m compressbench.serve` reads run-dir/config.yaml; flags override it."""
    (run_dir / "config.yaml").write_text(json.dumps({"serve": {"max_queue_size": 3}, "runtime": {"threads": 1}}))
    try:
        with running_server(["--target", "pytorch", "--run-dir", str(run_dir)], tmp_path / "server.log") as server:
            metadata = orjson.loads(call(server.port, "GET", "/v2/models/pytorch")[2])
            assert metadata["parameters"]["threads"] == 1
            assert metadata["parameters"]["max_batch_size"] == 8  # the schema's default
        assert "max_queue_size 3" in (tmp_path / "server.log").read_text()
    finally:
        (run_dir / "config.yaml").unlink()

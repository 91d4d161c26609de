"""A server process owned by the job that measures it: started, awaited, always stopped.

The server binds a free port itself (port 0) and writes it to a file once its model is compiled,
so two jobs never race for a port. `running_server` waits for that file and GET
/v2/health/ready, and on leaving (normally, on an error, on Ctrl-C, or on SIGTERM through
`sigterm_as_interrupt`) stops the server: SIGTERM (uvicorn's graceful shutdown), SIGKILL if it
outlives the grace time, then waits until nothing listens on its port. A job killed outright
(SIGKILL) cannot clean up; the server then notices it was re-parented and stops itself
(cli.stop_with_parent).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds compressbench/
STOP_GRACE_SECONDS = 10.0
POLL_SECONDS = 0.05


class ServeError(RuntimeError):
    """The server could not start or stop; the message names the command and its log's tail."""


@dataclass(frozen=True)
class ServerProcess:
    process: subprocess.Popen
    host: str
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def port_listening(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/v2/health/ready", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _wait_ready(process: subprocess.Popen, port_file: Path, host: str, log_path: Path, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServeError(
                f"the server exited with status {process.returncode} before it was ready:\n{log_tail(log_path)}"
            )
        if port_file.is_file():
            port = int(port_file.read_text())
            if ready(f"http://{host}:{port}"):
                return port
        time.sleep(POLL_SECONDS)
    raise ServeError(f"the server was not ready within {timeout:.0f} s:\n{log_tail(log_path)}")


def stop(process: subprocess.Popen, host: str, port: int | None) -> None:
    """SIGTERM, SIGKILL after the grace time; then the port must be free."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if port is not None:
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while port_listening(host, port):
            if time.monotonic() > deadline:
                raise ServeError(f"port {port} still answers after the server (pid {process.pid}) stopped")
            time.sleep(POLL_SECONDS)


@contextlib.contextmanager
def running_server(
    server_args: list[str], log_path: Path, host: str = "127.0.0.1", ready_timeout: float = 120.0
) -> Iterator[ServerProcess]:
    """`python -m compressbench.serve *server_args` on a free port of `host`, ready when yielded."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryDirectory(prefix="compressbench-serve-") as folder:
        port_file = Path(folder) / "port"
        command = [
            sys.executable, "-m", "compressbench.serve", *server_args,
            "--host", host, "--port", "0", "--port-file", str(port_file), "--parent-pid", str(os.getpid()),
        ]  # fmt: skip
        with open(log_path, "ab") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        port = None
        try:
            port = _wait_ready(process, port_file, host, log_path, ready_timeout)
            yield ServerProcess(process, host, port, log_path)
        finally:
            stop(process, host, port)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (what a scheduler or Snakemake sends to stop a job) unwinds like Ctrl-C, so every
    `finally` runs and the servers are stopped; Python's default would end the process at once."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

"""`python -m compressbench.serve --target openvino --run-dir .`: serve a built target by hand.

The run's config (run-dir/config.yaml, then each --configfile, defaults from the schema) gives the
thread count (runtime.threads), OpenVINO's precision and the batching settings (serve.*); flags
override them. The model is opened and compiled for every batch size before the socket is bound,
so a client that can connect is served at once.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
import time
from pathlib import Path

from .. import paths

PARENT_POLL_SECONDS = 0.5


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m compressbench.serve", description=__doc__.split("\n")[0])
    parser.add_argument("--target", required=True, help="a built target (results/models/<target>/)")
    parser.add_argument("--run-dir", default=".", type=Path, help="the workflow's folder (holds results/)")
    parser.add_argument("--configfile", action="append", default=[], help="config files over run-dir/config.yaml")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0: any free port (see --port-file)")
    parser.add_argument("--port-file", type=Path, help="write the bound port here once the model is ready")
    parser.add_argument("--threads", type=int, help="runtime threads (default: runtime.threads)")
    parser.add_argument(
        "--runtime-options", type=json.loads, help="the runtime's options as JSON (default: the target's)"
    )
    parser.add_argument("--max-batch-size", type=int)
    parser.add_argument("--max-queue-delay-us", type=int)
    parser.add_argument("--max-queue-size", type=int)
    parser.add_argument("--cpus", help="pin the server to these CPUs, e.g. 0 or 0,1 (before any thread starts)")
    parser.add_argument("--parent-pid", type=int, help="stop when this process (the one that started us) is gone")
    return parser.parse_args(argv)


def run_config(args: argparse.Namespace) -> dict:
    from ..config import load_config

    base = args.run_dir / "config.yaml"
    return load_config(*([base] if base.is_file() else []), *args.configfile)


def server_settings(args: argparse.Namespace, config: dict):
    from .settings import BatchingSettings

    section = config["serve"]
    values = {key: getattr(args, key) for key in ("max_batch_size", "max_queue_delay_us", "max_queue_size")}
    return BatchingSettings(**{key: section[key] if value is None else value for key, value in values.items()})


def open_model(args: argparse.Namespace, config: dict, max_batch_size: int):
    from ..config import thread_count
    from ..spec import ModelSpec
    from ..targets import get_target, runtime_options
    from .app import ServedModel

    target = get_target(args.target)
    model_dir = args.run_dir / paths.for_target(paths.MODEL_DIR, target.name)
    spec_path = args.run_dir / paths.SPEC
    for needed in (model_dir, spec_path):
        if not needed.exists():
            raise SystemExit(f"{needed}: missing; build the target first (snakemake {model_dir})")
    options = args.runtime_options
    if options is None:
        options = runtime_options(target, config["runtime"]["openvino_precision"])
    threads = args.threads or thread_count(config)
    return ServedModel.open(target, model_dir, ModelSpec.load(spec_path), threads, options, max_batch_size)


def bound_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def write_port_file(path: Path, port: int) -> None:
    """Written whole (renamed into place), so a reader never sees a partial number."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(str(port))
    partial.replace(path)


def stop_with_parent(server, parent_pid: int) -> None:
    """A killed job (SIGKILL, no chance to clean up) leaves no server: when the parent is gone we
    are re-parented, and the server shuts down as on Ctrl-C."""

    def watch():
        while os.getppid() == parent_pid and not server.should_exit:
            time.sleep(PARENT_POLL_SECONDS)
        server.should_exit = True

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.cpus:
        os.sched_setaffinity(0, {int(cpu) for cpu in args.cpus.split(",")})
    import uvicorn

    from .app import InferenceService, create_app
    from .batcher import Batcher

    config = run_config(args)
    settings = server_settings(args, config)
    model = open_model(args, config, settings.max_batch_size)
    batcher = Batcher(model.predict, settings.max_batch_size, settings.max_queue_delay_us)
    service = InferenceService(model, batcher, settings.max_queue_size)
    sock = bound_socket(args.host, args.port)
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(service),
            loop="uvloop",
            http="httptools",
            lifespan="on",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=3,
        )
    )
    if args.parent_pid:
        stop_with_parent(server, args.parent_pid)
    print(
        f"serving {model.interface.name} ({model.platform}, {model.facts['threads']} threads, "
        f"{model.facts['precision']}; max_batch_size {settings.max_batch_size}, max_queue_delay_us "
        f"{settings.max_queue_delay_us}, max_queue_size {settings.max_queue_size}, CPUs "
        f"{sorted(os.sched_getaffinity(0))}) at http://{args.host}:{port}/v2/models/{model.interface.name}",
        file=sys.stderr,
        flush=True,
    )
    if args.port_file:
        write_port_file(args.port_file, port)
    server.run(sockets=[sock])

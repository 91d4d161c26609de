"""Cross-check our OpenVINO figures against OpenVINO's own benchmark_app on the same IR.

benchmark_app runs with the settings our OpenVINORuntime compiles with: LATENCY hint, one
stream, the configured thread count and inference precision, a static shape, the sync API
(one infer request, reused). Its UI refuses ``-nthreads``/``-nstreams`` next to ``-hint
latency``, so threads, streams and precision go through ``-load_config`` (a JSON of CPU
properties), which the tool applies on top of the hint. Its stdout is parsed: the JSON
report (``-report_type``/``-json_stats``) rounds latencies to 0.01 ms, too coarse for
LeNet-5's tens of microseconds.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .cpu_probe import ParallelProbe, window_state
from .repeats import bound_name, spread
from .runtimes.options import precision_name
from .tables import write_json

COMPARED_PROPERTIES = {  # benchmark_app's compiled-model property -> our Runtime.info() key
    "INFERENCE_NUM_THREADS": "threads",
    "NUM_STREAMS": "streams",
    "INFERENCE_PRECISION_HINT": "precision_hint",
    "PERFORMANCE_HINT": "performance_hint",
}
_UNITS_TO_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
_NUMBER = r"([0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)"


class BenchmarkAppError(RuntimeError):
    """benchmark_app is missing, fails, or prints something we cannot read."""


def find_benchmark_app() -> list[str]:
    """The command that starts benchmark_app of the OpenVINO this Python imports."""
    beside = Path(sys.executable).parent / "benchmark_app"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("benchmark_app")
    if found:
        return [found]
    try:
        import openvino.tools.benchmark.main  # noqa: F401
    except ImportError as error:
        raise BenchmarkAppError(f"benchmark_app not found next to {sys.executable} nor on PATH ({error})") from None
    return [sys.executable, "-c", "import sys; from openvino.tools.benchmark.main import main; sys.exit(main())"]


def device_config(threads: int, precision: str) -> dict:
    """CPU properties for -load_config, matching OpenVINORuntime._config("LATENCY")."""
    config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": str(threads), "NUM_STREAMS": "1"}
    if precision != "auto":  # auto: OpenVINO's own default precision, as in our runtime
        config["INFERENCE_PRECISION_HINT"] = precision
    return {"CPU": config}


def build_command(
    prefix: list[str],
    xml: str | Path,
    shape: list[int],
    seconds: float,
    config_path: str | Path,
    threads: int,
    precision: str,
) -> list[str]:
    command = [
        *prefix,
        "-m", str(Path(xml).resolve()),
        "-d", "CPU",
        "-hint", "latency",
        "-api", "sync",
        "-nireq", "1",
        "-shape", "[" + ",".join(str(d) for d in shape) + "]",
        "-t", str(max(1, round(seconds))),
        "-load_config", str(config_path),
    ]  # fmt: skip
    if precision != "auto":
        command += ["-infer_precision", precision]
    return command


def _to_ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_TO_MS[unit]


def parse_output(text: str) -> dict:
    """Figures from benchmark_app's stdout: count, duration, latency median/avg/min/max (ms),
    throughput (images/s: it counts batch x iterations), first inference, compiled-model properties."""
    result: dict = {}
    patterns = {
        "count": rf"Count:\s*{_NUMBER}\s*iterations",
        "duration_ms": rf"Duration:\s*{_NUMBER}\s*ms",
        "throughput_ips": rf"Throughput:\s*{_NUMBER}\s*FPS",
        "first_inference_ms": rf"First inference took\s*{_NUMBER}\s*ms",
        "compile_ms": rf"Compile model took\s*{_NUMBER}\s*ms",
    }
    for key, pattern in patterns.items():
        match = re.search(pattern, text)
        if match:
            result[key] = float(match.group(1))
    if "count" in result:
        result["count"] = int(result["count"])
    for name, key in [("Median", "median"), ("Average", "avg"), ("Min", "min"), ("Max", "max")]:
        match = re.search(rf"^\[ INFO \]\s+{name}:\s*{_NUMBER}\s*(us|ms|s)\s*$", text, re.MULTILINE)
        if match:
            result[f"latency_{key}_ms"] = _to_ms(match.group(1), match.group(2))
    version = re.search(r"Build \.+ (\S+)", text)
    if version:
        result["version"] = version.group(1)
    result["properties"] = compiled_properties(text)
    missing = [key for key in ("latency_median_ms", "throughput_ips", "count") if key not in result]
    if missing:
        raise BenchmarkAppError(f"benchmark_app output lacks {', '.join(missing)}")
    return result


def compiled_properties(text: str) -> dict[str, str]:
    """The 'Querying optimal runtime parameters' block: what the compiled model really uses."""
    block = re.search(r"Querying optimal runtime parameters\n(.*?)(?:\n\[Step|\Z)", text, re.DOTALL)
    properties: dict[str, str] = {}
    if not block:
        return properties
    for line in block.group(1).splitlines():
        match = re.match(r"\[ INFO \]\s{2,}([A-Z0-9_]+):\s*(.*)$", line)
        if match and match.group(1) not in properties:
            properties[match.group(1)] = match.group(2).strip()
    return properties


def normalize_property(name: str, value) -> str:
    """Compare property values across spellings: <Type: 'float32'> ~ f32, PerformanceMode.LATENCY ~ LATENCY."""
    text = str(value)
    if name == "INFERENCE_PRECISION_HINT":
        return precision_name(text)
    return text.rsplit(".", 1)[-1].upper()


def settings_check(properties: dict[str, str], info: dict) -> dict:
    """Each compared property: benchmark_app's value, ours, and whether they agree."""
    check = {}
    for name, key in COMPARED_PROPERTIES.items():
        if name in properties and key in info:
            app, ours = normalize_property(name, properties[name]), normalize_property(name, info[key])
            check[name] = {"benchmark_app": app, "ours": ours, "same": app == ours}
    return check


def run_benchmark_app(
    xml: str | Path, shape: list[int], threads: int, precision: str, seconds: float, log=print
) -> dict:
    """Run benchmark_app once; returns the parsed figures, the command and its raw output."""
    prefix = find_benchmark_app()
    with tempfile.TemporaryDirectory(prefix="benchmark_app_") as workdir:
        config_path = Path(workdir) / "cpu_config.json"
        write_json(device_config(threads, precision), config_path)
        command = build_command(prefix, xml, shape, seconds, config_path, threads, precision)
        log("$ " + " ".join(command))
        try:
            with ParallelProbe() as probe:  # the CPUs' state while it ran, as around our timed windows
                efficiency = [probe.efficiency()]
                completed = subprocess.run(
                    command, capture_output=True, text=True, cwd=workdir, timeout=seconds + 300, check=False
                )
                efficiency.append(probe.efficiency())
                if probe.failure:
                    log(f"parallel-speed probe: {probe.failure}")
        except subprocess.TimeoutExpired as error:
            raise BenchmarkAppError(f"benchmark_app did not finish within {seconds + 300:.0f} s") from error
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        log(output)
        tail = " | ".join(output.strip().splitlines()[-3:])
        raise BenchmarkAppError(f"benchmark_app exited with {completed.returncode}: {tail}")
    parsed = parse_output(completed.stdout)
    parsed["command"] = command
    parsed["batch_size"] = shape[0]
    parsed["device_config"] = device_config(threads, precision)["CPU"]
    parsed["output"] = output  # the raw report, kept beside the parsed figures
    parsed["parallel_efficiency"] = efficiency
    parsed["cpu_state"] = window_state(*efficiency)
    log(
        f"batch {shape[0]}: median {parsed['latency_median_ms'] * 1000:.1f} us, "
        f"{parsed['throughput_ips']:.0f} images/s over {parsed['count']} iterations"
    )
    return parsed


def repeat_of(target: str, model_dir: str | Path, spec, ours: dict, threads: int, precision: str, seconds) -> dict:
    """benchmark_app on a target's IR at batch 1 and at the best batch size of one of our repeats (`ours`:
    that repeat's summary.json). Its job runs in the same round as that repeat (workflow/rules/benchmark.smk),
    so benchmark_app's repeats are spread over the benchmark phase like ours."""
    xml = next(Path(model_dir).glob("*.xml"), None)
    if xml is None:
        raise BenchmarkAppError(f"target {target!r}: no OpenVINO IR (.xml) in {model_dir}")
    runs = []
    for batch_size in dict.fromkeys([1, int(ours["batch_size_best"])]):
        try:
            runs.append(run_benchmark_app(xml, [batch_size, *spec.input_shape], threads, precision, seconds))
        except Exception as error:
            raise BenchmarkAppError(f"benchmark_app for target {target!r} at batch {batch_size}: {error}") from error
    return {
        "target": target,
        "repeat": ours.get("repeat"),
        "model": str(xml),
        "threads": threads,
        "precision": precision,
        "seconds": seconds,
        "version": runs[0].get("version"),
        "settings_check": settings_check(runs[0]["properties"], ours["runtime_info"]),
        "runs": runs,
        # the same round's figures of ours, so that the comparison pairs the two round by round
        "ours": {
            "latency_p50_ms": ours.get("latency_p50_ms"),
            "latency_runtime_timer_p50_ms": ours.get("latency_runtime_timer_p50_ms"),
            "throughput_by_batch": {
                str(run["batch_size"]): ours["throughput_by_batch"].get(str(run["batch_size"])) for run in runs
            },
        },
    }


def _paired(figure: str, ratio: str, app: list, ours: list) -> dict:
    """our_<figure> over the same rounds and <ratio>, ours / benchmark_app's per round: each the median
    with its range (bound_name)."""
    ratios = [a / b if a and b else None for a, b in zip(ours, app, strict=True)]
    out = {}
    for name, values in ((f"our_{figure}", ours), (ratio, ratios)):
        middle, low, high = spread(values)
        out |= {name: middle, bound_name(name, "low"): low, bound_name(name, "high"): high}
    return out


def comparison_row(size: int, pairs: list[tuple[dict, dict]]) -> dict:
    """benchmark_app at one batch size over its repeats (median, min, max) beside our figures of the same
    rounds, with the ratio ours / benchmark_app taken round by round (its median and range): a round's two
    measurements are seconds apart, the runs of different rounds minutes."""
    runs, ours = [run for run, _ in pairs], [mine for _, mine in pairs]
    app_ips = [run["throughput_ips"] for run in runs]
    latency, throughput = spread(run["latency_median_ms"] for run in runs), spread(app_ips)
    row = {
        "batch_size": size,
        "benchmark_app_repeats": len(runs),
        # the CPUs' state around each run (compressbench.cpu_probe), as around our timed windows
        "benchmark_app_cpu_states": [run.get("cpu_state") for run in runs],
        "benchmark_app_latency_median_ms": latency[0],
        "benchmark_app_latency_median_low_ms": latency[1],
        "benchmark_app_latency_median_high_ms": latency[2],
        "benchmark_app_throughput_ips": throughput[0],
        "benchmark_app_throughput_ips_low": throughput[1],
        "benchmark_app_throughput_ips_high": throughput[2],
    }
    row |= _paired(
        "throughput_ips", "throughput_ratio", app_ips, [m["throughput_by_batch"].get(str(size)) for m in ours]
    )
    if size == 1:
        app_latency = [run["latency_median_ms"] for run in runs]
        row |= _paired("latency_p50_ms", "latency_ratio", app_latency, [m.get("latency_p50_ms") for m in ours])
        # OpenVINO's own timer in our calls: the timer benchmark_app reads
        own = [m.get("latency_runtime_timer_p50_ms") for m in ours]
        row |= _paired("runtime_timer_p50_ms", "runtime_timer_ratio", app_latency, own)
    return row


def compared_batch(ours: dict, sizes: list[int]) -> int | None:
    """The batch size of the best-batch comparison: the run's best (`ours`: its combined summary.json) where
    benchmark_app ran it; else, of the sizes above 1 it ran (`sizes`), the one with our highest median
    throughput. Each extended round runs benchmark_app at that round's own best batch, and with two sizes
    about as fast (LeNet-5: 64 and 256) every extended round can pick the one the run's median does not."""
    best = ours.get("batch_size_best")
    if best in sizes or not sizes:
        return best
    ours_by_batch = ours.get("throughput_by_batch") or {}
    return max(sizes, key=lambda size: (ours_by_batch.get(str(size)) or 0.0, -size))


def combine_repeats(ours: dict, repeats: list[dict]) -> dict:
    """benchmark_app.json of a target: its repeats' figures per batch size (median and min-max over the
    repeats that ran that size) beside ours of the same rounds, with ratios ours / benchmark_app taken
    round by round (`ours`: the target's combined summary.json, for its best batch size)."""
    if not repeats:
        raise BenchmarkAppError("no benchmark_app repeats to combine")
    by_batch: dict[int, list[tuple[dict, dict]]] = {}
    for repeat in repeats:
        if "ours" not in repeat:
            raise BenchmarkAppError(
                f"benchmark_app repeat {repeat.get('repeat')} of {repeat.get('target')!r} was written by an older "
                "version (no figures of its round): rerun with --forcerun benchmark_app"
            )
        for run in repeat["runs"]:
            by_batch.setdefault(int(run["batch_size"]), []).append((run, repeat["ours"]))
    rows = [comparison_row(size, pairs) for size, pairs in sorted(by_batch.items())]
    first = {row["batch_size"]: row for row in rows}
    compared = compared_batch(ours, [size for size in first if size > 1])
    best = first.get(compared, {})
    return {
        **{key: repeats[0][key] for key in ("target", "model", "threads", "precision", "seconds", "version")},
        "repeats": len(repeats),
        "settings_check": repeats[0]["settings_check"],
        "comparison": rows,
        "latency_ratio_batch1": first.get(1, {}).get("latency_ratio"),
        "runtime_timer_ratio_batch1": first.get(1, {}).get("runtime_timer_ratio"),
        "throughput_batch": compared,  # the best-batch comparison's batch size (compared_batch)
        "throughput_ratio_best_batch": best.get("throughput_ratio"),
        "runs": [dict(run, repeat=repeat["repeat"]) for repeat in repeats for run in repeat["runs"]],
    }

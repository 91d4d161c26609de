"""Record the known-cases suite's profiles (tests/data/profiles/<case>/), run by hand:

    PYTHONPATH=$PWD .venv/bin/python tests/record_profiles.py [case ...]

Each case builds small real models with the workflow's own target builders (random weights: a
profile does not depend on what the weights learned; the pruned target prunes and fine-tunes them
on random images), profiles every target with the profile job's code (opprofile.profile_target)
and writes what compressbench.diagnosis reads, laid out as a run's results/ folder: the profiles,
a benchmark summary per target made from the profile job's own unprofiled call times (one repeat,
so no speed comparison counts as resolved), the model facts (metrics.json: params, MACs, build
facts such as the sparsity) and the machine's ISA (environment.json). Each case runs in a child
process with its own environment: the no-VNNI case caps oneDNN, inside OpenVINO, at AVX2
(ONEDNN_MAX_CPU_ISA, read once per process) and records the CPU as one without AVX-512 and VNNI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parent
CASES_DIR = TESTS / "data" / "profiles"
THREADS = 1  # layer against layer: one thread keeps a shared machine's thread wake-ups out of it
TINY_NET = {"name": "byo_models:TinyNet", "kwargs": {"width": 32}}  # two 3x3 convs, 32 and 64 channels
LIMIT = {"calls": 200, "seconds": 2.0, "warmup_calls": 20}


@dataclass(frozen=True)
class Case:
    targets: tuple[str, str]  # reference, variant
    model: dict
    best_batch: int
    image_size: int = 32
    environment: dict = field(default_factory=dict)
    hidden_flags: tuple[str, ...] = ()  # /proc/cpuinfo flags the recorded machine description leaves out
    settings: dict = field(default_factory=dict)  # compression settings over the defaults


CASES = {
    # ONNX Runtime's static QDQ quantization of a tiny CNN on digits-sized (8x8) images
    "ort_qdq_int8": Case(
        ("onnxruntime", "onnxruntime_int8"), {"name": "byo_models:TinyNet", "kwargs": {"width": 4}}, 64, 8
    ),
    # 50 % of the weights zeroed by global magnitude pruning, run by PyTorch's dense kernels
    "unstructured_sparsity": Case(("pytorch", "pytorch_pruned"), TINY_NET, 64, settings={"pruning_sparsity": 0.5}),
    # NNCF INT8 in OpenVINO with oneDNN capped at AVX2: INT8 kernels without VNNI
    "openvino_int8_no_vnni": Case(
        ("openvino", "openvino_int8"),
        TINY_NET,
        64,
        environment={"ONEDNN_MAX_CPU_ISA": "AVX2"},
        hidden_flags=("avx512", "vnni", "amx"),
    ),
}


def synthetic_dataset(channels: int, size: int, seed: int = 0):
    from compressbench.data import Dataset

    rng = np.random.default_rng(seed)
    return Dataset(
        rng.integers(0, 256, (200, channels, size, size), dtype=np.uint8),
        np.arange(200, dtype=np.int64) % 10,
        rng.integers(0, 256, (64, channels, size, size), dtype=np.uint8),
        np.arange(64, dtype=np.int64) % 10,
        [str(i) for i in range(10)],
    )


def machine_isa(hidden: tuple[str, ...]) -> dict:
    from compressbench.machine import cpu_flags, isa_features, read_cpuinfo

    flags = {flag for flag in cpu_flags(read_cpuinfo()) if not any(word in flag for word in hidden)}
    return isa_features(flags)


def bench_summary(target: str, profile_summary: dict, best: int) -> dict:
    """What the diagnosis reads of a benchmark summary, from the profile job's unprofiled calls."""
    calls = profile_summary["batches"]
    latency = calls["1"]["call_us"] / 1000.0
    throughput = best / (calls[str(best)]["call_us"] * 1e-6)
    return {
        "target": target,
        "precision": profile_summary["runtime_info"]["precision"],
        "repeats": 1,
        "batch_size_best": best,
        **{f"latency_p50{suffix}_ms": latency for suffix in ("", "_ci_low", "_ci_high")},
        **{f"throughput_ips{suffix}": throughput for suffix in ("", "_low", "_high")},
        "note": "tests/record_profiles.py: the profile job's unprofiled call times, not a benchmark",
    }


def results_file(results: Path, pattern: str, target: str = "") -> Path:
    """A results/ path pattern under the case's results folder, its folder made."""
    from compressbench import paths

    path = results / Path(pattern.format(target=target)).relative_to(paths.RESULTS)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def build_and_profile(case: Case, spec, images: np.ndarray, ctx, results: Path, target_name: str) -> None:
    """One target: built by its builder, profiled by the profile job's code, its facts written."""
    from compressbench import paths
    from compressbench.evaluation import build_info
    from compressbench.macs import model_facts
    from compressbench.model import load_weights
    from compressbench.opprofile import ProfileSettings, profile_target
    from compressbench.tables import read_json, write_json
    from compressbench.targets import get_target, runtime_options
    from compressbench.targets.context import build_target

    target = get_target(target_name)
    model_dir = ctx.checkpoint.parent / target_name
    build_target(target, ctx, model_dir)
    outputs = {key: results_file(results, pattern, target_name) for key, pattern in paths.PROFILE.items()}
    options = runtime_options(target, "f32")
    settings = ProfileSettings(**LIMIT)
    profile_target(target, model_dir, spec, images, THREADS, options, case.best_batch, settings, outputs)
    bench = bench_summary(target_name, read_json(outputs["summary"]), case.best_batch)
    write_json(bench, results_file(results, paths.BENCH["summary"], target_name))
    facts = {"target": target_name, **model_facts(load_weights(spec, ctx.checkpoint), spec.input_shape)}
    write_json({**facts, **build_info(model_dir)}, results_file(results, paths.EVAL["metrics"], target_name))


def record(name: str) -> None:
    import torch

    from compressbench import paths
    from compressbench.config import default_config
    from compressbench.data import save_dataset
    from compressbench.model import ModelSpec, build_model
    from compressbench.model_summary import describe
    from compressbench.onnx_export import export_onnx
    from compressbench.preprocess import normalize
    from compressbench.tables import write_json
    from compressbench.targets.context import BuildContext
    from compressbench.training import save_checkpoint

    case = CASES[name]
    results = CASES_DIR / name  # laid out as a run's results/
    dataset = synthetic_dataset(3, case.image_size)
    spec = ModelSpec(3, case.image_size, 10, dataset.class_names, [0.5] * 3, [0.25] * 3, model=case.model)
    torch.manual_seed(0)
    model = build_model(spec).eval()
    spec.summary = describe(model, spec.input_shape, "known case")
    settings = {**default_config()["export"], **default_config()["compression"], **case.settings}
    settings.update(calibration_size=64, finetune_epochs=1)
    with tempfile.TemporaryDirectory(prefix="known-case.") as folder:
        root = Path(folder)
        save_dataset(dataset, root / "dataset.npz")
        save_checkpoint(model, root / "weights.pt")
        export_onnx(model, spec.input_shape, root / "model.onnx", opset=17)
        ctx = BuildContext(spec, root / "weights.pt", settings, THREADS, root / "model.onnx", root / "dataset.npz")
        images = normalize(dataset.test_images, spec.mean, spec.std)
        for target_name in case.targets:
            build_and_profile(case, spec, images, ctx, results, target_name)
    spec.save(results_file(results, paths.SPEC))
    environment = {"isa": machine_isa(case.hidden_flags), "recorded_with": case.environment, "threads": THREADS}
    write_json(environment, results_file(results, paths.ENVIRONMENT))
    print(f"{name}: recorded under {results}")


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        record(argv[1])
        return
    for name in argv or list(CASES):
        environment = {
            **os.environ,
            **CASES[name].environment,
            "PYTHONPATH": os.pathsep.join([str(TESTS.parent), str(TESTS), os.environ.get("PYTHONPATH", "")]),
        }
        subprocess.run([sys.executable, __file__, "--child", name], env=environment, check=True)


if __name__ == "__main__":
    main(sys.argv[1:])

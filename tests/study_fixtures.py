"""Study results made up by the tests, in the workflow's own formats: every run's folder (results/runs/<run>/,
as results_fixtures writes a run), then results/study.json and results/study_findings.json made from them by
the study's own code (study.collect_study, analysis.study), as the study_table and study_analyze rules do."""

from __future__ import annotations

from pathlib import Path

from results_fixtures import record, write_results

from compressbench import paths
from compressbench.analysis import read_findings, write_findings
from compressbench.analysis.study import analyze_study
from compressbench.results import read_study, write_study
from compressbench.study import collect_study, expand_study, get_dotted, swept_keys

DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
# the accident: one repeat of PyTorch LeNet-5, seed 0, measured while the machine was busy
BUSY_MS = 55.948


def accuracy(target: str, settings: dict, seed_step: float = 0.004) -> float:
    """A plausible accuracy: resnet8 above lenet5, pruning costing accuracy at high sparsity, seeds
    `seed_step` apart."""
    base = 0.97 if settings.get("model.name") == "resnet8" else 0.95
    sparsity = float(settings.get("compression.pruning_sparsity") or 0.0)
    drop = 0.08 * sparsity**2 if target == "pytorch_pruned" else 0.0
    return base - drop + seed_step * float(settings.get("train.seed") or 0) - (0.001 if "int8" in target else 0.0)


def latency_ms(target: str, settings: dict) -> float:
    base = 1.2 if settings.get("model.name") == "resnet8" else 0.16
    return base * {"onnxruntime": 0.3, "onnxruntime_int8": 0.35, "openvino": 0.4}.get(target, 1.0)


def run_records(name: str, settings: dict, targets, repeats: int, busy: set, seed_step: float) -> list:
    records = []
    for target in targets:
        acc, p50 = accuracy(target, settings, seed_step), latency_ms(target, settings)
        repeat_p50 = [p50 * (1 + 0.01 * r) for r in range(repeats)]
        if (name, target) in busy:
            repeat_p50[-1] = BUSY_MS
        ordered = sorted(repeat_p50)
        median = ordered[len(ordered) // 2] if repeats % 2 else sum(ordered[repeats // 2 - 1 : repeats // 2 + 1]) / 2
        values = {
            "accuracy": acc,
            "accuracy_ci_low": acc - 0.011,
            "accuracy_ci_high": acc + 0.011,
            "f1_macro": acc - 0.002,
            "size_bytes": (300_000 if settings.get("model.name") == "resnet8" else 250_000)
            // (4 if "int8" in target else 1),
            "repeats": repeats,
            "threads": 2,
            "latency_p50_ms": median,
            "latency_p50_ci_low_ms": min(repeat_p50) if repeats > 1 else None,
            "latency_p50_ci_high_ms": max(repeat_p50) if repeats > 1 else None,
            "latency_repeat_p50_ms": repeat_p50,
            "latency_repeats_agree": False,
            "throughput_ips": 1000 / p50 * 8,
            "hostname": "node1",
            "cpu_model": "AMD EPYC 9R14",
        }
        records.append(record(target, **values))
    return records


def recorded_study(
    root: Path,
    grid: dict,
    targets=("pytorch", "onnxruntime", "openvino", "onnxruntime_int8"),
    repeats: int = 2,
    busy: set | None = None,
    base: dict | None = None,
    seed_step: float = 0.004,
):
    """A study of `grid` (study.grid) on `targets` written under `root` and analysed; returns (study,
    findings) as read back from results/study.json and results/study_findings.json. busy: (run, target)
    whose last repeat landed on a busy machine."""
    config = {**(base or {"model": {"name": "lenet5"}}), "study": {"grid": grid}}
    runs, keys = expand_study(config), swept_keys(config)
    for name, run_config in runs.items():
        settings = {key: get_dotted(run_config, key) for key in keys}
        settings.setdefault("model.name", get_dotted(run_config, "model.name"))
        records = run_records(name, settings, targets, repeats, busy or set(), seed_step)
        architecture = "ResNet-8" if settings["model.name"] == "resnet8" else "LeNet-5"
        spec = {
            "num_classes": 10,
            "class_names": DIGITS,
            "summary": {"architecture": architecture, "params": 62_006, "macs": 650_000},
            "train": {"epochs": 5, "batch_size": 64, "optimizer": "adam", "learning_rate": 0.001},
        }
        environment = {"cpu_model": "AMD EPYC 9R14", "physical_cores": 1, "logical_cpus": 2, "os": "Linux"}
        write_results(
            root / paths.STUDY_RUN.format(run=name),
            records,
            DIGITS,
            "digits",
            latency=False,
            environment=environment,
            spec=spec,
        )
    write_study(collect_study(runs, keys, root), root / paths.STUDY_JSON)
    study = read_study(root / paths.STUDY_JSON)
    write_findings(analyze_study(study), root / paths.STUDY_FINDINGS)
    return study, read_findings(root / paths.STUDY_FINDINGS)

"""One trial: a candidate variant built, evaluated and (for a timed objective) benchmarked with the
very code of the targets, on the validation images.

A candidate is a registry target; its build steps are the targets it is built from
(compressbench.targets.chain), each built by targets.context.build_target with the trial's
compression settings over the configured ones, as the workflow's build jobs build them. The
variant is evaluated by compressbench.evaluation on the validation split, and timed by
compressbench.benchmark (one repeat, combined by compressbench.repeats as summary.tsv's figures
are) on the validation images. The test images are never read.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..benchmark import BenchSettings
from ..data import Dataset
from ..evaluation import EvalSettings
from ..paths import trial_model
from ..spec import ModelSpec
from ..targets.context import BuildContext


@dataclass
class TrialContext:
    """What every trial of a worker shares."""

    build: BuildContext  # the trained model, ONNX export, dataset, configured settings and threads
    dataset: Dataset  # with its validation split
    evaluate: EvalSettings
    benchmark: BenchSettings | None  # None: no objective is timed
    openvino_precision: str
    trials_dir: Path

    @property
    def spec(self) -> ModelSpec:
        return self.build.spec


def build_variant(target: str, ctx: BuildContext, overrides: dict, work_dir: Path) -> Path:
    """Build `target` and the targets it is built from, each into work_dir/<step>, with the compression
    settings `overrides` over ctx.settings; the folder of the last step."""
    from ..targets import chain, get_target
    from ..targets.context import build_target

    settings = {**ctx.settings, **overrides}
    source = None
    for step in reversed(chain(target)):
        out_dir = work_dir / step
        build_target(get_target(step), dataclasses.replace(ctx, settings=settings, source_dir=source), out_dir)
        source = out_dir
    return source


def measure(spec_name: str, model_dir: Path, trial: TrialContext, bench_dir: Path | None) -> dict:
    """The variant's validation metrics (compressbench.evaluation) and, given a folder for the timings,
    its benchmark figures (compressbench.benchmark, one repeat combined as summary.tsv's are)."""
    from ..evaluation import evaluate
    from ..preprocess import normalize
    from ..targets import get_target, runtime_options

    target = get_target(spec_name)
    options = runtime_options(target, trial.openvino_precision)
    row = dict(
        evaluate(target, model_dir, trial.spec, trial.dataset, trial.evaluate, options, split="validation")["metrics"]
    )
    if bench_dir is not None:
        from ..benchmark import benchmark_target
        from ..paths import BENCH_REPEAT
        from ..repeats import combine

        bench_dir.mkdir(parents=True, exist_ok=True)
        outputs = {name: bench_dir / Path(pattern).name for name, pattern in BENCH_REPEAT.items()}
        images = normalize(trial.dataset.validation_images, trial.spec.mean, trial.spec.std)
        summary = benchmark_target(
            target, model_dir, trial.spec, lambda count=None: images[:count], trial.benchmark, options, outputs
        )
        row.update(combine([summary]))
    return row


def run_variant(trial: TrialContext, number: int, target: str, overrides: dict) -> dict:
    """A trial's measurements; its variant stays in trials_dir/<number>/model (the chosen one becomes
    the <runtime>_auto target). A failed build or measurement leaves no trial folder."""
    model_dir = Path(trial_model(trial.trials_dir, number))
    trial_dir = model_dir.parent
    if trial_dir.exists():  # from an interrupted run of this trial number: nothing in it is finished
        shutil.rmtree(trial_dir)
    try:
        built = build_variant(target, trial.build, overrides, trial_dir / "steps")
        built.rename(model_dir)
        shutil.rmtree(trial_dir / "steps")
        return measure(target, model_dir, trial, trial_dir / "bench" if trial.benchmark else None)
    except BaseException:
        shutil.rmtree(trial_dir, ignore_errors=True)
        raise


def base_accuracy(trial: TrialContext, base: str, work_dir: Path) -> float:
    """The validation accuracy of the constraint's base target, built as the workflow builds it."""
    try:
        built = build_variant(base, trial.build, {}, work_dir)
        return float(measure(base, built, trial, None)["accuracy"])
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def digests(weights: Path, dataset: Dataset) -> dict:
    """SHA-256 of the trained model's file and of the validation split: a storage whose trials were
    measured on another model or other images holds another search (compressbench.search.study)."""
    import hashlib

    validation = hashlib.sha256(dataset.validation_images.tobytes() + dataset.validation_labels.tobytes())
    return {"model": hashlib.sha256(Path(weights).read_bytes()).hexdigest(), "validation": validation.hexdigest()}


def trial_context(inputs, params, threads: int, benchmark: dict | None, trials_dir: Path) -> TrialContext:
    """A worker's (or the setup job's) TrialContext from its Snakemake inputs (spec, weights, onnx,
    data) and params (export and compression settings, evaluate section, OpenVINO precision)."""
    from ..data import load_dataset

    build = BuildContext(
        spec=ModelSpec.load(inputs.spec),
        checkpoint=Path(inputs.weights),
        settings={**params.export, **params.compression},
        threads=threads,
        onnx_path=Path(inputs.onnx),
        dataset_path=Path(inputs.data),
    )
    return TrialContext(
        build=build,
        dataset=load_dataset(inputs.data),
        evaluate=EvalSettings.from_config(params.evaluate, threads=threads),
        benchmark=None if benchmark is None else BenchSettings.from_config(benchmark, threads=threads),
        openvino_precision=params.openvino_precision,
        trials_dir=Path(trials_dir),
    )

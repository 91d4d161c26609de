"""What a target is: a model artifact, the runtime that executes it and the method that made it.

Each target module declares its targets (`TARGETS = (TargetSpec(...), ...)`) and the registry
(compressbench.targets) collects them. Everything downstream (aggregate, analysis, report, plots)
learns a target's method, reference and precision from its spec, never from its name.
Importing this module is cheap (no torch/openvino): the Snakefile reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..runtimes.options import PRECISIONS, options_from

# The compression methods a target can apply, with what they do (the report describes them).
METHODS = {
    "baseline": "the trained FP32 network, stored as its runtime stores it by default",
    "graph_optimizations_off": "the same model with its runtime's graph optimizations switched off",
    "reduced_precision": "the same weights executed in a lower floating-point precision",
    "ptq_int8": "post-training static INT8 quantization, calibrated on training images",
    "ptq_int8_accuracy_control": (
        "post-training INT8 quantization that keeps the layers costing most accuracy in floating point "
        "until a validation drop limit is met (NNCF's quantization with accuracy control)"
    ),
    "qat_int8": "quantization-aware training, then INT8",
    "unstructured_pruning": "the smallest weights zeroed (same shapes), then a fine-tune",
    "structured_pruning": "whole channels removed (a narrower dense network), then a fine-tune",
    "distillation": "a narrower student trained on the trained model's soft targets",
    "student_from_labels": "the same student trained on the labels alone (distillation's control)",
    "clustering": "each layer's weights shared among a few k-means centroids, then a fine-tune",
    "auto_search": "the variant an accuracy-constrained search chose among methods and settings (results/search)",
}

# Methods that run the reference's file unchanged (a runtime setting): no size or accuracy change to state.
SAME_FILE_METHODS = ("graph_optimizations_off",)

# Methods whose network has fewer channels than the trained one (a model must be able to lose them).
NARROWER_METHODS = ("structured_pruning", "distillation", "student_from_labels")

# Top-1 agreement with the trained model below which a build counts as broken (parity check).
BASE_PARITY = 0.999
LOSSY_PARITY = 0.97
# Pruning + fine-tuning makes a new model: on CIFAR-10 LeNet-5 (64% accurate, many borderline
# images) 50% pruned and fine-tuned it agrees with FP32 on ~90% of test predictions at -0.1 pp
# accuracy. Parity here only catches a broken build; accuracy_delta_pp judges the variant.
RETRAINED_PARITY = 0.85
# A narrower network (channels pruned away, a width-multiplied student) is a different model of a
# quarter of the parameters: it can disagree with LeNet-5 on many borderline CIFAR-10 images while
# being nearly as accurate. Parity then only catches a broken build (chance level is 1/classes);
# accuracy_delta_pp and the students' comparison judge the method.
NARROWER_PARITY = 0.5


@dataclass(frozen=True)
class TargetSpec:
    name: str
    runtime: str  # pytorch | onnxruntime | openvino | torchscript
    builder: str  # "module:function" called as build(ctx, out_dir)
    label: str  # short human name for tables (and the report's, unless label_words names its own)
    method: str  # a key of METHODS
    weights: str  # how weights are stored: fp32, fp16, int8, sparse fp32, clustered fp32
    # The arithmetic the method asks for (runtimes.options.PRECISIONS): f32, bf16, f16, int8. None only for
    # a target built from a search's choice: its build_info.json records the chosen variant's.
    precision: str | None
    # The target this one is judged against (accuracy change, McNemar test, speed-up): the same
    # network in full precision, usually the same runtime's baseline. None for a baseline.
    reference: str | None = None
    # The target whose built folder this one is made from (a chain step, e.g. INT8 of a pruned
    # model, or a pruned network exported to another runtime). None: made from the trained model.
    built_from: str | None = None
    # The same recipe without the method, when one exists: what the method adds is this target
    # against its control (the distilled student against the one trained on labels alone).
    control: str | None = None
    needs_onnx: bool = False  # built from the FP32 ONNX model
    needs_data: bool = False  # calibration or fine-tuning images
    parity_threshold: float = BASE_PARITY
    # Fixed options of the runtime (keys of its class in runtimes/options.py); OpenVINO targets
    # without an inference_precision follow config runtime.openvino_precision.
    runtime_options: dict = field(default_factory=dict)
    # Built from the variant a search chose (results/search/chosen.json), not from a fixed recipe.
    from_search: bool = False
    # The report's sentence on how the target is made: a key of templates/wording/<language>.yaml,
    # filled from the target's build facts (report.sections.compression.recipe_values). None: a
    # baseline that needs no description.
    recipe: str | None = None
    # The label in the report's language, where the label is words rather than names: a wording key.
    label_words: str | None = None
    # What an abbreviation in the label stands for ("ORT: ONNX Runtime"), said where the report
    # first names the target: a wording key.
    label_gloss: str | None = None

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"target {self.name!r}: method {self.method!r} (known: {', '.join(METHODS)})")
        decided_by_search = self.precision is None and self.from_search  # build_info.json records it
        if not decided_by_search and self.precision not in PRECISIONS:
            raise ValueError(f"target {self.name!r}: precision {self.precision!r} (known: {', '.join(PRECISIONS)})")
        options_from(self.runtime, runtime_options(self, "f32"))  # a typo fails at import, naming it


def runtime_options(spec: TargetSpec, openvino_precision: str) -> dict:
    """Options for the target's runtime as a plain dict (Snakemake params; runtimes.open_runtime
    types them): the target's fixed ones, and config's precision for the other OpenVINO targets."""
    options = dict(spec.runtime_options)
    if spec.runtime == "openvino":
        options.setdefault("inference_precision", openvino_precision)
    return options

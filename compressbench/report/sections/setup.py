"""Setup: the data, the model, its training and the machine (a two-column table)."""

from __future__ import annotations

from ...machine import ISA_FLAGS
from ..tables import model_name, model_summary
from ..writer import Writer
from .base import Section, Table

DATASETS = {
    "cifar10": "common.dataset_cifar10",
    "digits": "common.dataset_digits",
    "imagefolder": "common.dataset_imagefolder",
}
# ISA features the setup table lists: the ones the runtimes pick kernels by (machine.ISA_FLAGS)
ISA_SHOWN = ("avx512", "amx", "vnni", "bf16", "avx2")
ISA_LABELS = {
    "avx512_bf16": "AVX512_BF16",
    "amx_bf16": "AMX_BF16",
    "amx_int8": "AMX_INT8",
    "amx_fp16": "AMX_FP16",
    "avx512_vnni": "AVX512_VNNI",
    "avx512_fp16": "AVX512_FP16",
    "avx512f": "AVX512F",
    "avx2": "AVX2",
    "avx_vnni": "AVX_VNNI",
}


def dataset_name(w: Writer) -> str:
    source = w.run.results.dataset.get("source", "")
    return w.s[DATASETS[source]] if source in DATASETS else str(source or w.n.missing)


def text(w: Writer) -> list[str]:
    return [w.s["setup.setup_intro"]]


PYTHON_KEYS = ("python_implementation", "python")  # environment.json: "CPython 3.11.7"


def setup_rows(w: Writer) -> list[tuple[str, str]]:
    s, n = w.s, w.n
    results = w.run.results
    env, spec, dataset = w.environment, results.spec, results.dataset
    classes = dataset.get("class_names") or spec.get("class_names") or []
    libraries = {k: v for k, v in (env.get("libraries") or {}).items() if v}
    cpus, cores = env.get("logical_cpus"), env.get("physical_cores")
    first_params = w.run.value(w.run.targets[0], "params") if w.run.targets else None  # a spec without its summary
    return [
        (s["setup.setup_dataset"], dataset_name(w)),
        (
            s["setup.setup_images"],
            f"{n.integer(dataset.get('train_images'))} / {n.integer(dataset.get('test_images'))}",
        ),
        (s["setup.setup_classes"], f"{len(classes)}: {', '.join(str(c) for c in classes)}"),
        (s["setup.setup_model"], model_text(w)),
        (s["setup.setup_params"], n.integer(model_summary(w).get("params") or first_params)),
        (s["setup.setup_macs"], n.integer(model_summary(w).get("macs"))),
        (s["setup.setup_training"], training_text(w, "setup.setup_training_value", "setup.setup_training_short")),
        (
            s["setup.setup_cpu"],
            str(env.get("cpu_model") or "—") + (s["setup.cpu_virtual"] if env.get("virtual_machine") else ""),
        ),
        (
            s["setup.setup_cores"],
            s.say(
                "setup.cores_value", cpus=s.count(cpus, "common.forms_cpus"), cores=s.count(cores, "common.forms_cores")
            ),
        ),
        (s["setup.setup_isa"], isa_text(w)),
        (s["setup.setup_os"], str(env.get("os") or "—")),
        (s["setup.setup_libraries"], ", ".join(f"{k} {v}" for k, v in sorted(libraries.items())) or "—"),
        # every timed call goes through Python, so its version belongs with the libraries'
        (s["setup.setup_python"], " ".join(str(env[key]) for key in PYTHON_KEYS if env.get(key)) or "—"),
    ]


def model_text(w: Writer) -> str:
    """ "LeNet-5: 2 Conv2d, 3 Linear, ...; input 1×32×32, 10 classes" from the network's own summary."""
    n, spec = w.n, w.run.results.spec
    summary = model_summary(w)
    counts = summary.get("layer_counts") or {}
    layers = ", ".join(f"{n.integer(count)} {kind}" for kind, count in counts.items()) or n.missing
    shape = "×".join(str(x) for x in summary.get("input_shape") or []) or n.missing
    classes = spec.get("num_classes", "—")
    return w.s.say("setup.setup_model_value", model=model_name(w), layers=layers, shape=shape, classes=classes)


def training_text(w: Writer, full_key: str, short_key: str) -> str:
    """The training settings, as a table cell or a sentence (the keys say which)."""
    s, n, results = w.s, w.n, w.run.results
    settings = results.spec.get("train") or results.dataset.get("train_settings") or {}
    log = results.train_log
    return s.say(
        full_key if settings else short_key,
        epochs=s.count(len(log), "common.forms_epochs"),
        batch=settings.get("batch_size", "—"),
        optimizer=str(settings.get("optimizer", "—")).replace("adam", "Adam").replace("sgd", "SGD"),
        lr=n.sig(settings.get("learning_rate")),
        acc=n.fixed(log[-1].get("test_accuracy"), 4) if log else "—",
    )


def isa_text(w: Writer) -> str:
    present = {flag for flag, name in ISA_FLAGS.items() if (w.environment.get("isa") or {}).get(name)}
    shown = sorted(ISA_LABELS.get(x, x) for x in present if any(k in x.replace("_", "") for k in ISA_SHOWN))
    return ", ".join(shown) or w.s["common.none_found"]


SECTION = Section(
    "setup",
    "setup.title",
    1,
    ("text", "table:setup"),
    text=text,
    tables=(Table("setup", setup_rows, "setup.tab_setup"),),
)

"""The report's tables: each a function of the run and the language, returning titles, alignments and cells."""

from __future__ import annotations

from ..architectures import ARCHITECTURES
from ..spec import DEFAULT_MODEL
from . import facts as f
from .data import env_get, env_libraries
from .prose import precision_name
from .writer import Writer


def table(
    columns: list[tuple[str, str]], rows: list[list[str]], missing: str = "—", groups=None, wide: bool = False
) -> dict:
    """columns: (title, align l|r). Drops columns (after the first) with no value in any row;
    groups: (title, span) headers over the columns (LaTeX), folded into the titles for Markdown;
    wide: set across the page turned sideways in LaTeX (a table too wide to read at the text width)."""
    keep = [
        i for i in range(len(columns)) if i == 0 or groups or any(row[i] not in (missing, "", None) for row in rows)
    ]
    full = [title for title, _ in columns]
    if groups:
        index = 0
        for title, span in groups:
            for i in range(index, index + span):
                full[i] = f"{title}: {columns[i][0]}" if title else columns[i][0]
            index += span
    return {
        "columns": [{"title": columns[i][0], "full": full[i], "align": columns[i][1]} for i in keep],
        "rows": [[row[i] for i in keep] for row in rows],
        "groups": groups,
        "wide": wide,
    }


def durations(w: Writer, values: list) -> tuple[str, list[str]]:
    """One unit for a column of durations given in ms: µs when every value is below 1 ms."""
    numbers = [v for v in values if f.is_number(v)]
    micro = bool(numbers) and max(numbers) < 1
    unit = ("мкс" if w.s.language == "ru" else "µs") if micro else ("мс" if w.s.language == "ru" else "ms")
    scaled = [1000 * v if micro and f.is_number(v) else v for v in values]
    return unit, w.n.column(scaled, 3, 3)


def quality_table(w: Writer) -> dict:
    run, s, n = w.run, w.s, w.n
    weighted = not all(f.macro_equals_weighted(run, t) for t in run.targets)
    rows = []
    for t in run.targets:
        rows.append(
            [
                w.label(t),
                n.fixed(run.value(t, "accuracy"), 4),
                w.interval(t, "accuracy"),
                n.fixed(run.value(t, "f1_macro"), 4),
                w.interval(t, "f1_macro"),
                n.fixed(run.value(t, "f1_weighted"), 4) if weighted else n.missing,
                n.percent(run.value(t, "agreement"), 2),
                n.integer(run.value(t, "changed_predictions")) if t != "pytorch" else n.missing,
                n.p_value(run.value(t, "mcnemar_p")) if t != "pytorch" else n.missing,
            ]
        )
    columns = [
        (s.col_target, "l"),
        (s.col_accuracy, "r"),
        (s.col_ci, "r"),
        (s.col_f1_macro, "r"),
        (s.col_ci, "r"),
        (s.col_f1_weighted, "r"),
        (s.col_agreement, "r"),
        (s.col_changed, "r"),
        (s.col_p, "r"),
    ]
    return table(columns, rows)


def per_class_table(w: Writer) -> dict | None:
    rows = w.run.data.per_class
    if not rows:
        return None
    s, n = w.s, w.n
    cells = [
        [str(r.get("class")), n.fixed(r.get("precision"), 3), n.fixed(r.get("recall"), 3), n.fixed(r.get("f1"), 3)]
        + [n.integer(r.get("support"))]
        for r in rows
    ]
    columns = [
        (s.col_class, "l"),
        (s.col_precision_metric, "r"),
        (s.col_recall, "r"),
        ("F1", "r"),
        (s.col_support, "r"),
    ]
    return table(columns, cells)


def speed_table(w: Writer) -> dict:
    run, s, n = w.run, w.s, w.n
    targets = run.targets
    unit, p50 = durations(w, [run.value(t, "latency_p50_ms") for t in targets])
    times = [f.test_set_time(run, t) for t in targets]
    rows = [
        [
            w.label(t),
            precision_name(run, t),
            p50[i],
            w.interval(t, "latency").replace(f"\u00a0{unit}", ""),
            n.integer(run.value(t, "throughput_ips")),
            w.interval(t, "throughput"),
            n.integer(run.value(t, "batch_size_best")),
            n.sig(times[i].seconds) if times[i] else n.missing,
        ]
        for i, t in enumerate(targets)
    ]
    columns = [
        (s.col_target, "l"),
        (s.col_exec, "l"),
        (f"p50, {unit}", "r"),
        (s.col_interval, "r"),
        (s.col_throughput, "r"),
        (s.col_range, "r"),
        (s.col_batch, "r"),
        (s.col_test_set, "r"),
    ]  # threads and repeats are the same for every target: the caption states them
    return table(columns, rows)


def memory_table(w: Writer) -> dict | None:
    run, s, n = w.run, w.s, w.n
    measured = [t for t in run.targets if run.value(t, "peak_rss_mb") is not None]
    if not measured:
        return None
    rows = [
        [w.label(t), n.fixed(run.value(t, "baseline_rss_mb"), 1), n.fixed(run.value(t, "peak_rss_mb"), 1)]
        + [n.fixed(f.model_memory_mb(run, t), 1), n.kib(run.value(t, "size_bytes"))]
        for t in measured
    ]
    columns = [(s.col_target, "l"), (s.col_baseline, "r"), (s.col_peak, "r"), (s.col_model_mem, "r"), (s.col_size, "r")]
    return table(columns, rows)


def startup_table(w: Writer) -> dict | None:
    run, s, n = w.run, w.s, w.n
    measured = [t for t in run.targets if run.value(t, "load_seconds") is not None or run.value(t, "first_call_ms")]
    if not measured:
        return None
    unit, first = durations(
        w, [run.value(t, "first_call_ms") for t in measured] + [run.value(t, "latency_p50_ms") for t in measured]
    )
    rows = []
    for i, t in enumerate(measured):
        cold, warm = run.value(t, "first_call_ms"), run.value(t, "latency_p50_ms")
        ratio = cold / warm if cold and warm else None
        rows.append(
            [w.label(t), n.sig(1000 * (run.value(t, "load_seconds") or float("nan"))), first[i]]
            + [first[len(measured) + i], n.ratio(ratio, 0)]
        )
    columns = [
        (s.col_target, "l"),
        (s.col_load, "r"),
        (f"{s.col_first_call}, {unit}", "r"),
        (f"p50, {unit}", "r"),
        (s.col_cold_ratio, "r"),
    ]
    return table(columns, rows)


def naive_table(w: Writer) -> dict | None:
    run, s, n = w.run, w.s, w.n
    rows = []
    for t in run.targets:
        naive, tuned = run.value(t, "naive_test_set_seconds"), run.value(t, "tuned_test_set_seconds")
        if not naive or not tuned:
            continue
        best = f.test_set_time(run, t)
        rows.append(
            [w.label(t), n.sig(naive), n.sig(tuned), n.sig(best.seconds) if best else n.missing, n.ratio(naive / tuned)]
        )
    if not rows:
        return None
    return table(
        [(s.col_target, "l"), (s.col_naive, "r"), (s.col_tuned, "r"), (s.col_best, "r"), (s.col_naive_ratio, "r")], rows
    )


def variants_table(w: Writer) -> dict | None:
    run, s, n = w.run, w.s, w.n
    if not run.variants:
        return None
    unit, p50 = durations(w, [run.value(t, "latency_p50_ms") for t in run.variants])
    rows = [
        [
            w.label(t),
            str((run.data.row(t) or {}).get("weights") or "").upper().replace("SPARSE ", "sparse "),
            precision_name(run, t),
            n.kib(run.value(t, "size_bytes")),
            n.ratio(run.value(t, "compression_ratio")),
            n.pp(run.value(t, "accuracy_delta_pp")).replace("\u00a0п.\u00a0п.", "").replace("\u00a0pp", ""),
            n.p_value(run.value(t, "mcnemar_p")),
            p50[i],
            w.label(run.base_of(t)) if run.base_of(t) else n.missing,
        ]
        for i, t in enumerate(run.variants)
    ]
    columns = [
        (s.col_target, "l"),
        (s.col_weights, "l"),
        (s.col_exec, "l"),
        (s.col_size, "r"),
        (s.col_ratio, "r"),
        (s.col_delta, "r"),
        (s.col_p, "r"),
        (f"p50, {unit}", "r"),
        (s.col_base, "l"),
    ]
    return table(columns, rows)


def coursework_table(w: Writer, cw: dict) -> dict:
    run, s, n = w.run, w.s, w.n
    images = f.test_images(run)
    rows = []
    for t in run.base:
        entry = cw["targets"].get(t)
        if not entry:
            continue
        naive = run.value(t, "naive_test_set_seconds")
        rows.append(
            [
                w.label(t),
                n.fixed(entry["seconds"], 2),
                n.sig(1e6 * entry["seconds"] / cw["images"]),
                " + ".join(n.fixed(x, 1) for x in entry["size_kib"]),
                n.fixed(entry["accuracy"], 4),
                n.sig(1e6 * naive / images) if naive and images else n.missing,
                n.kib(run.value(t, "size_bytes")),
                n.fixed(run.value(t, "accuracy"), 4),
            ]
        )
    per_image = f"{s.col_per_image}"
    columns = [(s.col_target, "l"), (s.col_time, "r"), (per_image, "r"), (s.col_size, "r"), (s.col_accuracy, "r")]
    columns += [(per_image, "r"), (s.col_size, "r"), (s.col_accuracy, "r")]
    return table(columns, rows, groups=[("", 1), (s.col_coursework, 4), (s.col_this_run, 3)])


def setup_rows(w: Writer) -> list[tuple[str, str]]:
    run, s, n = w.run, w.s, w.n
    env, spec, dataset = run.data.environment, run.data.spec, run.data.dataset
    classes = dataset.get("class_names") or spec.get("class_names") or []
    libraries = {k: v for k, v in env_libraries(env).items() if v}
    cpus = env_get(env, "logical_cpus", "logical_cores", "cpu_count")
    cores = env_get(env, "physical_cores", "cores")
    first_params = run.value(run.targets[0], "params") if run.targets else None  # a spec without its summary
    return [
        (s.setup_dataset, s.texts.get(f"dataset_{dataset.get('source', '')}", str(dataset.get("source", "—")))),
        (s.setup_images, f"{n.integer(dataset.get('train_images'))} / {n.integer(dataset.get('test_images'))}"),
        (s.setup_classes, f"{len(classes)}: {', '.join(str(c) for c in classes)}"),
        (s.setup_model, model_text(w)),
        (s.setup_params, n.integer(f.model_summary(run).get("params") or first_params)),
        (s.setup_macs, n.integer(f.model_summary(run).get("macs"))),
        (s.setup_training, training_text(w)),
        (s.setup_cpu, str(env_get(env, "cpu_model", "model_name") or "—")),
        (s.setup_cores, s.say("cores_value", cpus=s.count(cpus, "forms_cpus"), cores=s.count(cores, "forms_cores"))),
        (s.setup_isa, isa_text(w)),
        (s.setup_os, str(env_get(env, "os", "platform") or "—")),
        (s.setup_libraries, ", ".join(f"{k} {v}" for k, v in sorted(libraries.items())) or "—"),
    ]


def model_name(w: Writer) -> str:
    """The network's name as the model itself records it (spec.json summary), else the registry's label of
    the config's model.name (a spec without either predates the registry: its default model)."""
    summary, spec = f.model_summary(w.run), w.run.data.spec
    name = (spec.get("model") or {}).get("name") or DEFAULT_MODEL["name"]
    return str(summary.get("architecture") or (ARCHITECTURES[name].label if name in ARCHITECTURES else name))


def model_text(w: Writer) -> str:
    """ "LeNet-5: 2 Conv2d, 3 Linear, ...; input 1×32×32, 10 classes" from the network's own summary."""
    s, n, spec = w.s, w.n, w.run.data.spec
    summary = f.model_summary(w.run)
    counts = summary.get("layer_counts") or {}
    layers = ", ".join(f"{n.integer(count)} {kind}" for kind, count in counts.items()) or n.missing
    shape = "×".join(str(x) for x in summary.get("input_shape") or []) or n.missing
    classes = spec.get("num_classes", "—")
    return s.say("setup_model_value", model=model_name(w), layers=layers, shape=shape, classes=classes)


def training_text(w: Writer, key: str = "setup_training") -> str:
    """The training settings, as a table cell (setup_training) or a sentence (training_sentence)."""
    s, n, data = w.s, w.n, w.run.data
    settings = data.spec.get("train") or data.dataset.get("train_settings") or {}
    log = data.train_log
    return s.say(
        f"{key}_value" if settings else f"{key}_short",
        epochs=s.count(len(log), "forms_epochs"),
        batch=settings.get("batch_size", "—"),
        optimizer=str(settings.get("optimizer", "—")).replace("adam", "Adam").replace("sgd", "SGD"),
        lr=n.sig(settings.get("learning_rate")),
        acc=n.fixed(log[-1].get("test_accuracy"), 4) if log else "—",
    )


ISA_SHOWN = ("avx512", "amx", "vnni", "bf16", "avx2")


def isa_text(w: Writer) -> str:
    from .data import env_flags

    names = {
        "avx512bf16": "AVX512_BF16",
        "amxbf16": "AMX_BF16",
        "amxint8": "AMX_INT8",
        "amxfp16": "AMX_FP16",
        "avx512vnni": "AVX512_VNNI",
        "avx512fp16": "AVX512_FP16",
        "avx512f": "AVX512F",
        "avx2": "AVX2",
        "avxvnni": "AVX_VNNI",
    }
    flags = env_flags(w.run.data.environment)
    shown = sorted(names.get(x, x) for x in flags if any(k in x for k in ISA_SHOWN))
    return ", ".join(shown) or w.s.none_found


def methods_table(w: Writer) -> dict | None:
    """Every compression method of the run beside the targets it is measured against; an interval or test
    shares its value's cell, so that the table stays readable at full width."""
    from . import methods as m

    run, s, n = w.run, w.s, w.n
    if not m.method_targets(run):
        return None
    targets = m.reference_targets(run) + m.method_targets(run)
    unit, p50 = durations(w, [run.value(t, "latency_p50_ms") for t in targets])
    rows = []
    for i, t in enumerate(targets):
        size, packed = run.value(t, "size_bytes"), run.value(t, "size_packed_bytes")
        interval = w.interval(t, "latency").replace(f"\u00a0{unit}", "")
        rows.append(
            [
                w.label(t),
                n.kib(size),
                n.kib(packed) if packed and packed != size else n.missing,
                n.integer(run.value(t, "params")),
                n.integer(run.value(t, "macs")),
                with_note(n.fixed(run.value(t, "accuracy"), 3), accuracy_interval(w, t), n.missing),
                with_note(
                    plain_pp(w, run.value(t, "base_accuracy_delta_pp")),
                    n.p_value(run.value(t, "base_mcnemar_p")),
                    n.missing,
                ),
                with_note(p50[i], interval, n.missing),
                n.integer(run.value(t, "throughput_ips")),
                n.fixed(run.value(t, "peak_rss_mb"), 1),
            ]
        )
    columns = [(s.col_target, "l"), (s.col_size, "r"), (s.col_packed, "r"), (s.col_params, "r"), (s.col_macs, "r")]
    columns += [(s.col_accuracy_ci, "r"), (s.col_delta_p, "r"), (f"p50, {unit}", "r"), (s.col_throughput, "r")]
    return table([*columns, (s.col_peak_mb, "r")], rows, wide=True)


def with_note(value: str, note: str, missing: str) -> str:
    """ "0.778 (0.738–0.816)": a value with its interval or test, or the value alone."""
    return value if value == missing or note == missing else f"{value} ({note})"


def accuracy_interval(w: Writer, target: str) -> str:
    interval = w.run.interval(target, "accuracy")
    return f"{w.n.fixed(interval[0], 3)}–{w.n.fixed(interval[1], 3)}" if interval else w.n.missing


def plain_pp(w: Writer, value) -> str:
    """Percentage points without the unit (the column title has it)."""
    return w.n.pp(value).replace("\u00a0п.\u00a0п.", "").replace("\u00a0pp", "")


def qat_table(w: Writer) -> dict | None:
    """Quantization-aware training and post-training INT8 as one row pair."""
    run, s, n = w.run, w.s, w.n
    pair = [t for t in ("openvino_int8", "openvino_qat") if t in run.targets]
    if len(pair) < 2:
        return None
    unit, p50 = durations(w, [run.value(t, "latency_p50_ms") for t in pair])
    rows = [
        [
            w.label(t),
            n.kib(run.value(t, "size_bytes")),
            n.fixed(run.value(t, "accuracy"), 4),
            w.interval(t, "accuracy"),
            plain_pp(w, run.value(t, "base_accuracy_delta_pp")),
            n.p_value(run.value(t, "base_mcnemar_p")),
            p50[i],
        ]
        for i, t in enumerate(pair)
    ]
    columns = [
        (s.col_target, "l"),
        (s.col_size, "r"),
        (s.col_accuracy, "r"),
        (s.col_ci, "r"),
        (s.col_delta_base, "r"),
        (s.col_p, "r"),
        (f"p50, {unit}", "r"),
    ]
    return table(columns, rows)

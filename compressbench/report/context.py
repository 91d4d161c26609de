"""Everything the templates show, computed once and formatted for the report language."""

from __future__ import annotations

import datetime
from pathlib import Path

from .analysis import BASE_TARGETS, COURSEWORK, COURSEWORK_IMAGES, FLAG_NAMES, analyse
from .claims import check_all, load_claims
from .data import ReportData, env_flags, env_get, env_libraries
from .i18n import TEMPLATES, Strings
from .numbers import is_number

FIGURES = (
    "training_curves",
    "test_set_time",
    "latency",
    "throughput",
    "tradeoff",
    "confusion",
    "naive",
    "benchmark_app",
)
FIGURE_CAPTION_KEYS = {
    "training_curves": "fig_training",
    "test_set_time": "fig_test_set_time",
    "latency": "fig_latency",
    "throughput": "fig_throughput",
    "tradeoff": "fig_tradeoff",
    "confusion": "fig_confusion",
    "naive": "fig_naive",
    "benchmark_app": "fig_benchmark_app",
}
MONTHS_RU = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]


def table(
    columns: list[tuple[str, str]],
    rows: list[list[str]],
    drop_empty: bool = True,
    missing: str = "—",
    groups: list[tuple[str, int]] | None = None,
):
    """columns: (title, align l|r); groups: (title, span) headers over the columns (LaTeX), folded into
    the titles for Markdown. Drops columns (after the first) with no value in any row (not with groups)."""
    keep = [
        i
        for i in range(len(columns))
        if i == 0 or not drop_empty or groups or any(row[i] not in (missing, "", None) for row in rows)
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
    }


def format_date(day: datetime.date, language: str) -> str:
    if language == "ru":
        return f"{day.day} {MONTHS_RU[day.month - 1]} {day.year} г."
    return day.strftime("%-d %B %Y")


def build_context(
    data: ReportData,
    settings: dict,
    figures: dict[str, str] | None = None,
    templates: str | Path = TEMPLATES,
    today: datetime.date | None = None,
) -> dict:
    """settings: config["report"]; figures: name -> path relative to the report (without extension)."""
    language = settings.get("language") or "ru"
    s = Strings(language, templates)
    n = s.num
    analysis = analyse(data, s)
    figures = figures or {}
    dataset_images = data.dataset.get("test_images")

    def value(target, key):
        v = analysis.num(target, key)
        return v if is_number(v) else None

    targets = data.targets
    labels = [analysis.label(t) for t in targets]

    def col(key, significant=3, most=4, scale=1.0):
        values = [value(t, key) for t in targets]
        return n.column([v * scale if v is not None else None for v in values], significant, most)

    results = table(
        [
            (s.col_target, "l"),
            (s.col_precision, "l"),
            (s.col_time, "r"),
            (s.col_size, "r"),
            (s.col_accuracy, "r"),
            (s.col_p_macro, "r"),
            (s.col_r_macro, "r"),
            (s.col_f1_macro, "r"),
            (s.col_p_weighted, "r"),
            (s.col_r_weighted, "r"),
            (s.col_f1_weighted, "r"),
        ],
        [
            list(row)
            for row in zip(
                labels,
                [analysis.pname(t) for t in targets],
                col("test_set_seconds"),
                [n.kib(value(t, "size_bytes")) for t in targets],
                *[
                    [n.fixed(value(t, key), 4) for t in targets]
                    for key in (
                        "accuracy",
                        "precision_macro",
                        "recall_macro",
                        "f1_macro",
                        "precision_weighted",
                        "recall_weighted",
                        "f1_weighted",
                    )
                ],
                strict=True,
            )
        ],
        drop_empty=False,
    )

    def ci_text(t):
        ci = analysis.ci(t)
        return f"{n.sig(ci[0])}–{n.sig(ci[1])}" if ci else "—"

    speed = table(
        [
            (s.col_target, "l"),
            (s.col_weights, "l"),
            (s.col_precision, "l"),
            (s.col_threads, "r"),
            (s.col_time, "r"),
            (s.col_latency, "r"),
            (s.col_ci, "r"),
            (s.col_throughput, "r"),
            (s.col_batch, "r"),
            ("B/param" if language == "en" else "Б/парам.", "r"),
            (s.col_agreement, "r"),
        ],
        [
            list(row)
            for row in zip(
                labels,
                [analysis.weights_name(t) for t in targets],
                [analysis.pname(t) for t in targets],
                [n.integer(value(t, "threads")) for t in targets],
                col("test_set_seconds"),
                col("latency_p50_ms", most=4),
                [ci_text(t) for t in targets],
                [n.integer(value(t, "throughput_ips")) for t in targets],
                [n.integer(value(t, "batch_size_best")) for t in targets],
                [n.fixed(analysis.bytes_per_param(t), 2) for t in targets],
                [n.percent(value(t, "agreement")) for t in targets],
                strict=True,
            )
        ],
    )

    variants = None
    if analysis.variants:
        rows = []
        for t in analysis.variants:
            base = analysis.base_of(t)
            speedup = None
            if base and value(t, "latency_p50_ms") and value(base, "latency_p50_ms"):
                speedup = value(base, "latency_p50_ms") / value(t, "latency_p50_ms")
            rows.append(
                [
                    analysis.label(t),
                    analysis.weights_name(t),
                    analysis.pname(t),
                    n.kib(value(t, "size_bytes")),
                    n.ratio(value(t, "compression_ratio")),
                    n.fixed(value(t, "accuracy"), 4),
                    n.fixed(value(t, "accuracy_delta_pp"), 2),
                    n.percent(value(t, "agreement")),
                    n.sig(value(t, "latency_p50_ms")),
                    n.integer(value(t, "throughput_ips")),
                    analysis.label(base) if base else "—",
                    n.ratio(speedup),
                ]
            )
        variants = table(
            [
                (s.col_target, "l"),
                (s.col_weights, "l"),
                (s.col_precision, "l"),
                (s.col_size, "r"),
                (s.col_ratio, "r"),
                (s.col_accuracy, "r"),
                (s.col_delta, "r"),
                (s.col_agreement, "r"),
                (s.col_latency, "r"),
                (s.col_throughput, "r"),
                (s.col_base, "l"),
                (s.col_speedup, "r"),
            ],
            rows,
        )

    naive = None
    if analysis.naive_rows:
        naive = table(
            [(s.col_target, "l"), (s.col_naive, "r"), (s.col_tuned, "r"), (s.col_best, "r"), ("×", "r")],
            [
                [
                    analysis.label(t),
                    n.sig(value(t, "naive_test_set_seconds")),
                    n.sig(value(t, "tuned_test_set_seconds")),
                    n.sig(value(t, "best_batch_test_set_seconds")),
                    n.ratio(ratio),
                ]
                for t, ratio, _ in analysis.naive_rows
            ],
        )

    coursework_rows = []
    basis = (
        "naive_test_set_seconds"
        if all(value(t, "naive_test_set_seconds") for t in BASE_TARGETS if data.row(t))
        else "test_set_seconds"
    )
    for t in BASE_TARGETS:
        if not data.row(t):
            continue
        cw = COURSEWORK[t]
        images = (data.metrics.get(t) or {}).get("test_images") or dataset_images
        this_time = value(t, basis)
        cw_size = (
            f"{n.fixed(cw['size_text'][0], 1)} + {n.fixed(cw['size_text'][1], 1)}"
            if "size_text" in cw
            else n.fixed(cw["size_kib"], 1)
        )
        coursework_rows.append(
            [
                analysis.label(t),
                n.fixed(cw["seconds"], 2),
                n.fixed(1000 * cw["seconds"] / COURSEWORK_IMAGES, 3),
                cw_size,
                n.fixed(cw["accuracy"], 4),
                n.sig(1000 * this_time / images if this_time and images else None),
                n.kib(value(t, "size_bytes")),
                n.fixed(value(t, "accuracy"), 4),
            ]
        )
    per_image = "мс/изобр." if language == "ru" else "ms/img"
    coursework = table(
        [
            (s.col_target, "l"),
            (s.col_time, "r"),
            (per_image, "r"),
            (s.col_size, "r"),
            (s.col_accuracy, "r"),
            (
                per_image
                + (
                    " (наивно)"
                    if basis.startswith("naive") and language == "ru"
                    else " (naive)"
                    if basis.startswith("naive")
                    else ""
                ),
                "r",
            ),
            (s.col_size, "r"),
            (s.col_accuracy, "r"),
        ],
        coursework_rows,
        groups=[("", 1), (s.col_coursework, 4), (s.col_this_run, 3)],
    )

    # setup
    env = data.environment
    flags = env_flags(env)
    libraries = env_libraries(env)
    for t in targets:
        version = (data.metrics.get(t) or {}).get("runtime_runtime_version")
        runtime = (data.row(t) or {}).get("runtime")
        if version and runtime and runtime not in libraries:
            libraries[runtime] = str(version).split("-")[0]
    spec, dataset, log = data.spec, data.dataset, data.train_log
    classes = dataset.get("class_names") or spec.get("class_names") or []
    # training settings, where the training step records them (spec.json "train" or data summary)
    settings_train = spec.get("train") or spec.get("train_settings") or dataset.get("train_settings") or {}
    setup = [
        (s.setup_dataset, analysis.dataset_name()),
        (s.setup_images, f"{n.integer(dataset.get('train_images'))} / {n.integer(dataset.get('test_images'))}"),
        (s.setup_classes, f"{len(classes)}: {', '.join(str(c) for c in classes)}"),
        (s.setup_input, s.say("input_value", channels=spec.get("in_channels", "?"), size=spec.get("input_size", "?"))),
        (s.setup_model, s.say("setup_model_value", classes=spec.get("num_classes", len(classes)))),
        (s.setup_params, n.integer(analysis.num(targets[0], "params") if targets else None)),
        (
            s.setup_training,
            s.say(
                "setup_training_value" if settings_train else "setup_training_short",
                epochs=n.integer(len(log)),
                batch=settings_train.get("batch_size", "—"),
                optimizer=str(settings_train.get("optimizer", "—")).replace("adam", "Adam").replace("sgd", "SGD"),
                lr=n.sig(settings_train.get("learning_rate")),
                acc=n.fixed(log[-1].get("test_accuracy"), 4) if log else "—",
            ),
        ),
        (s.setup_cpu, str(env_get(env, "cpu_model", "model_name", "model", "cpu") or "—")),
        (s.setup_cores, str(env_get(env, "physical_cores", "cores", "logical_cores", "cpu_count") or "—")),
        (
            s.setup_isa,
            ", ".join(
                sorted(
                    FLAG_NAMES.get(f, f)
                    for f in flags
                    if any(k in f for k in ("avx512", "amx", "vnni", "bf16", "avx2"))
                )
            )
            or s.none_found,
        ),
        (s.setup_os, str(env_get(env, "os", "platform", "system") or "—")),
        (s.setup_python, str(env_get(env, "python", "python_version") or "—")),
        (s.setup_libraries, ", ".join(f"{k} {v}" for k, v in sorted(libraries.items())) or "—"),
    ]

    runtimes = sorted(
        {(data.row(t) or {}).get("runtime") for t in targets} - {None},
        key=lambda r: BASE_TARGETS.index(r) if r in BASE_TARGETS else 99,
    )
    claims = check_all(
        load_claims(Path(templates) / "claims" / f"{language}.yaml"), analysis.facts, runtimes, s.not_measured
    )
    runtime_labels = {r: analysis.label(r) if data.row(r) else r for r in runtimes}
    claim_groups = [
        {
            "runtime": runtime_labels[r],
            "claims": [
                {
                    "kind": s[c.claim.kind],
                    "text": c.claim.text,
                    "source": c.claim.source,
                    "verdict": c.verdict,
                    "verdict_text": s[f"verdict_{c.verdict}"],
                    "detail": c.detail,
                }
                for c in claims
                if c.claim.runtime == r
            ],
        }
        for r in runtimes
    ]

    first = targets[0] if targets else None
    caption_values = {
        "batch": n.integer(value(first, "eval_batch_size")) if first else "—",
        "threads": n.integer(value(first, "threads")) if first else "—",
        "images": n.integer(dataset.get("test_images")),
    }
    figure_list = {
        name: {"path": figures[name], "caption": s.say(FIGURE_CAPTION_KEYS[name], **caption_values)}
        for name in FIGURES
        if name in figures
    }
    table_numbers, number = {}, 4
    for name, present in (("naive", naive), ("variants", variants), ("coursework", True)):
        if present:
            table_numbers[name], number = number, number + 1
    section_numbers, number = {}, 4 if variants else 3
    for name in ("coursework", "proscons", "conclusion"):
        section_numbers[name], number = number, number + 1
    figure_numbers = {name: i + 1 for i, name in enumerate(figure_list)}
    table_numbers.update(setup=1, results=2, speed=3)
    today = today or datetime.date.today()
    return {
        "language": language,
        "t": s,
        "title": settings.get("title") or s.default_title,
        "author": settings.get("author") or "",
        "date": format_date(today, language),
        "setup": setup,
        "env_note": s.setup_env_report if data.environment_source == "report" else "",
        "results": results,
        "results_caption": s.say("tab_results_caption", **caption_values),
        "speed": speed,
        "speed_caption": s.say("tab_speed_caption", **caption_values)
        + " "
        + s.say("timer_caption", timer=s.timer_default),
        "variants": variants,
        "naive": naive,
        "coursework": coursework,
        "text": analysis.text,
        "facts": analysis.facts,
        "claims": claim_groups,
        "figures": figure_list,
        "has_bench": bool(data.bench),
        "table_numbers": table_numbers,
        "section_numbers": section_numbers,
        "figure_numbers": figure_numbers,
    }

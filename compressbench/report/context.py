"""Everything the templates show, computed once and formatted for the report language."""

from __future__ import annotations

import datetime
from pathlib import Path

from ..metrics import QUALITY_METRICS
from .analysis import BASE_TARGETS, COURSEWORK, COURSEWORK_IMAGES, FLAG_NAMES, Analysis, analyse
from .claims import check_all, load_claims
from .data import ReportData, env_flags, env_get, env_libraries
from .i18n import TEMPLATES, Strings

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


def _column(analysis: Analysis, key: str, significant: int = 3, most: int = 4, scale: float = 1.0) -> list[str]:
    values = [analysis.num(t, key) for t in analysis.data.targets]
    return analysis.strings.num.column([v * scale if v is not None else None for v in values], significant, most)


def _ci_text(analysis: Analysis, target: str) -> str:
    n = analysis.strings.num
    ci = analysis.ci(target)
    return f"{n.sig(ci[0])}–{n.sig(ci[1])}" if ci else "—"


def results_table(analysis: Analysis) -> dict:
    s, n, targets = analysis.strings, analysis.strings.num, analysis.data.targets
    columns = zip(
        [analysis.label(t) for t in targets],
        [analysis.pname(t) for t in targets],
        _column(analysis, "test_set_seconds"),
        [n.kib(analysis.num(t, "size_bytes")) for t in targets],
        *[[n.fixed(analysis.num(t, key), 4) for t in targets] for key in QUALITY_METRICS],
        strict=True,
    )
    return table(
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
        [list(row) for row in columns],
        drop_empty=False,
    )


def speed_table(analysis: Analysis) -> dict:
    s, n, targets = analysis.strings, analysis.strings.num, analysis.data.targets
    columns = zip(
        [analysis.label(t) for t in targets],
        [analysis.weights_name(t) for t in targets],
        [analysis.pname(t) for t in targets],
        [n.integer(analysis.num(t, "threads")) for t in targets],
        _column(analysis, "test_set_seconds"),
        _column(analysis, "latency_p50_ms", most=4),
        [_ci_text(analysis, t) for t in targets],
        [n.integer(analysis.num(t, "throughput_ips")) for t in targets],
        [n.integer(analysis.num(t, "batch_size_best")) for t in targets],
        [n.fixed(analysis.bytes_per_param(t), 2) for t in targets],
        [n.percent(analysis.num(t, "agreement")) for t in targets],
        strict=True,
    )
    return table(
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
            ("B/param" if s.language == "en" else "Б/парам.", "r"),
            (s.col_agreement, "r"),
        ],
        [list(row) for row in columns],
    )


def _variant_row(analysis: Analysis, target: str) -> list[str]:
    n, num = analysis.strings.num, analysis.num
    base = analysis.base_of(target)
    speedup = None
    if base and num(target, "latency_p50_ms") and num(base, "latency_p50_ms"):
        speedup = num(base, "latency_p50_ms") / num(target, "latency_p50_ms")
    return [
        analysis.label(target),
        analysis.weights_name(target),
        analysis.pname(target),
        n.kib(num(target, "size_bytes")),
        n.ratio(num(target, "compression_ratio")),
        n.fixed(num(target, "accuracy"), 4),
        n.fixed(num(target, "accuracy_delta_pp"), 2),
        n.percent(num(target, "agreement")),
        n.sig(num(target, "latency_p50_ms")),
        n.integer(num(target, "throughput_ips")),
        analysis.label(base) if base else "—",
        n.ratio(speedup),
    ]


def variants_table(analysis: Analysis) -> dict | None:
    if not analysis.variants:
        return None
    s = analysis.strings
    return table(
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
        [_variant_row(analysis, t) for t in analysis.variants],
    )


def naive_table(analysis: Analysis) -> dict | None:
    if not analysis.naive_rows:
        return None
    s, n = analysis.strings, analysis.strings.num
    return table(
        [(s.col_target, "l"), (s.col_naive, "r"), (s.col_tuned, "r"), (s.col_best, "r"), ("×", "r")],
        [
            [
                analysis.label(t),
                n.sig(analysis.num(t, "naive_test_set_seconds")),
                n.sig(analysis.num(t, "tuned_test_set_seconds")),
                n.sig(analysis.num(t, "best_batch_test_set_seconds")),
                n.ratio(ratio),
            ]
            for t, ratio, _ in analysis.naive_rows
        ],
    )


def _coursework_basis(analysis: Analysis) -> str:
    """The time this run is compared on: the naive loop where every base target has one."""
    data = analysis.data
    if all(analysis.num(t, "naive_test_set_seconds") for t in BASE_TARGETS if data.row(t)):
        return "naive_test_set_seconds"
    return "test_set_seconds"


def _coursework_row(analysis: Analysis, target: str, basis: str) -> list[str]:
    n, data = analysis.strings.num, analysis.data
    cw = COURSEWORK[target]
    images = (data.metrics.get(target) or {}).get("test_images") or data.dataset.get("test_images")
    this_time = analysis.num(target, basis)
    cw_size = (
        f"{n.fixed(cw['size_text'][0], 1)} + {n.fixed(cw['size_text'][1], 1)}"
        if "size_text" in cw
        else n.fixed(cw["size_kib"], 1)
    )
    return [
        analysis.label(target),
        n.fixed(cw["seconds"], 2),
        n.fixed(1000 * cw["seconds"] / COURSEWORK_IMAGES, 3),
        cw_size,
        n.fixed(cw["accuracy"], 4),
        n.sig(1000 * this_time / images if this_time and images else None),
        n.kib(analysis.num(target, "size_bytes")),
        n.fixed(analysis.num(target, "accuracy"), 4),
    ]


def coursework_table(analysis: Analysis) -> dict:
    s = analysis.strings
    basis = _coursework_basis(analysis)
    per_image = "мс/изобр." if s.language == "ru" else "ms/img"
    this_per_image = per_image
    if basis.startswith("naive"):
        this_per_image += " (наивно)" if s.language == "ru" else " (naive)"
    return table(
        [
            (s.col_target, "l"),
            (s.col_time, "r"),
            (per_image, "r"),
            (s.col_size, "r"),
            (s.col_accuracy, "r"),
            (this_per_image, "r"),
            (s.col_size, "r"),
            (s.col_accuracy, "r"),
        ],
        [_coursework_row(analysis, t, basis) for t in BASE_TARGETS if analysis.data.row(t)],
        groups=[("", 1), (s.col_coursework, 4), (s.col_this_run, 3)],
    )


def _libraries(data: ReportData) -> dict[str, str]:
    """The environment's library versions, plus the runtime versions the evaluations recorded."""
    libraries = env_libraries(data.environment)
    for t in data.targets:
        version = (data.metrics.get(t) or {}).get("runtime_runtime_version")
        runtime = (data.row(t) or {}).get("runtime")
        if version and runtime and runtime not in libraries:
            libraries[runtime] = str(version).split("-")[0]
    return libraries


def _training_text(analysis: Analysis) -> str:
    s, n, data = analysis.strings, analysis.strings.num, analysis.data
    spec, dataset, log = data.spec, data.dataset, data.train_log
    # training settings, where the training step records them (spec.json "train" or data summary)
    settings_train = spec.get("train") or spec.get("train_settings") or dataset.get("train_settings") or {}
    return s.say(
        "setup_training_value" if settings_train else "setup_training_short",
        epochs=n.integer(len(log)),
        batch=settings_train.get("batch_size", "—"),
        optimizer=str(settings_train.get("optimizer", "—")).replace("adam", "Adam").replace("sgd", "SGD"),
        lr=n.sig(settings_train.get("learning_rate")),
        acc=n.fixed(log[-1].get("test_accuracy"), 4) if log else "—",
    )


def _isa_text(analysis: Analysis) -> str:
    flags = env_flags(analysis.data.environment)
    wanted = ("avx512", "amx", "vnni", "bf16", "avx2")
    names = sorted(FLAG_NAMES.get(f, f) for f in flags if any(k in f for k in wanted))
    return ", ".join(names) or analysis.strings.none_found


def setup_rows(analysis: Analysis) -> list[tuple[str, str]]:
    s, n, data = analysis.strings, analysis.strings.num, analysis.data
    env, spec, dataset, targets = data.environment, data.spec, data.dataset, data.targets
    classes = dataset.get("class_names") or spec.get("class_names") or []
    libraries = _libraries(data)
    root = dataset.get("root")
    return [
        (s.setup_dataset, f"{analysis.dataset_name()} ({root})" if root else analysis.dataset_name()),
        (s.setup_images, f"{n.integer(dataset.get('train_images'))} / {n.integer(dataset.get('test_images'))}"),
        (s.setup_classes, f"{len(classes)}: {', '.join(str(c) for c in classes)}"),
        (s.setup_input, s.say("input_value", channels=spec.get("in_channels", "?"), size=spec.get("input_size", "?"))),
        (s.setup_model, s.say("setup_model_value", classes=spec.get("num_classes", len(classes)))),
        (s.setup_params, n.integer(analysis.num(targets[0], "params") if targets else None)),
        (s.setup_training, _training_text(analysis)),
        (s.setup_cpu, str(env_get(env, "cpu_model", "model_name", "model", "cpu") or "—")),
        (s.setup_cores, str(env_get(env, "physical_cores", "cores", "logical_cores", "cpu_count") or "—")),
        (s.setup_isa, _isa_text(analysis)),
        (s.setup_os, str(env_get(env, "os", "platform", "system") or "—")),
        (s.setup_python, str(env_get(env, "python", "python_version") or "—")),
        (s.setup_libraries, ", ".join(f"{k} {v}" for k, v in sorted(libraries.items())) or "—"),
    ]


def _runtimes(data: ReportData) -> list[str]:
    return sorted(
        {(data.row(t) or {}).get("runtime") for t in data.targets} - {None},
        key=lambda r: BASE_TARGETS.index(r) if r in BASE_TARGETS else 99,
    )


def _claim_entry(s: Strings, checked) -> dict:
    claim = checked.claim
    return {
        "kind": s[claim.kind],
        "text": claim.text,
        "source": claim.source,
        "verdict": checked.verdict,
        "verdict_text": s[f"verdict_{checked.verdict}"],
        "detail": checked.detail,
    }


def claim_groups(analysis: Analysis, templates: str | Path) -> list[dict]:
    """The pros/cons claims of each runtime, checked against the facts."""
    s, data = analysis.strings, analysis.data
    runtimes = _runtimes(data)
    claims = check_all(
        load_claims(Path(templates) / "claims" / f"{s.language}.yaml"), analysis.facts, runtimes, s.not_measured
    )
    return [
        {
            "runtime": analysis.label(r) if data.row(r) else r,
            "claims": [_claim_entry(s, c) for c in claims if c.claim.runtime == r],
        }
        for r in runtimes
    ]


def caption_values(analysis: Analysis) -> dict[str, str]:
    n, data = analysis.strings.num, analysis.data
    first = data.targets[0] if data.targets else None
    return {
        "batch": n.integer(analysis.num(first, "test_set_batch_size")) if first else "—",
        "threads": n.integer(analysis.num(first, "threads")) if first else "—",
        "images": n.integer(data.dataset.get("test_images")),
    }


def figure_entries(s: Strings, figures: dict[str, str], captions: dict[str, str]) -> dict[str, dict]:
    return {
        name: {"path": figures[name], "caption": s.say(FIGURE_CAPTION_KEYS[name], **captions)}
        for name in FIGURES
        if name in figures
    }


def numbering(naive: dict | None, variants: dict | None, figure_list: dict) -> dict[str, dict[str, int]]:
    """Table, section and figure numbers; the optional tables and sections shift the ones after them."""
    table_numbers, number = {}, 4
    for name, present in (("naive", naive), ("variants", variants), ("coursework", True)):
        if present:
            table_numbers[name], number = number, number + 1
    section_numbers, number = {}, 4 if variants else 3
    for name in ("coursework", "proscons", "conclusion"):
        section_numbers[name], number = number, number + 1
    figure_numbers = {name: i + 1 for i, name in enumerate(figure_list)}
    table_numbers.update(setup=1, results=2, speed=3)
    return {"table_numbers": table_numbers, "section_numbers": section_numbers, "figure_numbers": figure_numbers}


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
    analysis = analyse(data, s)
    variants, naive = variants_table(analysis), naive_table(analysis)
    captions = caption_values(analysis)
    figure_list = figure_entries(s, figures or {}, captions)
    today = today or datetime.date.today()
    return {
        "language": language,
        "t": s,
        "title": settings.get("title") or s.default_title,
        "author": settings.get("author") or "",
        "date": format_date(today, language),
        "setup": setup_rows(analysis),
        "env_note": s.setup_env_report if data.environment_source == "report" else "",
        "results": results_table(analysis),
        "results_caption": s.say("tab_results_caption", **captions),
        "speed": speed_table(analysis),
        "speed_caption": s.say("tab_speed_caption", **captions) + " " + s.say("timer_caption", timer=s.timer_default),
        "variants": variants,
        "naive": naive,
        "coursework": coursework_table(analysis),
        "text": analysis.text,
        "facts": analysis.facts,
        "claims": claim_groups(analysis, templates),
        "figures": figure_list,
        "has_bench": bool(data.bench),
        **numbering(naive, variants, figure_list),
    }

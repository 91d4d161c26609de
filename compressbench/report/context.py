"""Everything the templates show, computed once and formatted for the report language."""

from __future__ import annotations

import datetime
from pathlib import Path

from . import discussion, methods_text, prose, tables
from .checks import check_all as run_checks
from .claims import check_all, load_claims
from .data import ReportData
from .escape import Md, Tex, latex_escape, md_escape
from .explain import load_coursework
from .facts import Run
from .i18n import TEMPLATES, Strings
from .outline import OUTLINE, numbering, present_blocks
from .writer import Citations, Writer

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


def format_date(day: datetime.date, language: str) -> str:
    if language == "ru":
        return f"{day.day} {MONTHS_RU[day.month - 1]} {day.year} г."
    return day.strftime("%-d %B %Y")


def section_text(w: Writer, templates: str | Path) -> tuple[dict[str, list[str]], list[dict]]:
    """Paragraphs per section and the checked claims, computed in outline order so that citations are
    numbered as the reader meets them."""
    s = w.s
    coursework = load_coursework(templates)
    makers = {
        "setup": lambda: [s.setup_intro],
        "method": lambda: discussion.methodology(w),
        "results": lambda: [s.results_intro],
        "training": lambda: [tables.training_text(w, "training_sentence")],
        "quality": lambda: prose.quality(w),
        "speed": lambda: prose.speed(w),
        "memory": lambda: prose.memory(w) + prose.startup(w),
        "size": lambda: prose.size(w),
        "precision": lambda: prose.precision(w),
        "naive": lambda: prose.naive(w) + prose.benchmark_app(w),
        "variants": lambda: discussion.variants(w) if w.run.variants else [],
        "methods": lambda: methods_text.section(w),
        "coursework": lambda: discussion.coursework(w, coursework),
        "proscons": lambda: [s.proscons_intro],
        "limitations": lambda: discussion.limitations(w),
        "conclusion": lambda: discussion.conclusions(w),
    }
    text, claims = {}, []
    for section in OUTLINE:
        if section.key in makers:
            text[section.key] = makers[section.key]()
        if section.key == "proscons":
            claims = claim_groups(w, templates)  # cites the claims' sources here, in reading order
    return text, claims


def claim_groups(w: Writer, templates: str | Path) -> list[dict]:
    s, run = w.s, w.run
    runtimes = [r for r in ("pytorch", "onnxruntime", "openvino") if any(run.runtime(t) == r for t in run.targets)]
    claims = load_claims(Path(templates) / "claims" / f"{s.language}.yaml", w.citations.sources)
    checked = check_all(claims, run_checks(run), runtimes)
    groups = []
    for runtime in runtimes:
        entries = []
        for c in (c for c in checked if c.claim.runtime == runtime):
            detail_key = f"evidence_{c.evidence.detail}" if c.evidence.detail else ""
            detail = s.say(detail_key, **w.quantities(c.evidence.numbers)) if detail_key else ""
            if c.evidence.reason:
                reason = w.reason(c.evidence.reason)
                detail += f" {reason[0].upper()}{reason[1:]}."
            entries.append(
                {
                    "kind": s[c.claim.kind],
                    "text": c.claim.text,
                    "cite": w.cite(c.claim.source),
                    "verdict": c.verdict,
                    "verdict_text": s[f"verdict_{c.verdict}"],
                    "detail": detail,
                }
            )
        groups.append({"runtime": run.label(runtime) if run.data.row(runtime) else runtime, "claims": entries})
    return groups


def all_tables(w: Writer, templates: str | Path) -> dict:
    return {
        "setup": tables.setup_rows(w),
        "quality": tables.quality_table(w),
        "per_class": tables.per_class_table(w),
        "speed": tables.speed_table(w) if w.run.measured("latency") or w.run.measured("throughput") else None,
        "memory": tables.memory_table(w),
        "startup": tables.startup_table(w),
        "naive": tables.naive_table(w),
        "variants": tables.variants_table(w),
        "methods": tables.methods_table(w),
        "qat": tables.qat_table(w),
        "coursework": tables.coursework_table(w, load_coursework(templates)),
    }


def captions(w: Writer) -> dict[str, str]:
    """Table and figure captions, filled with this run's settings."""
    run, s, n = w.run, w.s, w.n
    first = run.targets[0] if run.targets else None
    values = {
        "threads": n.integer(run.value(first, "threads")) if first else n.missing,
        "images": n.integer(run.data.dataset.get("test_images")),
        "repeats": n.integer(max((run.value(t, "repeats") or 0 for t in run.targets), default=0) or None),
    }
    keys = [k for k in s.texts if k.startswith(("tab_", "fig_")) and not k.endswith("_single")]
    # without repeats the speed caption says what its interval is instead
    single = {k: f"{k}_single" for k in keys if values["repeats"] == n.missing and f"{k}_single" in s.texts}
    texts = {k: s.say(single.get(k, k), **values) for k in keys}
    if run.data.environment_source == "report":  # environment.json absent: the machine is the report's
        texts["tab_setup"] += " " + s.setup_env_report
    return texts


def references(outline_numbers: dict, s: Strings, present: dict) -> dict[str, dict]:
    """Per section, one sentence naming its tables and figures, in Markdown and LaTeX."""
    out = {}
    for key, blocks in present.items():
        tabs = [name for kind, name in blocks if kind == "table" and name != "setup"]
        figs = [name for kind, name in blocks if kind == "figure"]
        if not tabs and not figs:
            continue
        out[key] = {
            "md": Md(
                _ref_sentence(
                    s, tabs, figs, lambda kind, name: str(outline_numbers[f"{kind}_numbers"][name]), md_escape
                )
            ),
            "tex": Tex(_ref_sentence(s, tabs, figs, lambda kind, name: f"\\ref{{{kind[:3]}:{name}}}", latex_escape)),
        }
    return out


def cross_references(present: dict, figures: dict) -> dict:
    """The blocks each section's reference sentence names: its own, and for the methods section also the
    trade-off figure (shown with the sizes, it holds every target's accuracy-size and accuracy-speed front)."""
    if present.get("methods") and "tradeoff" in figures:
        return {**present, "methods": [*present["methods"], ("figure", "tradeoff")]}
    return present


def _ref_sentence(s: Strings, tabs, figs, number, escape) -> str:
    parts = []
    for kind, names in (("table", tabs), ("figure", figs)):
        if names:
            numbers = s.join([number(kind, n) for n in names])
            template = s[f"ref_{kind}s_many" if len(names) > 1 else f"ref_{kind}s_one"]
            head, _, tail = template.partition("{a}")
            parts.append(escape(head) + numbers + escape(tail))
    head, _, tail = s.ref_sentence.partition("{items}")
    return escape(head) + f" {escape(s['and'])} ".join(parts) + escape(tail)


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
    w = Writer(Run(data), s, Citations.load(templates))
    text, claims = section_text(w, templates)
    table_map = all_tables(w, templates)
    caption = captions(w)
    figure_map = {n: {"path": p, "caption": caption[f"fig_{n}"]} for n, p in (figures or {}).items() if n in FIGURES}
    present = {sec.key: present_blocks(sec, table_map, figure_map, text) for sec in OUTLINE}
    numbers = numbering(OUTLINE, table_map, figure_map, text)
    today = today or datetime.date.today()
    title_page = [settings.get(k) or "" for k in ("author", "group", "course")]
    return {
        "language": language,
        "t": s,
        "title": settings.get("title") or s.say("default_title", model=tables.model_name(w)),
        "intro": s.say("intro", model=tables.model_name(w)),
        "title_lines": [x for x in title_page if x],
        "author": settings.get("author") or "",
        "date": format_date(today, language),
        "outline": OUTLINE,
        "present": present,
        "text": text,
        "tables": table_map,
        "captions": caption,
        "figures": figure_map,
        "claims": claims,
        "bibliography": w.citations.entries(),
        "refs": references(numbers, s, cross_references(present, figure_map)),
        **numbers,
    }

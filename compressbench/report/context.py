"""Everything the templates show, made once by walking the sections (report/sections) in order."""

from __future__ import annotations

import datetime
from pathlib import Path

from .data import ReportData
from .escape import Md, Tex, latex_escape, md_escape
from .i18n import TEMPLATES, Strings, resolve_refs
from .sections import SECTIONS, Section
from .sections.conclusion import summary
from .sections.method import run_threads, threads_counted
from .sections.proscons import claim_groups
from .sections.setup import DATASETS
from .tables import model_name
from .writer import Citations, Writer

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


def present_blocks(section: Section, tables: dict, figures: dict, text: dict) -> list[tuple[str, str]]:
    """(kind, name) of the blocks this run has content for (a bare heading: see with_headings)."""
    blocks = []
    for block in section.blocks:
        kind, _, name = block.partition(":")
        if kind == "heading":
            continue
        if kind == "table" and not tables.get(name):
            continue
        if kind == "figure" and name not in figures:
            continue
        if kind in ("text", "list") and not text.get(section.key):
            continue
        blocks.append((kind, name))
    return blocks


def with_headings(sections, present: dict) -> dict:
    """A section that is only a heading is shown when one of its subsections is."""
    out = dict(present)
    for index, section in enumerate(sections):
        if "heading" not in section.blocks:
            continue
        children = []
        for child in sections[index + 1 :]:
            if child.level <= section.level:
                break
            children.append(child)
        if any(present[child.key] for child in children):
            out[section.key] = [("heading", ""), *present[section.key]]
    return out


def numbering(sections, present: dict) -> dict:
    """Section numbers ("3.2", appendix "A.1") and table/figure numbers in report order, for Markdown and the
    references."""
    numbers, table_numbers, figure_numbers = {}, {}, {}
    counters, appendix = [0, 0], False
    for section in sections:
        if section.appendix and not appendix:
            counters, appendix = [0, 0], True
        if section.numbered and present[section.key]:
            counters[section.level - 1] += 1
            if section.level == 1:
                counters[1] = 0
            first = chr(ord("A") + counters[0] - 1) if appendix else str(counters[0])
            numbers[section.key] = ".".join([first, *(str(c) for c in counters[1 : section.level])])
        for kind, name in present[section.key]:
            if kind == "table":
                table_numbers[name] = len(table_numbers) + 1
            elif kind == "figure":
                figure_numbers[name] = len(figure_numbers) + 1
    return {"section_numbers": numbers, "table_numbers": table_numbers, "figure_numbers": figure_numbers}


def caption_texts(sections, s: Strings, values: dict, single: bool = False) -> dict[str, str]:
    """Every table's and figure's caption, filled with `values` (and a figure's own values): key "tab_<name>",
    "fig_<name>". single: the run has no benchmark repeats (a table's caption_single then)."""
    texts = {}
    for section in sections:
        for tab in section.tables:
            key = tab.caption_single if single and tab.caption_single else tab.caption
            texts[f"tab_{tab.name}"] = s.say(key, **values)
        for fig in section.figures:
            texts[f"fig_{fig.name}"] = s.say(fig.caption, **values, **dict(fig.values))
    return texts


def captions(w: Writer, machine_read_now: bool) -> dict[str, str]:
    """The run report's captions, filled with this run's settings."""
    run, n = w.run, w.n
    first = run.targets[0] if run.targets else None
    repeats = max((run.value(t, "repeats") or 0 for t in run.targets), default=0) or None
    values = {
        "threads": n.integer(run.value(first, "threads")) if first else n.missing,
        "threads_counted": threads_counted(w, run_threads(w)),
        "images": n.integer(run.results.dataset.get("test_images")),
        "repeats": n.integer(repeats),
    }
    texts = caption_texts(SECTIONS, w.s, values, single=repeats is None)
    if machine_read_now:  # environment.json absent: the machine is the report's
        texts["tab_setup"] += " " + w.s["setup.setup_env_report"]
    return texts


def references(numbers: dict, s: Strings, present: dict, discussed: dict | None = None) -> dict[str, dict]:
    """Per section, one sentence naming its tables and figures, in Markdown and LaTeX; `discussed`: per section,
    the appendix's blocks its text discusses (with_discussed), named after its own as the appendix's."""
    out = {}
    for key, blocks in present.items():
        elsewhere = (discussed or {}).get(key, [])
        parts = [
            [(kind, name) for kind, name in blocks if (kind, name) not in elsewhere],
            elsewhere,
        ]
        if not any(kind in ("table", "figure") and name != "setup" for kind, name in blocks):
            continue
        formats = (
            ("md", Md, lambda kind, name: str(numbers[f"{kind}_numbers"][name]), md_escape),
            ("tex", Tex, lambda kind, name: f"\\ref{{{kind[:3]}:{name}}}", latex_escape),
        )
        # "(Table 3)" after the paragraph's last sentence; "See Table 3." after one that ends in a parenthesis
        out[key] = {
            prefix + fmt: kind_of(_ref_sentence(s, parts, number, escape, see))
            for fmt, kind_of, number, escape in formats
            for prefix, see in (("", False), ("see_", True))
        }
    return out


def with_discussed(sections, present: dict, tables: dict, figures: dict) -> tuple[dict, dict]:
    """The blocks each section's reference names: its own, and the tables and figures of other sections that its
    text discusses (Section.discusses); and, per main-text section, those of them that are the appendix's."""
    out, discussed = dict(present), {}
    in_appendix = {block for section in sections if section.appendix for block in present.get(section.key, [])}
    for section in sections:
        wanted = [block.partition(":")[::2] for block in section.discusses]
        extra = [(kind, name) for kind, name in wanted if (tables.get(name) if kind == "table" else name in figures)]
        if present.get(section.key) and extra:
            out[section.key] = [*present[section.key], *extra]
            if not section.appendix and any(block in in_appendix for block in extra):
                discussed[section.key] = [block for block in extra if block in in_appendix]
    return out, discussed


REF_WORDS = {  # (kind, several, as the object of "See") -> wording
    ("table", False, False): "common.ref_tables_one",
    ("table", True, False): "common.ref_tables_many",
    ("figure", False, False): "common.ref_figures_one",
    ("figure", True, False): "common.ref_figures_many",
    ("table", False, True): "common.ref_see_tables_one",
    ("table", True, True): "common.ref_see_tables_many",
    ("figure", False, True): "common.ref_see_figures_one",
    ("figure", True, True): "common.ref_see_figures_many",
}


def _ref_sentence(s: Strings, groups, number, escape, see: bool = False) -> str:
    """ "(Tables 2 and 3; Figure 4)"; a second group of blocks, the appendix's, after "in the appendix:". With
    `see`, a sentence of its own, "See Tables 2 and 3; Figure 4." (the words as its object: «См. таблицу 3»)."""
    said = []
    for index, blocks in enumerate(groups):
        parts = []
        for kind in ("table", "figure"):
            names = [name for k, name in blocks if k == kind and name != "setup"]
            if names:
                numbers = s.join([number(kind, n) for n in names])
                head, _, tail = s[REF_WORDS[(kind, len(names) > 1, see)]].partition("{a}")
                parts.append(escape(head) + numbers + escape(tail))
        if parts:
            lead = escape(s["common.ref_appendix"]) + " " if index else ""
            said.append(lead + (", " if index else "; ").join(parts))
    head, _, tail = s["common.ref_sentence_see" if see else "common.ref_sentence"].partition("{items}")
    return escape(head) + "; ".join(said) + escape(tail)


def walk(
    sections, w: Writer, caption: dict[str, str], figures: dict[str, str] | None, after=None, appendix_lines=None
) -> dict:
    """The sections in order (so that sources are numbered as the reader meets them): their paragraphs,
    tables and figures, what is present, the numbering and the references, as the templates read them.
    figures: name -> path relative to the report (without extension); after(section): called after each;
    appendix_lines: None, the appendix starts a new page; a number of lines, it starts on the page in progress
    when that many are left there (what its content needs: a table kept whole when it fits), else on the next."""
    text, tables = {}, {}
    for section in sections:
        text[section.key] = section.text(w) if section.text else []
        w.take()  # what a section read but did not state belongs to no paragraph
        for tab in section.tables:
            tables[tab.name] = tab.make(w)
        if after is not None:
            after(section)
    known = {f.name for section in sections for f in section.figures}
    figure_map = {n: {"path": p, "caption": caption[f"fig_{n}"]} for n, p in (figures or {}).items() if n in known}
    present = {sec.key: present_blocks(sec, tables, figure_map, text) for sec in sections}
    if not w.citations.order:  # nothing cited: no heading over an empty list of references
        present = {key: [b for b in blocks if b[0] != "bibliography"] for key, blocks in present.items()}
    present = with_headings(sections, present)
    numbers = numbering(sections, present)
    # "Table {table_speed}" in a sentence: its number, now that the tables and figures are numbered
    text, tables, caption, figure_map = resolve_refs((text, tables, caption, figure_map), numbers, w.n.missing)
    return {
        "sections": sections,
        "appendix_lines": appendix_lines,
        "appendix_start": next((sec.key for sec in sections if sec.appendix and present[sec.key]), None),
        "present": present,
        "text": text,
        "tables": tables,
        "captions": caption,
        "figures": figure_map,
        "bibliography": w.citations.entries(w.s.language),
        "refs": references(numbers, w.s, *with_discussed(sections, present, tables, figure_map)),
        **numbers,
    }


def title_block(settings: dict, s: Strings, today: datetime.date | None = None) -> dict:
    """The title page's lines: author, group and course from the config's report settings (empty ones left
    out), and the date in the report language."""
    today = today or datetime.date.today()
    return {
        "language": s.language,
        "t": s,
        "title_lines": [x for x in (settings.get(k) or "" for k in ("author", "group", "course")) if x],
        "author": settings.get("author") or "",
        "date": format_date(today, s.language),
    }


def build_context(
    data: ReportData,
    settings: dict,
    figures: dict[str, str] | None = None,
    templates: str | Path = TEMPLATES,
    today: datetime.date | None = None,
) -> dict:
    """settings: config["report"]; figures: name -> path relative to the report (without extension)."""
    s = Strings(settings.get("language") or "ru", templates)
    w = Writer(data.run, data.findings, s, Citations.load(templates), data.environment, templates)
    claims = []

    def after(section):
        if section.key == "proscons":
            claims.extend(claim_groups(w))

    # The appendix starts a new page: begun on the page in progress, its floats (the per-class tables, the
    # confusion matrix) were set on float pages ahead of its own heading
    walked = walk(SECTIONS, w, captions(w, data.environment_source == "report"), figures, after)
    return {
        **title_block(settings, s, today),
        "title": settings.get("title") or s.say("common.default_title", model=model_name(w)),
        "subtitle": s["common.subtitle"],
        "intro": s.say("common.intro", model=model_name(w))
        + (" " + s["common.intro_quoted"] if data.findings.with_prefix("coursework.") else ""),
        "summary": summary(w),
        **walked,
        "claims": resolve_refs(claims, walked, w.n.missing),
    }


__all__ = ["DATASETS", "build_context", "format_date"]

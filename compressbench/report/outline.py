"""The report's outline, declared once: both the Markdown and the LaTeX template walk it.

A section has a key (its label, its title `sec_<key>` in templates/i18n, its paragraphs in
context["text"][key]) and a list of blocks shown in order: "text" (paragraphs), "list"
(bulleted paragraphs), "table:<name>", "figure:<name>", "claims", "bibliography". Markdown
numbers sections, tables and figures from this order; LaTeX numbers them itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    level: int  # 1 = section, 2 = subsection
    blocks: tuple[str, ...]
    numbered: bool = True


OUTLINE = (
    Section("setup", 1, ("text", "table:setup")),
    Section("method", 1, ("text",)),
    Section("results", 1, ("text",)),
    Section("training", 2, ("text", "figure:training_curves")),
    Section("quality", 2, ("text", "table:quality", "table:per_class", "figure:confusion")),
    Section("speed", 2, ("text", "table:speed", "figure:latency", "figure:throughput", "figure:test_set_time")),
    Section("memory", 2, ("text", "table:memory", "table:startup")),
    Section("size", 2, ("text", "figure:tradeoff")),
    Section("precision", 2, ("text",)),
    Section("naive", 2, ("text", "table:naive", "figure:naive", "figure:benchmark_app")),
    Section("variants", 1, ("text", "table:variants")),
    Section("methods", 1, ("text", "table:methods", "table:qat")),
    Section("coursework", 1, ("text", "table:coursework")),
    Section("proscons", 1, ("text", "claims")),
    Section("limitations", 1, ("list",)),
    Section("conclusion", 1, ("list",)),
    Section("references", 1, ("bibliography",), numbered=False),
)


def present_blocks(section: Section, tables: dict, figures: dict, text: dict) -> list[tuple[str, str]]:
    """(kind, name) of the blocks this run has content for."""
    blocks = []
    for block in section.blocks:
        kind, _, name = block.partition(":")
        if kind == "table" and not tables.get(name):
            continue
        if kind == "figure" and name not in figures:
            continue
        if kind in ("text", "list") and not text.get(section.key):
            continue
        blocks.append((kind, name))
    return blocks


def numbering(outline, tables: dict, figures: dict, text: dict) -> dict:
    """Section numbers ("3.2") and table/figure numbers in outline order, for Markdown and the references."""
    sections, table_numbers, figure_numbers = {}, {}, {}
    counters = [0, 0]
    for section in outline:
        if section.numbered:
            counters[section.level - 1] += 1
            if section.level == 1:
                counters[1] = 0
            sections[section.key] = ".".join(str(c) for c in counters[: section.level])
        for kind, name in present_blocks(section, tables, figures, text):
            if kind == "table":
                table_numbers[name] = len(table_numbers) + 1
            elif kind == "figure":
                figure_numbers[name] = len(figure_numbers) + 1
    return {"section_numbers": sections, "table_numbers": table_numbers, "figure_numbers": figure_numbers}

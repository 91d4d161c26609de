"""Results: the heading over the result subsections, and what they group."""

from __future__ import annotations

from ..writer import Writer
from .base import Section


def text(w: Writer) -> list[str]:
    return [w.s["results.results_intro"]]


SECTION = Section("results", "results.title", 1, ("text",), text=text)

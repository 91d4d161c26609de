"""Results: a heading over the result subsections."""

from __future__ import annotations

from .base import Section

SECTION = Section("results", "results.title", 1, ("heading",))

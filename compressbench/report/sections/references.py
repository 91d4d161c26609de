"""References: the sources in the order the report first cites them."""

from __future__ import annotations

from .base import Section

SECTION = Section("references", "references.title", 1, ("bibliography",), numbered=False)

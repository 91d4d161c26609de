"""Model size: the smallest and largest files, bytes per parameter, and the trade-off figure."""

from __future__ import annotations

from ..writer import Writer
from .base import Figure, Section

# a panel of the trade-off figure whose values span more than this factor is drawn on a log axis (its caption says so)
TRADEOFF_LOG_SPAN = 5


def bytes_per_param(w: Writer, target: str) -> float | None:
    size, params = w.run.value(target, "size_bytes"), w.run.value(target, "params")
    return size / params if size and params else None


def text(w: Writer) -> list[str]:
    run, s, n = w.run, w.s, w.n
    found = w.finding("size.extremes")
    if found is None:
        return []
    small, large = found.low, found.high
    return [
        w.para(
            s.say(
                "size.size_smallest",
                small=w.label(small),
                small_kib=n.kib_unit(run.value(small, "size_bytes")),
                params=n.integer(run.value(small, "params")),
                small_bpp=n.fixed(bytes_per_param(w, small), 2),
                large=w.label(large),
                large_kib=n.kib_unit(run.value(large, "size_bytes")),
                large_bpp=n.fixed(bytes_per_param(w, large), 2),
            )
        ),
        s["size.size_why"],
    ]


SECTION = Section(
    "size",
    "size.title",
    2,
    ("text", "figure:tradeoff"),
    text=text,
    figures=(Figure("tradeoff", "size.fig_tradeoff", "tradeoff", values=(("span", str(TRADEOFF_LOG_SPAN)),)),),
)

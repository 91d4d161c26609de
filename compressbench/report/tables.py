"""Helpers the sections' tables share: the table structure, one unit per duration column, a value
with its interval in one cell, and names read from the run (the model's, a target's precision)."""

from __future__ import annotations

from ..architectures import ARCHITECTURES
from ..spec import DEFAULT_MODEL
from .numbers import is_number
from .writer import PRECISION_NAMES, Writer

# Characters of \small text the LaTeX text width holds (A4, 2 cm margins), column gaps included: a table
# wider than this is scaled down to fit, below print size, unless its notes go under their values.
LINE_CHARS = 100
_GAP_CHARS = 2  # a column gap (2 x tabcolsep) in characters
# a title, or a left-aligned text, longer than this may take two lines in a table that needs the width
_WRAP_CHARS = {True: 8, False: 12}  # title: "Size, KiB"; text: a phrase ("not resolved") keeps its line


def natural_width(columns: list[dict], rows: list[list[str]], stacked: bool = False, names: bool = True) -> int:
    """A table's width in characters: each column as wide as its longest cell or title, or, `stacked`, as
    wide as their longest line (cell_lines); `names`: the first column's cells name the rows and keep their line."""

    def width(text, title: bool = False, align: str = "r", whole: bool = False) -> int:
        return len(str(text)) if whole or not stacked else max(map(len, cell_lines(str(text), title, align)))

    # a row's name (the first column) keeps its line: the rows' names are read down the column
    return sum(
        max(
            width(column["title"], title=True, align=column["align"]),
            *(width(row[i], align=column["align"], whole=i == 0 and names) for row in rows),
        )
        + _GAP_CHARS
        for i, column in enumerate(columns)
    )


def cell_lines(text: str, title: bool = False, align: str = "r") -> list[str]:
    """A cell set on two lines: a value over its note ("0.778 (0.738–0.816)": with_note's form); a title or
    a left-aligned text longer than its _WRAP_CHARS at its space nearest the middle, where that narrows it by a
    quarter; anything else as it is."""
    value, space, note = text.partition(" (")
    if space and value and text.endswith(")") and not title:
        return [value, f"({note}"]
    # not the no-break ones inside quantities, nor one inside parentheses ("(95 % CI)" stays whole)
    spaces = [i for i, char in enumerate(text) if char == " " and text[:i].count("(") == text[:i].count(")")]
    if (title or align == "l") and len(text) > _WRAP_CHARS[title] and spaces:
        cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
        lines = [text[:cut], text[cut + 1 :]]
        # a cut that leaves one short word alone ("Сравнивается / с") narrows the column too little to pay
        if max(map(len, lines)) <= len(text) * 3 / 4:
            return lines
    return [text]


def table(
    columns: list[tuple[str, str]],
    rows: list[list[str]],
    missing: str = "—",
    groups=None,
    wide: bool = False,
    long: bool = False,
    names: bool = True,
) -> dict:
    """columns: (title, align l|r). Drops columns (after the first) with no value in any row;
    groups: (title, span) headers over the columns (LaTeX), folded into the titles for Markdown;
    wide: set across the page turned sideways in LaTeX (a table too wide to read at the text width);
    long: a table that may run over pages, its header repeated (LaTeX longtable, not scaled to fit);
    names: the first column names the rows and keeps its line; False, it is a text like the others (a pair's
    first variant beside its second), set on two lines like them where the table needs the width.
    A row of one cell heads the rows below it (a target's name over its layers), across the whole table."""
    body = [row for row in rows if len(row) > 1]
    keep = [
        i for i in range(len(columns)) if i == 0 or groups or any(row[i] not in (missing, "", None) for row in body)
    ]
    full = [title for title, _ in columns]
    if groups:
        index = 0
        for title, span in groups:
            for i in range(index, index + span):
                full[i] = f"{title}: {columns[i][0]}" if title else columns[i][0]
            index += span
    kept_columns = [{"title": columns[i][0], "full": full[i], "align": columns[i][1]} for i in keep]
    kept_rows = [[row[i] for i in keep] if len(row) > 1 else row for row in rows]
    return {
        "columns": kept_columns,
        "rows": kept_rows,
        "groups": groups,
        "wide": wide,
        "long": long,
        "names": names,
        # where the table would otherwise be scaled below print size (or, long, run past the text width), LaTeX
        # sets each note under its value and long titles on two lines (a long table: its titles only)
        "stack": not wide
        and natural_width(kept_columns, [row for row in kept_rows if len(row) > 1], names=names) > LINE_CHARS,
    }


def durations(w: Writer, values: list, unit_from: list | None = None) -> tuple[str, list[str]]:
    """One unit for a column of durations given in ms: µs when every value (of `unit_from`, by default the
    column itself) is below 1 ms. Each value keeps 3 significant digits, as the text prints it: a decimal
    shared for alignment would give a noisy 189 µs a fourth digit (189.0) beside a 40.3."""
    numbers = [v for v in (values if unit_from is None else unit_from) if is_number(v)]
    micro = bool(numbers) and max(numbers) < 1
    unit = ("мкс" if w.s.language == "ru" else "µs") if micro else ("мс" if w.s.language == "ru" else "ms")
    scaled = [1000 * v if micro and is_number(v) else v for v in values]
    return unit, [w.n.sig(v, 3) for v in scaled]


def with_note(value: str, note: str, missing: str) -> str:
    """ "0.778 (0.738–0.816)": a value with its interval or test, or the value alone."""
    return value if value == missing or note == missing else f"{value} ({note})"


def latency_cell(w: Writer, target: str, value: str, unit: str) -> str:
    """ "30.5 (18.3–31.2)": a batch-1 median as a table prints it, its range in the column's unit (named in
    the title)."""
    return with_note(value, w.interval(target, "latency").replace(f"\u00a0{unit}", ""), w.n.missing)


def accuracy_interval(w: Writer, target: str) -> str:
    interval = w.run.interval(target, "accuracy")
    return f"{w.n.fixed(interval[0], 3)}–{w.n.fixed(interval[1], 3)}" if interval else w.n.missing


def plain_pp(w: Writer, value) -> str:
    """Percentage points without the unit (the column title has it)."""
    return w.n.pp(value).replace("\u00a0п.\u00a0п.", "").replace("\u00a0pp", "")


def execution_precision(w: Writer, target: str) -> str:
    """Execution precision as printed; a quantized OpenVINO model runs its quantized layers in INT8 and the
    rest in the precision hint ("INT8 + FP32")."""
    record = w.run.record(target)
    code = record.precision if record and record.precision else "unknown"
    name = PRECISION_NAMES.get(code, str(code).upper())
    weights = str(record.weights if record else "").lower()
    return f"INT8 + {name}" if name != "INT8" and "int8" in weights else name


def model_summary(w: Writer) -> dict:
    """The network's own description from spec.json (compressbench.model_summary.describe): architecture,
    params, MACs, layer counts; empty for a spec written before it was recorded."""
    summary = w.run.results.spec.get("summary")
    return summary if isinstance(summary, dict) else {}


def model_name(w: Writer) -> str:
    """The network's name as the model itself records it (spec.json summary), else the registry's label of
    the config's model.name (a spec without either predates the registry: its default model)."""
    spec = w.run.results.spec
    name = (spec.get("model") or {}).get("name") or DEFAULT_MODEL["name"]
    return str(model_summary(w).get("architecture") or (ARCHITECTURES[name].label if name in ARCHITECTURES else name))


def is_lenet(w: Writer) -> bool:
    """Whether the network is the registry's LeNet-5 (the report then cites LeCun et al.)."""
    return ((w.run.results.spec.get("model") or {}).get("name") or DEFAULT_MODEL["name"]) == "lenet5"

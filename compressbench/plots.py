"""Report figures (matplotlib, Agg): each writes a vector PDF for LaTeX and a PNG for Markdown.

Every function takes the loaded ReportData (the results and the findings: a figure marks what a
finding says, it computes no comparison) and the report language's Strings, so labels follow the
report language and numbers use its decimal mark; the latency figure also reads the raw calls.
Conventions: serif text like the document's; each target has one colour *and* one marker
(readable in black and white), used only for that target; series that are not targets are grey
with hatches; durations below 1 ms are drawn in µs; text from the data is drawn literally.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import ticker  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from .repeats import bound_name  # noqa: E402
from .report.data import ReportData  # noqa: E402
from .report.i18n import Strings  # noqa: E402
from .report.numbers import decimals_for  # noqa: E402
from .report.sections import figures  # noqa: E402
from .report.sections.search import OBJECTIVES, capitalized  # noqa: E402
from .report.sections.size import TRADEOFF_LOG_SPAN  # noqa: E402
from .report.sections.speed import WHISKERS  # noqa: E402
from .tables import read_tsv  # noqa: E402

FIGURE_WIDTH = 6.3
# inches: the report includes a figure at most 0.36 \textheight tall (templates/macros.tex.j2), 3.64 in on A4
# with 2 cm margins
CONFUSION_HEIGHT = 3.6
COLORS = plt.get_cmap("tab10").colors
MARKERS = "osD^vP*XhH<"  # one more than COLORS: (colour, marker) repeats only after 110 targets
HATCHES = ("", "///", "...", "xxx", "\\\\\\")
GREYS = ("0.25", "0.55", "0.8")
STYLE = {
    "font.family": "serif",
    "font.serif": ["CMU Serif", "DejaVu Serif"],
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "text.parse_math": False,  # class names and labels are drawn as written, never as mathtext
    "axes.unicode_minus": True,
    "pdf.fonttype": 42,  # embed TrueType: text stays text in the PDF
    "savefig.bbox": "tight",
}
# A glyph the font lacks is drawn as an empty box: make_figure fails on it, naming figure and character.
MISSING_GLYPH = r"Glyph \d+ .*missing from font"


class PlotTextError(ValueError):
    """Text from the data cannot be drawn with the figure font."""


def save_figure(fig, stem: str | Path) -> list[Path]:
    """The figure as a vector PDF (LaTeX) and a PNG (Markdown), then closed."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".pdf"), stem.with_suffix(".png")]
    fig.savefig(paths[0], metadata={"CreationDate": None, "ModDate": None})
    fig.savefig(paths[1], dpi=150)
    plt.close(fig)
    return paths


def _tick(s: Strings, value: float) -> str:
    """A tick label in the report's number format: decimal mark, thousands grouping, no exponent."""
    if value == int(value):
        return s.num.integer(value)
    return s.num.fixed(value, decimals_for(value, 3, most=6)).rstrip("0")


def _plain_axis(ax, s: Strings, axis: str = "y") -> None:
    """Tick labels with the language's decimal mark and no exponent notation."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(ticker.FuncFormatter(lambda v, _: _tick(s, v)))


def _log_axis(ax, s: Strings, values, axis: str = "y") -> None:
    """A log axis labelled at 1-2-5 steps inside the data's range only: no "3×10⁻¹4×10⁻¹" collisions."""
    values = [v for v in values if v and v > 0 and math.isfinite(v)]
    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    if values:
        low, high = min(values) / 1.25, max(values) * 1.25
        (ax.set_ylim if axis == "y" else ax.set_xlim)(low, high)
    subs = (1.0, 2.0, 5.0) if not values or max(values) / min(values) < 300 else (1.0,)
    target.set_major_locator(ticker.LogLocator(base=10, subs=subs))
    target.set_minor_locator(ticker.NullLocator())
    target.set_major_formatter(ticker.FuncFormatter(lambda v, _: _tick(s, v)))


def _duration_scale(values_ms, s: Strings) -> tuple[float, str]:
    """(factor from ms, unit) so that sub-millisecond durations are drawn in µs."""
    numbers = [v for v in values_ms if v is not None and math.isfinite(v)]
    if numbers and max(numbers) < 1:
        return 1000.0, "мкс" if s.language == "ru" else "µs"
    return 1.0, "мс" if s.language == "ru" else "ms"


def _styles(targets: list[str]) -> dict[str, dict]:
    return {t: {"color": COLORS[i % len(COLORS)], "marker": MARKERS[i % len(MARKERS)]} for i, t in enumerate(targets)}


def _labels(data: ReportData, s: Strings) -> dict[str, str]:
    return {r.target: s.label(r.target, r.label) for r in data.results.records}


def training_curves(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    log = data.results.train_log
    with plt.rc_context(STYLE):
        fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 2.1))
        epochs = [row["epoch"] for row in log]
        ax_loss.plot(epochs, [row["train_loss"] for row in log], marker="o", color="0.2")
        ax_loss.set_xlabel(s["plots.plot_epoch"])
        ax_loss.set_ylabel(s["plots.plot_loss"])
        train = [row["train_accuracy"] for row in log]
        ax_acc.plot(epochs, train, marker="o", color="0.2", label=s["plots.plot_train"])
        test = [row["test_accuracy"] for row in log]
        ax_acc.plot(epochs, test, marker="s", color="0.5", linestyle="--", label=s["plots.plot_test"])
        ax_acc.set_xlabel(s["plots.plot_epoch"])
        ax_acc.set_ylabel(s["plots.plot_accuracy"])
        ax_acc.legend()
        for ax in (ax_loss, ax_acc):
            ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
            _plain_axis(ax, s)
        fig.tight_layout()
        return save_figure(fig, stem)


def read_latency(path) -> np.ndarray:
    """Per-call batch-1 latencies of latency.tsv, in ms."""
    return np.array([float(row["microseconds"]) for row in read_tsv(path)]) / 1000.0


def latency(data: ReportData, s: Strings, stem, latency_files: dict[str, Path] | None = None, **_) -> list[Path]:
    run, labels, latency_files = data.run, _labels(data, s), latency_files or {}
    targets = [t for t in data.results.targets if t in latency_files]
    samples_ms = [read_latency(latency_files[t]) for t in targets]
    scale, unit = _duration_scale([float(np.percentile(x, WHISKERS[1])) for x in samples_ms if len(x)], s)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.27 * len(targets) + 0.8))
        styles = _styles(data.results.targets)
        box = ax.boxplot(
            [x * scale for x in samples_ms],
            orientation="horizontal",
            whis=WHISKERS,
            showfliers=False,
            patch_artist=True,
            tick_labels=[labels[t] for t in targets],
            medianprops={"color": "black"},
        )
        for i, (patch, t) in enumerate(zip(box["boxes"], targets, strict=True)):
            patch.set_facecolor(styles[t]["color"])
            patch.set_alpha(0.5)
            patch.set_hatch(HATCHES[i % len(HATCHES)])
            interval = run.interval(t, "latency")
            p50 = run.value(t, "latency_p50_ms")
            if interval and p50:
                err = [[(p50 - interval[0]) * scale], [(interval[1] - p50) * scale]]
                ax.errorbar(p50 * scale, i + 1, xerr=err, fmt="D", color="black", markersize=4, capsize=3)
        values = [v * scale for x in samples_ms for v in np.percentile(x, WHISKERS) if len(x)]
        _log_axis(ax, s, values, "x")
        ax.invert_yaxis()
        ax.set_xlabel(f"{s['plots.plot_latency']}, {unit}")
        fig.tight_layout()
        return save_figure(fig, stem)


# throughput markers of one batch size sit this factor apart sideways (log axis), in the legend's order, so that
# variants of nearly equal throughput stay apart (the caption says so); the ticks stay at the batch sizes
THROUGHPUT_DODGE = 1.06


def throughput(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    run, labels, styles = data.run, _labels(data, s), _styles(data.results.targets)
    values = []
    plotted = [t for t in data.results.targets if data.results.record(t).throughput_by_batch]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 2.3))
        sizes_all = set()
        for index, t in enumerate(plotted):
            record = data.results.record(t)
            by_batch = record.throughput_by_batch
            sizes = sorted(int(b) for b in by_batch)
            sizes_all.update(sizes)
            shift = THROUGHPUT_DODGE ** (index - (len(plotted) - 1) / 2)
            ips = [by_batch[str(b)] for b in sizes]
            values += ips
            xs = [b * shift for b in sizes]
            ax.plot(xs, ips, marker=styles[t]["marker"], color=styles[t]["color"], label=labels[t])
            # each batch size's range over the repeats (one repeat: none)
            lows, highs = record.throughput_by_batch_low or {}, record.throughput_by_batch_high or {}
            ranged = [b for b in sizes if lows.get(str(b)) is not None and highs.get(str(b)) is not None]
            if ranged and (run.value(t, "repeats") or 0) >= 2:
                middle = [by_batch[str(b)] for b in ranged]
                err = [
                    [m - lows[str(b)] for m, b in zip(middle, ranged, strict=True)],
                    [highs[str(b)] - m for m, b in zip(middle, ranged, strict=True)],
                ]
                at = [b * shift for b in ranged]
                ax.errorbar(at, middle, yerr=err, fmt="none", ecolor=styles[t]["color"], capsize=3, linewidth=1)
                values += [lows[str(b)] for b in ranged] + [highs[str(b)] for b in ranged]
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_locator(ticker.FixedLocator(sorted(sizes_all)))
        ax.xaxis.set_minor_locator(ticker.NullLocator())
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        _log_axis(ax, s, values)
        ax.set_xlabel(s["plots.plot_batch"])
        ax.set_ylabel(s["plots.plot_ips"])
        ax.legend(fontsize=8, ncol=2)
        fig.tight_layout()
        return save_figure(fig, stem)


def _tradeoff_points(data: ReportData) -> dict[str, tuple[float, float, float]]:
    """target -> (size KiB, batch-1 median latency ms, accuracy) for the benchmarked targets."""
    run = data.run
    points = {}
    for t in run.targets:
        size, p50, acc = run.value(t, "size_bytes"), run.value(t, "latency_p50_ms"), run.value(t, "accuracy")
        if size and p50 and acc is not None:
            points[t] = (size / 1024, p50, acc)
    return points


def _error(value: float, interval) -> list[list[float]] | None:
    return [[value - interval[0]], [interval[1] - value]] if interval else None


# trade-off markers: area in pt² of a point no later point sits on; one that k later points sit on is drawn
# (k + 1)² times larger, so markers at one point nest, the first drawn outermost (its caption says so)
MARKER_AREA = 40
PARETO_RING_AREA = 160
# "at one point": closer than these shares of the panel's spans in both quantities. A marker is about 3 % of a
# panel's width wide and 7 % of its height high, so markers closer than that overlap and must nest to be told apart
COINCIDE_X, COINCIDE_Y = 0.04, 0.08


def nesting_depths(points: list[tuple[float, float]], log_x: bool, y_span: float) -> list[int]:
    """For each (x, y) in drawing order, how many later points sit on it: within COINCIDE_X of the x span (of
    log10 x on a log axis) and within COINCIDE_Y of `y_span`."""
    xs = [math.log10(x) if log_x else x for x, _ in points]
    x_span = (max(xs) - min(xs)) if xs else 0.0
    x_span = x_span or 1.0
    y_span = y_span or 1.0

    def together(i: int, j: int) -> bool:
        return abs(xs[i] - xs[j]) < COINCIDE_X * x_span and abs(points[i][1] - points[j][1]) < COINCIDE_Y * y_span

    return [sum(together(i, j) for j in range(i + 1, len(points))) for i in range(len(points))]


def _tradeoff_y_span(run, points: dict) -> float:
    """The accuracy axis's span: the points and their 95 % intervals."""
    ys = [p[2] for p in points.values()]
    ys += [v for t in points if (interval := run.interval(t, "accuracy")) for v in interval]
    return max(ys) - min(ys) if ys else 0.0


# a trade-off marker's face is see-through and its outline solid: markers close together but not at one point
# (not nested) still show every outline
MARKER_FACE_ALPHA = 0.35


def _see_through(style: dict) -> dict:
    """A trade-off marker's style: its colour as a solid outline over a see-through face."""
    face = to_rgba(style["color"], MARKER_FACE_ALPHA)
    return {"marker": style["marker"], "facecolors": face, "edgecolors": style["color"], "linewidths": 1.2}


def _legend_handle(style: dict):
    face = to_rgba(style["color"], MARKER_FACE_ALPHA)
    return plt.Line2D(
        [],
        [],
        linestyle="",
        markersize=math.sqrt(MARKER_AREA),
        marker=style["marker"],
        markerfacecolor=face,
        markeredgecolor=style["color"],
        markeredgewidth=1.2,
    )


def tradeoff(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    """Accuracy against size and against batch-1 latency, with accuracy's 95 % interval and latency's range
    over the repeats. Ringed: the front of each panel's two quantities (findings size.pareto.<panel>), so a
    point is ringed for what that panel shows. Markers at one point nest (nesting_depths). A legend names the
    points (marker and colour)."""
    run, points = data.run, _tradeoff_points(data)
    labels, styles = _labels(data, s), _styles(data.results.targets)
    scale, unit = _duration_scale([p[1] for p in points.values()], s)
    panels = (("size", 0, s["plots.plot_size_kib"], 1.0), ("latency", 1, f"{s['plots.plot_speed']}, {unit}", scale))
    y_span = _tradeoff_y_span(run, points)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 2.3), sharey=True)
        for ax, (panel, index, xlabel, factor) in zip(axes, panels, strict=True):
            pareto = data.findings.body(f"size.pareto.{panel}")
            front = pareto.front if pareto else {}
            xs = [p[index] * factor for p in points.values()]
            log_x = bool(xs) and max(xs) / min(xs) > TRADEOFF_LOG_SPAN
            depths = nesting_depths([(p[index] * factor, p[2]) for p in points.values()], log_x, y_span)
            extents = list(xs)
            for (t, point), depth in zip(points.items(), depths, strict=True):
                x, y = point[index] * factor, point[2]
                latency = run.interval(t, "latency") if panel == "latency" else None
                xerr = _error(point[1], latency)
                xerr = [[v * factor for v in side] for side in xerr] if xerr else None
                if xerr:  # the axis spans the ranges too, so that no whisker runs past its edge
                    extents += [x - xerr[0][0], x + xerr[1][0]]
                yerr = _error(y, run.interval(t, "accuracy"))
                ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="none", ecolor=styles[t]["color"], elinewidth=0.8, zorder=2)
                ax.scatter(x, y, s=MARKER_AREA * (depth + 1) ** 2, zorder=3, **_see_through(styles[t]))
                if front.get(t):
                    ring = PARETO_RING_AREA * (depth + 1) ** 2
                    ax.scatter(x, y, s=ring, facecolors="none", edgecolors="black", zorder=4)
            ax.set_xlabel(xlabel)
            if log_x:
                _log_axis(ax, s, extents, "x")
            else:
                ax.set_xlim(0, max(extents, default=1) * 1.15)
                _plain_axis(ax, s, "x")
        axes[0].set_ylabel(s["plots.plot_accuracy"])
        axes[0].yaxis.set_major_locator(ticker.MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        _distinct_ticks(axes[0], s)
        handles = [_legend_handle(styles[t]) for t in points]
        ring = plt.Line2D([], [], marker="o", markersize=11, markerfacecolor="none", color="black", linestyle="")
        names = [labels[t] for t in points]
        fig.legend([*handles, ring], [*names, s["plots.plot_pareto"]], loc="lower center", ncol=3, fontsize=8)
        rows = math.ceil((len(names) + 1) / 3)
        fig.tight_layout(rect=(0, 0.07 * rows + 0.02, 1, 1))
        return save_figure(fig, stem)


def _distinct_ticks(ax, s: Strings) -> None:
    """Y tick labels with the fewest decimals that still tell neighbouring ticks apart."""
    low, high = ax.get_ylim()
    ticks = [t for t in ax.get_yticks() if low <= t <= high]
    decimals = next(
        (d for d in range(7) if len({s.num.fixed(t, d) for t in ticks}) == len(ticks)),
        6,
    )
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: s.num.fixed(v, decimals)))


def confusion(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    names, matrix = data.results.confusion
    counts = np.array(matrix, dtype=float)
    rates = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    # at most CONFUSION_HEIGHT tall, so that the report prints it at its own size and the counts at 9 pt
    size = min(CONFUSION_HEIGHT, 1.8 + 0.26 * len(names))
    with plt.rc_context({**STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(size + 1.0, size))
        image = ax.imshow(rates, cmap="Greys", vmin=0, vmax=1)
        ticks = range(len(names))
        short = [n if len(n) <= 12 else n[:11] + "…" for n in names]
        ax.set_xticks(ticks, short, rotation=45, ha="right")
        ax.set_yticks(ticks, short)
        ax.set_xlabel(s["plots.plot_predicted"])
        ax.set_ylabel(s["plots.plot_true"])
        if len(names) <= 20:
            for i in range(len(names)):
                for j in range(len(names)):
                    colour = "white" if rates[i, j] > 0.5 else "black"
                    ax.text(j, i, str(int(counts[i, j])), ha="center", va="center", fontsize=9, color=colour)
        colorbar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        _plain_axis(colorbar.ax, s)
        fig.tight_layout()
        return save_figure(fig, stem)


# Above the axes of a horizontal bar chart, so it never hides a bar (the x label is below)
LEGEND_ABOVE = {"fontsize": 8, "loc": "lower center", "bbox_to_anchor": (0.5, 1.0), "ncol": 3, "frameon": False}


# The naive figure's series: (wording key, the summary's column of medians; its range is bound_name's low/high)
NAIVE_SERIES = (
    ("plots.plot_naive", "naive_test_set_seconds"),
    ("plots.plot_tuned", "tuned_test_set_seconds"),
    ("plots.plot_best", "test_set_seconds"),
)


def naive(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    """Naive, tuned and best-batch whole-test-set times: each a median with its range over the repeats,
    as points on the log axis (a bar's length there would mean nothing); one marker per series."""
    run, labels = data.run, _labels(data, s)
    targets = [t for t in data.results.targets if run.value(t, "naive_test_set_seconds")]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.45 * len(targets) + 1.0))
        y = np.arange(len(targets))
        shown = []
        for i, (name, key) in enumerate(NAIVE_SERIES):
            medians = np.array([run.value(t, key) or np.nan for t in targets], dtype=float)
            ranges = [(run.value(t, bound_name(key, "low")), run.value(t, bound_name(key, "high"))) for t in targets]
            pairs = zip(medians, ranges, strict=True)
            errors = np.array([[max(m - (low or m), 0), max((high or m) - m, 0)] for m, (low, high) in pairs]).T
            ax.errorbar(medians, y + (i - 1) * 0.22, xerr=errors, fmt=MARKERS[i], color=GREYS[0], mfc=GREYS[i],
                        mec="black", capsize=3, label=s[name], linestyle="none")  # fmt: skip
            shown += [v for v in medians if v == v] + [v for pair in ranges for v in pair if v]
        ax.set_yticks(y, [labels[t] for t in targets])
        ax.invert_yaxis()
        _log_axis(ax, s, shown, "x")
        ax.set_xlabel(s["plots.plot_time_s"])
        ax.legend(**LEGEND_ABOVE)
        fig.tight_layout()
        return save_figure(fig, stem)


def benchmark_app(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    labels = _labels(data, s)
    check = data.findings.body("naive.benchmark_app")
    items = check.items if check else []
    figures = [x.latency_ms for x in items]
    scale, unit = _duration_scale([v for f in figures for v in (f.ours, f.app)], s)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.5 * len(items) + 1.4))
        y = np.arange(len(items))
        sides = (
            (-0.2, [(f.ours, f.ours_low, f.ours_high) for f in figures], s["plots.plot_workflow"], GREYS[0], None),
            (0.2, [(f.app, f.app_low, f.app_high) for f in figures], s["plots.plot_benchmark_app"], GREYS[2], "///"),
        )
        for offset, values, name, colour, hatch in sides:
            medians = np.array([v[0] * scale for v in values])
            # each side's range over the rounds benchmark_app ran in (none drawn where it is missing)
            errors = np.array([[(v[0] - (v[1] or v[0])) * scale, ((v[2] or v[0]) - v[0]) * scale] for v in values]).T
            ax.barh(y + offset, medians, 0.4, xerr=errors, capsize=3, label=name, color=colour, hatch=hatch,
                    edgecolor="black")  # fmt: skip
        ax.set_yticks(y, [labels.get(x.target, x.target) for x in items])
        ax.invert_yaxis()
        ax.set_xlabel(f"{s['plots.plot_median_latency']}, {unit}")
        _plain_axis(ax, s, "x")
        ax.legend(**LEGEND_ABOVE)
        fig.tight_layout()
        return save_figure(fig, stem)


# Units of a search objective on a figure axis (report.sections.search.OBJECTIVES), per language
AXIS_UNITS = {
    "kib": {"en": "KiB", "ru": "КиБ"},
    "ips": {"en": "images/s", "ru": "изобр./с"},
    "s": {"en": "s", "ru": "с"},
    "mb": {"en": "MiB", "ru": "МиБ"},
}


def _objective_axis(s: Strings, column: str, values) -> tuple[float, str]:
    """(factor from the recorded unit, axis label) for a search objective: sizes in KiB, durations in ms or µs."""
    key, unit = OBJECTIVES[column]
    factor, text = 1.0, AXIS_UNITS.get(unit, {}).get(s.language, "")
    if unit == "kib":
        factor = 1 / 1024
    elif unit == "ms":
        factor, text = _duration_scale(values, s)
    name = capitalized(s[key])
    return factor, f"{name}, {text}" if text else name


def _search_trials(data: ReportData, figure: str):
    trials = data.findings.body("search.trials")
    if trials is None:
        raise ValueError(f"figure {figure}: the run has no search (results/findings.json has no search.trials)")
    return trials


def _objective_scale(ax, s: Strings, values) -> None:
    """A log axis when the values span more than 5x (sizes of different methods do), else a plain one."""
    values = [v for v in values if v and v > 0]
    if values and max(values) / min(values) > 5:
        _log_axis(ax, s, values, "x")
    else:
        _plain_axis(ax, s, "x")


def _search_legend(s: Strings, trials, extra=()) -> tuple[list, list[str]]:
    """Legend entries of the search figures: met / missed the constraint, then `extra`, then the trials without
    a point (failed or interrupted)."""
    colour = COLORS[0]
    dot = {"marker": "o", "linestyle": "", "markersize": 6, "markeredgecolor": colour}
    handles = [plt.Line2D([], [], markerfacecolor=colour, **dot), plt.Line2D([], [], markerfacecolor="none", **dot)]
    names = [s["plots.plot_met"], s["plots.plot_missed"]]
    for handle, name in extra:
        handles.append(handle)
        names.append(name)
    missing = sum(1 for t in trials.trials if t.state != "complete")
    if missing:
        handles.append(plt.Line2D([], [], marker="x", color="0.3", linestyle=""))
        names.append(s.say("plots.plot_failed", count=s.num.integer(missing)))
    return handles, names


def search_plane(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    """Every completed trial at (objective, validation accuracy): filled when it met the constraint, ringed on the
    front (finding search.trials), the chosen trial starred with the chosen variant's test accuracy and its 95 %
    interval beside it (search.chosen); the lowest validation accuracy the constraint allows, dashed."""
    trials, choice = _search_trials(data, "search_plane"), data.findings.body("search.chosen")
    done = [t for t in trials.trials if t.state == "complete" and t.validation_accuracy is not None]
    colour = COLORS[0]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(trials.objectives), figsize=(FIGURE_WIDTH, 3.3), sharey=True, squeeze=False)
        for ax, column in zip(axes[0], trials.objectives, strict=True):
            points = [(t, t.objectives.get(column)) for t in done if t.objectives.get(column) is not None]
            factor, label = _objective_axis(s, column, [x for _, x in points])
            for t, x in points:
                face = colour if t.feasible else "none"
                ax.scatter(x * factor, t.validation_accuracy, s=30, facecolors=face, edgecolors=colour, zorder=3)
                if t.on_front:
                    ax.scatter(
                        x * factor, t.validation_accuracy, s=130, facecolors="none", edgecolors="black", zorder=4
                    )
                if t.trial == trials.chosen:
                    ax.scatter(x * factor, t.validation_accuracy, s=160, marker="*", color=COLORS[1], zorder=5)
                    if choice:
                        err = _error(choice.test_accuracy, (choice.test_ci_low, choice.test_ci_high))
                        ax.errorbar(x * factor, choice.test_accuracy, yerr=err, fmt="D", color=COLORS[3], zorder=5)
            if trials.max_drop_pp is not None and trials.base_validation_accuracy is not None:
                allowed = trials.base_validation_accuracy - trials.max_drop_pp / 100
                ax.axhline(allowed, linestyle="--", color="0.4", linewidth=1)
            _objective_scale(ax, s, [x * factor for _, x in points])
            ax.set_xlabel(label)
        axes[0][0].set_ylabel(s["plots.plot_validation_accuracy"])
        _distinct_ticks(axes[0][0], s)
        extra = [
            (
                plt.Line2D([], [], marker="o", markersize=10, markerfacecolor="none", color="black", linestyle=""),
                s["plots.plot_pareto"],
            ),
            (plt.Line2D([], [], marker="*", markersize=11, color=COLORS[1], linestyle=""), s["plots.plot_chosen"]),
            (plt.Line2D([], [], marker="D", color=COLORS[3]), s["plots.plot_chosen_test"]),
            (plt.Line2D([], [], linestyle="--", color="0.4"), s["plots.plot_allowed"]),
        ]
        handles, names = _search_legend(s, trials, extra)
        fig.legend(handles, names, loc="lower center", ncol=3, fontsize=8)
        fig.tight_layout(rect=(0, 0.055 * math.ceil(len(names) / 3) + 0.02, 1, 1))
        return save_figure(fig, stem)


def search_history(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    """The first objective of every completed trial against the trial number (filled when it met the
    constraint), the trials without a point as crosses at the bottom, and the best feasible value so far
    (finding search.history)."""
    trials, history = _search_trials(data, "search_history"), data.findings.body("search.history")
    colour = COLORS[0]
    factor, label = _objective_axis(s, history.objective, [p.value for p in history.steps if p.value is not None])
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 2.9))
        for step in history.steps:
            if step.value is not None:
                face = colour if step.feasible else "none"
                ax.scatter(step.trial, step.value * factor, s=30, facecolors=face, edgecolors=colour, zorder=3)
        missing = [t.trial for t in trials.trials if t.state != "complete"]
        ax.scatter(missing, [0.04] * len(missing), marker="x", color="0.3", transform=ax.get_xaxis_transform())
        best = [(p.trial, p.best_so_far * factor) for p in history.steps if p.best_so_far is not None]
        if best:
            last = max(p.trial for p in history.steps)
            xs, ys = [x for x, _ in best] + [last], [y for _, y in best] + [best[-1][1]]
            ax.step(xs, ys, where="post", color=COLORS[1], linewidth=1.5, zorder=2)
        values = [p.value * factor for p in history.steps if p.value is not None]
        if values and max(values) / max(min(values), 1e-12) > 5:
            _log_axis(ax, s, values)
        else:
            _plain_axis(ax, s)
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        ax.set_xlabel(s["plots.plot_trial"])
        ax.set_ylabel(label)
        best_line = plt.Line2D([], [], color=COLORS[1], linewidth=1.5)
        handles, names = _search_legend(s, trials, [(best_line, s["plots.plot_best_so_far"])])
        fig.legend(handles, names, loc="lower center", ncol=3, fontsize=8)  # below: no point hidden under it
        fig.tight_layout(rect=(0, 0.07 * math.ceil(len(names) / 3) + 0.02, 1, 1))
        return save_figure(fig, stem)


def serve_latency(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    """Latency against offered load per served target (findings serve.load.*), one panel per batching
    mode, log scales: the p99 (markers, its range over the repeats as bars) and the p50 (dashed), the
    SLO as a line; ringed: steps whose SLO verdict the load generator decided, not the server."""
    setup = data.findings.body("serve.setup")
    labels, styles = _labels(data, s), _styles(data.results.targets)
    tables = [data.findings.body(f"serve.load.{t}") for t in setup.targets]
    modes = [mode for mode in ("on", "off") if any(r.batching == mode for table in tables for r in table.rows)]
    latencies = [v for table in tables for r in table.rows for v in (r.p50_ms, r.p99_low_ms, r.p99_high_ms) if v]
    scale, unit = _duration_scale([*latencies, setup.slo_p99_ms], s)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(modes), figsize=(FIGURE_WIDTH, 3.2), sharey=True, squeeze=False)
        for ax, mode in zip(axes[0], modes, strict=True):
            rates = []
            for table in tables:
                rows = [r for r in table.rows if r.batching == mode and r.p99_ms is not None]
                x = [r.offered_rps for r in rows]
                rates += x
                style = styles[table.target]
                p99 = [r.p99_ms * scale for r in rows]
                err = [
                    [(r.p99_ms - r.p99_low_ms) * scale for r in rows],
                    [(r.p99_high_ms - r.p99_ms) * scale for r in rows],
                ]
                ax.errorbar(
                    x,
                    p99,
                    yerr=err,
                    color=style["color"],
                    marker=style["marker"],
                    capsize=2,
                    label=labels[table.target],
                )
                ax.plot(x, [r.p50_ms * scale for r in rows], color=style["color"], linestyle="--", linewidth=0.9)
                late = [(r.offered_rps, r.p99_ms * scale) for r in rows if r.generator_late]
                if late:
                    ax.scatter(*zip(*late, strict=True), s=150, facecolors="none", edgecolors="black", zorder=4)
            ax.axhline(setup.slo_p99_ms * scale, color="0.3", linestyle=":", linewidth=1.2)
            _log_axis(ax, s, rates, "x")
            _log_axis(ax, s, [v * scale for v in (*latencies, setup.slo_p99_ms)])
            ax.set_title(s["serve.plot_on" if mode == "on" else "serve.plot_off"], fontsize=9)
            ax.set_xlabel(s["serve.plot_offered"])
        axes[0][0].set_ylabel(f"{s['serve.plot_latency']}, {unit}")
        handles, names = axes[0][0].get_legend_handles_labels()
        extra = [
            (plt.Line2D([], [], color="0.3", linestyle="--", linewidth=0.9), s["serve.plot_p50"]),
            (plt.Line2D([], [], color="0.3", linestyle=":", linewidth=1.2), s["serve.plot_slo"]),
        ]
        if any(r.generator_late for table in tables for r in table.rows):
            ring = plt.Line2D([], [], marker="o", markersize=11, markerfacecolor="none", color="black", linestyle="")
            extra.append((ring, s["serve.plot_generator"]))
        handles, names = [*handles, *(h for h, _ in extra)], [*names, *(n for _, n in extra)]
        fig.legend(handles, names, loc="lower center", ncol=3, fontsize=8)
        rows = math.ceil(len(names) / 3)
        fig.tight_layout(rect=(0, 0.07 * rows + 0.02, 1, 1))
        return save_figure(fig, stem)


SERVE_PARTS = (
    ("serve.plot_noop", "noop_round_trip_ms"),
    ("serve.plot_decode", "decode_ms"),
    ("serve.plot_queue", "queue_ms"),
    ("serve.plot_inference", "inference_ms"),
    ("serve.plot_encode", "encode_ms"),
)


def serve_time(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    """Where a light-load request's time goes (findings serve.time.*): the no-op round trip and the
    server's parts stacked (grey series with hatches), the client's p50 with its 95 % interval beside."""
    setup = data.findings.body("serve.setup")
    labels = _labels(data, s)
    times = [data.findings.body(f"serve.time.{t}") for t in setup.targets]
    scale, unit = _duration_scale([v for t in times for v in (t.client_p50.median, t.split.parts_sum_ms)], s)
    shades = ("0.15", "0.4", "0.6", "0.8", "0.95")
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.5 * len(times) + 1.6))
        y = np.arange(len(times))
        left = np.zeros(len(times))
        for i, (key, field) in enumerate(SERVE_PARTS):
            widths = np.array([getattr(t.split, field) * scale for t in times])
            ax.barh(y, widths, 0.5, left=left, label=s[key], color=shades[i], hatch=HATCHES[i], edgecolor="black")
            left += widths
        for i, t in enumerate(times):
            ci = t.client_p50
            err = [[(ci.median - ci.low) * scale], [(ci.high - ci.median) * scale]] if ci.has_interval else None
            ax.errorbar(ci.median * scale, i + 0.38, xerr=err, fmt="D", color="black", markersize=4, capsize=3,
                        label=s["serve.plot_client"] if i == 0 else None)  # fmt: skip
        ax.set_yticks(y, [labels[t.target] for t in times])
        ax.invert_yaxis()
        ax.set_xlabel(f"{s['serve.plot_time']}, {unit}")
        _plain_axis(ax, s, "x")
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=3)
        fig.tight_layout()
        return save_figure(fig, stem)


def guarded(name: str, stem, draw):
    """draw() with a glyph the figure font lacks turned into an error naming the figure (no partial files)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING_GLYPH, category=UserWarning)
        try:
            return draw()
        except UserWarning as warning:
            plt.close("all")
            for partial in (Path(stem).with_suffix(".pdf"), Path(stem).with_suffix(".png")):
                partial.unlink(missing_ok=True)
            raise PlotTextError(
                f"figure {name}: {warning} Remove the character from the text it comes from "
                "(a class name, report.title)."
            ) from None


def make_figure(name: str, data: ReportData, s: Strings, stem, latency_files: dict[str, Path] | None = None):
    return guarded(name, stem, lambda: _make_figure(name, data, s, stem, latency_files))


def _make_figure(name: str, data: ReportData, s: Strings, stem, latency_files: dict[str, Path] | None):
    """The figure's plot function as its section declares it (report.sections)."""
    plot = next(f.plot for f in figures(benchmark_app=True, search=True, serve=True) if f.name == name)
    return globals()[plot](data, s, stem, latency_files=latency_files)


# ---- the study report (compressbench/report/study) --------------------------------------------------

LINE_STYLES = ("-", "--", ":", "-.")


def sweep_positions(values: list[str]) -> dict[str, float]:
    """One x position per value of a swept setting: the number itself on a numeric axis, 0, 1, 2, ... in
    the given order on a categorical one (names such as model.name)."""
    from .analysis.study import is_numeric

    if is_numeric(values):
        return {v: float(v) for v in values}
    return {v: float(i) for i, v in enumerate(values)}


def dodge(lines: int, positions: list[float]) -> list[float]:
    """Offsets that set `lines` series slightly apart at each x (so that equal values do not hide each
    other), together under half the smallest gap between two positions."""
    ordered = sorted(set(positions))
    gap = min((b - a for a, b in zip(ordered, ordered[1:], strict=False)), default=1.0) or 1.0
    step = gap * min(0.08, 0.5 / max(lines, 1))
    return [step * (i - (lines - 1) / 2) for i in range(lines)]


def _scaled_axis(ax, s: Strings, values) -> None:
    """Log scale for values spanning more than a factor of five (as in the trade-off figure), else plain."""
    values = [v for v in values if v and v > 0]
    if values and max(values) / min(values) > 5:
        _log_axis(ax, s, [min(values) / 1.3, max(values) * 1.3])  # room for the markers at both ends
    else:
        _plain_axis(ax, s)


def study_sweep_figure(w, key: str):
    """Accuracy, size and batch-1 latency of a study's points (w: report.study.StudyWriter) along one swept
    setting, as a matplotlib figure. Accuracy: the mean over the seeds, a bar over the seed range (one run:
    its 95 % interval) and a small circle per seed; size; latency: the median over the kept repeats with
    their range, the repeats left out as accidents not drawn (analysis.study)."""
    from .analysis.study import is_numeric, lines_along, ordered_values

    s = w.s
    values = ordered_values([p.settings[key] for p in w.points.values()])
    position = sweep_positions(values)
    lines = lines_along(list(w.points.values()), key)
    offsets = dodge(len(lines), list(position.values()))
    styles = _styles(w.study.targets)
    numeric = is_numeric(values)
    latencies = [p.latency_ms for p in w.points.values() if p.latency_ms is not None]
    scale, unit = _duration_scale(latencies, s)
    others_seen = list(dict.fromkeys(others for _, others in lines))
    fig, axes = plt.subplots(1, 3, figsize=(FIGURE_WIDTH, 2.6))
    drawn = {"size": [], "latency": []}
    for (target, others), offset in zip(lines, offsets, strict=True):
        line = sorted(lines[(target, others)], key=lambda p: values.index(p.settings[key]))
        style = {**styles[target], "linestyle": LINE_STYLES[others_seen.index(others) % len(LINE_STYLES)]}
        if not numeric:
            style["linestyle"] = "none"  # no line between names: their order means nothing
        name = w.label(target) + (f" ({w.settings(dict(others))})" if others else "")
        x = [position[p.settings[key]] + offset for p in line]
        _error_line(axes[0], x, [(p.accuracy_mean, p.interval("accuracy")) for p in line], 1.0, style, name)
        for xi, p in zip(x, line, strict=True):
            seeds = [a for a in p.accuracy if a is not None]
            if len(seeds) > 1:
                axes[0].scatter([xi] * len(seeds), seeds, s=9, facecolors="none", edgecolors=style["color"], zorder=3)
        sizes = [(p.size_bytes / 1024 if p.size_bytes else None, None) for p in line]
        drawn["size"] += [v for v, _ in sizes if v]
        _error_line(axes[1], x, sizes, 1.0, style, None)
        latency = [(p.latency_ms, p.interval("latency")) for p in line]
        for value, interval in latency:  # the bars' ends too: the scale holds every kept repeat
            drawn["latency"] += [scale * x for x in (value, *(interval or ())) if value is not None]
        _error_line(axes[2], x, latency, scale, style, None)
    ylabels = (s["plots.plot_accuracy"], s["study.plot_size"], s.say("study.plot_latency", unit=unit))
    for ax, ylabel in zip(axes, ylabels, strict=True):
        ax.set_xticks([position[v] for v in values], [w.value_text(key, v) for v in values])
        ax.set_xlabel(w.s["study.col_network"] if key == "model.name" else w.short_key(key))
        ax.set_ylabel(ylabel)
        if not numeric:
            ax.set_xlim(-0.5, len(values) - 0.5)
    _distinct_ticks(axes[0], s)
    _scaled_axis(axes[1], s, drawn["size"])
    _scaled_axis(axes[2], s, drawn["latency"])
    handles, names = axes[0].get_legend_handles_labels()
    columns = min(len(names), 4) or 1
    fig.legend(handles, names, loc="lower center", ncol=columns, fontsize=7, frameon=False)
    rows = math.ceil(len(names) / columns)
    fig.tight_layout(rect=(0, 0.06 * rows + 0.02, 1, 1))
    return fig


def _error_line(ax, x, points, scale: float, style: dict, label) -> None:
    """Markers (and a line on a numeric axis) with a bar over each interval; missing values left out."""
    kept = [(xi, v, interval) for xi, (v, interval) in zip(x, points, strict=True) if v is not None]
    if not kept:
        return
    xs = [xi for xi, _, _ in kept]
    ys = [scale * v for _, v, _ in kept]
    below = [scale * (v - interval[0]) if interval else 0.0 for _, v, interval in kept]
    above = [scale * (interval[1] - v) if interval else 0.0 for _, v, interval in kept]
    ax.errorbar(xs, ys, yerr=[below, above], capsize=2, markersize=4, linewidth=1, label=label, **style)


def study_sweep(w, key: str, stem) -> list[Path]:
    """The figure of one swept setting of a study, as a PDF and a PNG."""
    with plt.rc_context(STYLE):
        return guarded(key, stem, lambda: save_figure(study_sweep_figure(w, key), stem))

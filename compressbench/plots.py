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

from .report.data import ReportData  # noqa: E402
from .report.i18n import Strings  # noqa: E402
from .report.numbers import decimals_for  # noqa: E402
from .report.sections import figures  # noqa: E402
from .tables import read_tsv  # noqa: E402

FIGURE_WIDTH = 6.3
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


def _labels(data: ReportData) -> dict[str, str]:
    return {r.target: r.label for r in data.results.records}


def training_curves(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    log = data.results.train_log
    with plt.rc_context(STYLE):
        fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 2.5))
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
    run, labels, latency_files = data.run, _labels(data), latency_files or {}
    targets = [t for t in data.results.targets if t in latency_files]
    samples_ms = [read_latency(latency_files[t]) for t in targets]
    scale, unit = _duration_scale([float(np.percentile(x, 99)) for x in samples_ms if len(x)], s)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.45 * len(targets) + 1.1))
        styles = _styles(data.results.targets)
        box = ax.boxplot(
            [x * scale for x in samples_ms],
            orientation="horizontal",
            whis=(1, 99),
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
        values = [v * scale for x in samples_ms for v in (np.percentile(x, 1), np.percentile(x, 99)) if len(x)]
        _log_axis(ax, s, values, "x")
        ax.invert_yaxis()
        ax.set_xlabel(f"{s['plots.plot_latency']}, {unit}")
        fig.tight_layout()
        return save_figure(fig, stem)


def throughput(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    run, labels, styles = data.run, _labels(data), _styles(data.results.targets)
    values = []
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.0))
        sizes_all = set()
        for t in data.results.targets:
            by_batch = data.results.record(t).throughput_by_batch or {}
            if not by_batch:
                continue
            sizes = sorted(int(b) for b in by_batch)
            sizes_all.update(sizes)
            ips = [by_batch[str(b)] for b in sizes]
            values += ips
            ax.plot(sizes, ips, marker=styles[t]["marker"], color=styles[t]["color"], label=labels[t])
            interval, best = run.interval(t, "throughput"), run.value(t, "batch_size_best")
            if interval and best:
                ips_best = run.value(t, "throughput_ips")
                err = [[ips_best - interval[0]], [interval[1] - ips_best]]
                ax.errorbar(best, ips_best, yerr=err, color=styles[t]["color"], capsize=4, linewidth=1.5)
                values += list(interval)
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


def tradeoff(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    """Accuracy against size and against batch-1 latency, with accuracy's 95 % interval and latency's range
    over the repeats. Ringed: the front of each panel's two quantities (findings size.pareto.<panel>), so a
    point is ringed for what that panel shows. A legend names the points (marker and colour)."""
    run, points = data.run, _tradeoff_points(data)
    labels, styles = _labels(data), _styles(data.results.targets)
    scale, unit = _duration_scale([p[1] for p in points.values()], s)
    panels = (("size", 0, s["plots.plot_size_kib"], 1.0), ("latency", 1, f"{s['plots.plot_speed']}, {unit}", scale))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.1), sharey=True)
        for ax, (panel, index, xlabel, factor) in zip(axes, panels, strict=True):
            pareto = data.findings.body(f"size.pareto.{panel}")
            front = pareto.front if pareto else {}
            for t, point in points.items():
                x, y = point[index] * factor, point[2]
                latency = run.interval(t, "latency") if panel == "latency" else None
                xerr = _error(point[1], latency)
                xerr = [[v * factor for v in side] for side in xerr] if xerr else None
                yerr = _error(y, run.interval(t, "accuracy"))
                ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="none", ecolor=styles[t]["color"], elinewidth=0.8, zorder=2)
                ax.scatter(x, y, s=40, zorder=3, label=labels[t], **styles[t])
                if front.get(t):
                    ax.scatter(x, y, s=160, facecolors="none", edgecolors="black", zorder=4)
            ax.set_xlabel(xlabel)
            xs = [p[index] * factor for p in points.values()]
            if xs and max(xs) / min(xs) > 5:
                _log_axis(ax, s, xs, "x")
            else:
                ax.set_xlim(0, max(xs, default=1) * 1.15)
                _plain_axis(ax, s, "x")
        axes[0].set_ylabel(s["plots.plot_accuracy"])
        axes[0].yaxis.set_major_locator(ticker.MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        _distinct_ticks(axes[0], s)
        handles, names = axes[0].get_legend_handles_labels()
        ring = plt.Line2D([], [], marker="o", markersize=11, markerfacecolor="none", color="black", linestyle="")
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
    size = min(4.2, 1.8 + 0.26 * len(names))
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
                    ax.text(j, i, str(int(counts[i, j])), ha="center", va="center", fontsize=6, color=colour)
        colorbar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        _plain_axis(colorbar.ax, s)
        fig.tight_layout()
        return save_figure(fig, stem)


def naive(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    """Naive, tuned and best-batch whole-test-set times: grey bars with hatches (series, not targets)."""
    run, labels = data.run, _labels(data)
    targets = [t for t in data.results.targets if run.value(t, "naive_test_set_seconds")]
    series = [
        (s["plots.plot_naive"], [run.value(t, "naive_test_set_seconds") for t in targets]),
        (s["plots.plot_tuned"], [run.value(t, "tuned_test_set_seconds") for t in targets]),
        (s["plots.plot_best"], [run.value(t, "test_set_seconds") for t in targets]),
    ]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.45 * len(targets) + 1.0))
        height = 0.8 / len(series)
        y = np.arange(len(targets))
        for i, (name, values) in enumerate(series):
            shown = [v if v else np.nan for v in values]
            ax.barh(
                y + (i - 1) * height, shown, height, label=name, color=GREYS[i], hatch=HATCHES[i], edgecolor="black"
            )
        ax.set_yticks(y, [labels[t] for t in targets])
        ax.invert_yaxis()
        _log_axis(ax, s, [v for _, values in series for v in values if v], "x")
        ax.set_xlabel(s["plots.plot_time_s"])
        ax.legend(fontsize=8, loc="lower right")
        fig.tight_layout()
        return save_figure(fig, stem)


def benchmark_app(data: ReportData, s: Strings, stem, **_) -> list[Path]:
    labels = _labels(data)
    check = data.findings.body("naive.benchmark_app")
    rows = [(x.target, x.own_ms, x.app_ms) for x in check.items] if check else []
    scale, unit = _duration_scale([v for r in rows for v in r[1:]], s)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.5 * len(rows) + 1.1))
        y = np.arange(len(rows))
        ours = [r[1] * scale for r in rows]
        app = [r[2] * scale for r in rows]
        ax.barh(y - 0.2, ours, 0.4, label=s["plots.plot_workflow"], color=GREYS[0], edgecolor="black")
        ax.barh(y + 0.2, app, 0.4, label=s["plots.plot_benchmark_app"], color=GREYS[2], hatch="///", edgecolor="black")
        ax.set_yticks(y, [labels.get(r[0], r[0]) for r in rows])
        ax.invert_yaxis()
        ax.set_xlabel(f"{s['plots.plot_median_latency']}, {unit}")
        _plain_axis(ax, s, "x")
        ax.legend(fontsize=8, loc="lower right")
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
    plot = next(f.plot for f in figures() if f.name == name)
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

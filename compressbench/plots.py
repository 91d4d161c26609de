"""Report figures (matplotlib, Agg): each writes a vector PDF for LaTeX and a PNG for Markdown.

Every function takes the loaded ReportData (plus raw benchmark tables where needed) and
the report language's Strings, so labels follow the report language and numbers use its
decimal mark.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from .report.analysis import pareto_front  # noqa: E402
from .report.data import ReportData  # noqa: E402
from .report.i18n import Strings  # noqa: E402

FIGURE_WIDTH = 7.0
COLORS = plt.get_cmap("tab10").colors
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "pdf.fonttype": 42,  # embed TrueType: text stays text in the PDF
    "savefig.bbox": "tight",
    # Text from data (class names, title) is drawn literally: "$x^2$" is not mathtext, "$\\input$" no error.
    "text.parse_math": False,
}
# A glyph the font lacks is drawn as an empty box: make_figure fails on it, naming figure and character.
MISSING_GLYPH = r"Glyph \d+ .*missing from font"


class PlotTextError(ValueError):
    """Text from the data cannot be drawn with the figure font."""


def _save(fig, stem: str | Path) -> list[Path]:
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".pdf"), stem.with_suffix(".png")]
    fig.savefig(paths[0], metadata={"CreationDate": None, "ModDate": None})
    fig.savefig(paths[1], dpi=150)
    plt.close(fig)
    return paths


def _number_axis(ax, s: Strings, axis: str = "y"):
    """Tick labels with the language's decimal mark."""

    def fmt(value, _pos):
        text = f"{value:g}"
        return text.replace(".", ",") if s.language == "ru" else text

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FuncFormatter(fmt))


def _colors(targets: list[str]) -> dict[str, tuple]:
    return {t: COLORS[i % len(COLORS)] for i, t in enumerate(targets)}


def _labels(data: ReportData) -> dict[str, str]:
    return {row["target"]: row.get("label") or row["target"] for row in data.rows}


def training_curves(data: ReportData, s: Strings, stem) -> list[Path]:
    with plt.rc_context(STYLE):
        fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 2.8))
        epochs = [row["epoch"] for row in data.train_log]
        ax_loss.plot(epochs, [row["train_loss"] for row in data.train_log], marker="o", color=COLORS[0])
        ax_loss.set_xlabel(s.plot_epoch)
        ax_loss.set_ylabel(s.plot_loss)
        ax_acc.plot(epochs, [row["train_accuracy"] for row in data.train_log], marker="o", label=s.plot_train)
        ax_acc.plot(epochs, [row["test_accuracy"] for row in data.train_log], marker="s", label=s.plot_test)
        ax_acc.set_xlabel(s.plot_epoch)
        ax_acc.set_ylabel(s.plot_accuracy)
        ax_acc.legend()
        for ax in (ax_loss, ax_acc):
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
            _number_axis(ax, s)
        fig.tight_layout()
        return _save(fig, stem)


def test_set_time(data: ReportData, s: Strings, stem) -> list[Path]:
    labels = _labels(data)
    rows = [r for r in data.rows if isinstance(r.get("test_set_seconds"), int | float)]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.45 * len(rows) + 1.0))
        colors = _colors(data.targets)
        names = [labels[r["target"]] for r in rows]
        values = [r["test_set_seconds"] for r in rows]
        ax.barh(names, values, color=[colors[r["target"]] for r in rows])
        for y, value in enumerate(values):
            ax.text(value, y, " " + s.num.sig(value), va="center", fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(s.plot_time_s)
        ax.set_xlim(0, max(values, default=1) * 1.2)
        _number_axis(ax, s, "x")
        fig.tight_layout()
        return _save(fig, stem)


def read_latency(path) -> np.ndarray:
    with open(path, newline="") as handle:
        return np.array([float(row["microseconds"]) for row in csv.DictReader(handle, delimiter="\t")]) / 1000.0


def latency(data: ReportData, s: Strings, latency_files: dict[str, Path], stem) -> list[Path]:
    labels = _labels(data)
    targets = [t for t in data.targets if t in latency_files]
    samples = [read_latency(latency_files[t]) for t in targets]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.5 * len(targets) + 1.2))
        colors = _colors(data.targets)
        box = ax.boxplot(
            samples,
            orientation="horizontal",
            whis=(1, 99),
            showfliers=False,
            patch_artist=True,
            tick_labels=[labels[t] for t in targets],
            medianprops={"color": "black"},
        )
        for patch, t in zip(box["boxes"], targets, strict=True):
            patch.set_facecolor(colors[t])
            patch.set_alpha(0.6)
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_xlabel(s.plot_latency_ms)
        _number_axis(ax, s, "x")
        fig.tight_layout()
        return _save(fig, stem)


def throughput(data: ReportData, s: Strings, stem) -> list[Path]:
    labels = _labels(data)
    colors = _colors(data.targets)
    markers = "osD^v<>ph*"
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.2))
        for i, t in enumerate(data.targets):
            by_batch = (data.bench.get(t) or {}).get("throughput_by_batch") or {}
            if not by_batch:
                continue
            sizes = sorted(int(b) for b in by_batch)
            ax.plot(
                sizes,
                [by_batch[str(b)] for b in sizes],
                marker=markers[i % len(markers)],
                color=colors[t],
                label=labels[t],
            )
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(s.plot_batch)
        ax.set_ylabel(s.plot_ips)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        _number_axis(ax, s)
        ax.legend(fontsize=8)
        fig.tight_layout()
        return _save(fig, stem)


def _speed(data: ReportData, t: str):
    """Batch-1 median latency when benchmarked, else whole-test-set time per image (ms)."""
    bench = data.bench.get(t) or {}
    if isinstance(bench.get("latency_p50_ms"), int | float):
        return bench["latency_p50_ms"], True
    row = data.row(t) or {}
    images = (data.metrics.get(t) or {}).get("test_images") or data.dataset.get("test_images")
    if isinstance(row.get("test_set_seconds"), int | float) and images:
        return 1000 * row["test_set_seconds"] / images, False
    return None, False


def _tradeoff_points(data: ReportData) -> tuple[dict[str, tuple[float, float, float]], bool]:
    """target -> (size KiB, speed ms, accuracy), and whether every speed is a benchmarked batch-1 latency."""
    points = {}
    benchmarked = True
    for row in data.rows:
        speed, measured = _speed(data, row["target"])
        if speed is None or not isinstance(row.get("accuracy"), int | float):
            continue
        benchmarked &= measured
        points[row["target"]] = (row["size_bytes"] / 1024, speed, row["accuracy"])
    return points, benchmarked


def _tradeoff_panel(ax, points: dict, index: int, xlabel: str, data: ReportData, s: Strings) -> None:
    """One panel: accuracy against points[index]; the 3-D Pareto front circled, this panel's 2-D front dashed."""
    labels = _labels(data)
    colors = _colors(data.targets)
    front = pareto_front(points, (False, False, True))
    for k, (t, point) in enumerate(points.items()):
        ax.scatter(point[index], point[2], s=55, color=colors[t], zorder=3, label=labels[t])
        if t in front:
            ax.scatter(point[index], point[2], s=170, facecolors="none", edgecolors="black", zorder=4)
        ax.annotate(
            labels[t],
            (point[index], point[2]),
            textcoords="offset points",
            fontsize=7,
            xytext=(6, 6 + 9 * (k % 3)),
            color=colors[t],
        )
    # 2-D front in this panel: smaller x, higher accuracy
    front2 = sorted(
        pareto_front({t: (p[index], p[2]) for t, p in points.items()}, (False, True)),
        key=lambda t: points[t][index],
    )
    if len(front2) > 1:
        xs = [points[t][index] for t in front2]
        ys = [points[t][2] for t in front2]
        ax.step(xs, ys, where="post", color="gray", linestyle="--", linewidth=1, label=s.plot_pareto)
    ax.set_xlabel(xlabel)
    xs = [p[index] for p in points.values()]
    if xs and min(xs) > 0 and max(xs) / min(xs) > 20:
        ax.set_xscale("log")
    else:
        ax.set_xlim(0, max(xs, default=1) * 1.25)
    _number_axis(ax, s, "x")
    _number_axis(ax, s)


def tradeoff(data: ReportData, s: Strings, stem) -> list[Path]:
    points, benchmarked = _tradeoff_points(data)
    speed_label = s.plot_speed + (" (b=1, p50)" if benchmarked else (" / img" if s.language == "en" else " / изобр."))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.2), sharey=True)
        for ax, index, xlabel in ((axes[0], 0, s.plot_size_kib), (axes[1], 1, speed_label)):
            _tradeoff_panel(ax, points, index, xlabel, data, s)
        axes[0].set_ylabel(s.plot_accuracy)
        handles, names = axes[0].get_legend_handles_labels()
        unique = dict(zip(names, handles, strict=True))
        fig.legend(
            unique.values(),
            unique.keys(),
            loc="lower center",
            ncol=min(5, len(unique)),
            fontsize=8,
            bbox_to_anchor=(0.5, -0.02),
        )
        fig.tight_layout(rect=(0, 0.1 + 0.05 * (len(unique) > 5), 1, 1))
        return _save(fig, stem)


def confusion(data: ReportData, s: Strings, stem) -> list[Path]:
    names, matrix = data.confusion
    counts = np.array(matrix, dtype=float)
    rates = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    size = min(4.6, 1.8 + 0.3 * len(names))
    with plt.rc_context({**STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(size + 1.0, size))
        image = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
        ticks = range(len(names))
        short = [n if len(n) <= 12 else n[:11] + "…" for n in names]
        ax.set_xticks(ticks, short, rotation=45, ha="right")
        ax.set_yticks(ticks, short)
        ax.set_xlabel(s.plot_predicted)
        ax.set_ylabel(s.plot_true)
        if len(names) <= 20:
            for i in range(len(names)):
                for j in range(len(names)):
                    ax.text(
                        j,
                        i,
                        str(int(counts[i, j])),
                        ha="center",
                        va="center",
                        fontsize=6,
                        color="white" if rates[i, j] > 0.5 else "black",
                    )
        colorbar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        _number_axis(colorbar.ax, s)
        fig.tight_layout()
        return _save(fig, stem)


def naive(data: ReportData, s: Strings, stem) -> list[Path]:
    labels = _labels(data)
    targets = [t for t in data.targets if (data.bench.get(t) or {}).get("naive_test_set_seconds")]
    series = [
        ("naive_test_set_seconds", s.plot_naive),
        ("tuned_test_set_seconds", s.plot_tuned),
        ("best_batch_test_set_seconds", s.plot_best),
    ]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.0))
        width = 0.8 / len(series)
        x = np.arange(len(targets))
        for i, (key, name) in enumerate(series):
            values = [data.bench[t].get(key) or np.nan for t in targets]
            ax.bar(x + (i - 1) * width, values, width, label=name, color=COLORS[i])
        ax.set_xticks(x, [labels[t] for t in targets])
        ax.set_yscale("log")
        ax.set_ylabel(s.plot_time_s)
        _number_axis(ax, s)
        ax.legend(fontsize=8)
        fig.tight_layout()
        return _save(fig, stem)


def benchmark_app(data: ReportData, s: Strings, stem) -> list[Path]:
    labels = _labels(data)
    rows = []
    for t, app in data.benchmark_app.items():
        one = next((r for r in app.get("comparison", []) if r.get("batch_size") == 1), None)
        ours = (data.bench.get(t) or {}).get("latency_p50_ms")
        if one and ours:
            rows.append((t, ours, one["benchmark_app_latency_median_ms"]))
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 2.8))
        x = np.arange(len(rows))
        ax.bar(x - 0.2, [r[1] for r in rows], 0.4, label=s.plot_workflow, color=COLORS[0])
        ax.bar(x + 0.2, [r[2] for r in rows], 0.4, label=s.plot_benchmark_app, color=COLORS[1])
        ax.set_xticks(x, [labels.get(r[0], r[0]) for r in rows])
        ax.set_ylabel(s.plot_median_latency + " (b=1)")
        _number_axis(ax, s)
        ax.legend(fontsize=8)
        fig.tight_layout()
        return _save(fig, stem)


def make_figure(name: str, data: ReportData, s: Strings, stem, latency_files: dict[str, Path] | None = None):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING_GLYPH, category=UserWarning)
        try:
            return _make_figure(name, data, s, stem, latency_files)
        except UserWarning as warning:
            plt.close("all")
            for partial in (Path(stem).with_suffix(".pdf"), Path(stem).with_suffix(".png")):
                partial.unlink(missing_ok=True)
            raise PlotTextError(
                f"figure {name}: {warning} Remove the character from the text it comes from "
                "(a class name, report.title)."
            ) from None


def _make_figure(name: str, data: ReportData, s: Strings, stem, latency_files: dict[str, Path] | None):
    if name == "latency":
        return latency(data, s, latency_files or {}, stem)
    functions = {
        "training_curves": training_curves,
        "test_set_time": test_set_time,
        "throughput": throughput,
        "tradeoff": tradeoff,
        "confusion": confusion,
        "naive": naive,
        "benchmark_app": benchmark_app,
    }
    return functions[name](data, s, stem)

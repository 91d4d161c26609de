"""The study report: one table across runs, curves against the swept settings, the seed-to-seed
spread, and per-model conclusions computed from results/study.tsv.

Facts are plain functions of the study rows (numbers and names, no wording); the wording lives in
templates/i18n/study.yaml and the layout in templates/study.md.j2 / study.tex.j2.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from .report.i18n import TEMPLATES
from .report.numbers import Numbers

SEED_KEY = "train.seed"
MARKERS = "osD^vP*X<>"  # one per line: the figures stay readable in black and white


@dataclass(frozen=True)
class Curve:
    """One target of one model (and one value of the other swept settings) along a swept setting."""

    target: str
    model: str
    setting: str  # the other swept settings' values, "" when only one setting is swept
    key: str
    x: list
    mean: list[float]
    low: list[float]
    high: list[float]


def numeric(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def curve_keys(keys: list[str]) -> list[str]:
    """Swept settings worth a curve: all but the seed (its spread is the error bar)."""
    return [key for key in keys if key != SEED_KEY]


def _band(values: list[float], rows: list[dict], metric: str) -> tuple[float, float, float]:
    """Mean over seeds, and its band: the seeds' min-max, or the run's own CI with one seed."""
    mean = sum(values) / len(values)
    if len(values) > 1:
        return mean, min(values), max(values)
    low, high = (numeric(rows[0].get(f"{metric}_ci_low")), numeric(rows[0].get(f"{metric}_ci_high")))
    if metric == "latency_p50_ms":
        low, high = numeric(rows[0].get("latency_p50_ci_low_ms")), numeric(rows[0].get("latency_p50_ci_high_ms"))
    return mean, low if low is not None else mean, high if high is not None else mean


def curves(rows: list[dict], keys: list[str], key: str, metric: str) -> list[Curve]:
    """Curves of `metric` along `key`: per target, model and value of the other non-seed settings."""
    others = [other for other in curve_keys(keys) if other not in (key, "model.name")]
    groups: dict[tuple, dict] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        group = (row["target"], row["model"], *(str(row[other]) for other in others))
        groups[group][row.get(key, row["model"]) if key != "model.name" else row["model"]].append(row)
    result = []
    for (target, model, *other_values), by_x in groups.items():
        xs = sorted(by_x, key=lambda x: (numeric(x) is None, numeric(x) or 0.0, str(x)))
        bands = [_band([float(r[metric]) for r in by_x[x]], by_x[x], metric) for x in xs]
        setting = ", ".join(f"{o}={v}" for o, v in zip(others, other_values, strict=True))
        result.append(Curve(target, model, setting, key, xs, *(list(column) for column in zip(*bands, strict=True))))
    return result


def spread_pp(spread_rows: list[dict], target: str, model: str) -> float | None:
    """Largest seed-to-seed accuracy range of a target and model, in percentage points."""
    ranges = [
        100.0 * (float(row["accuracy_max"]) - float(row["accuracy_min"]))
        for row in spread_rows
        if row["target"] == target and row.get("model") == model
    ]
    return max(ranges) if ranges else None


def model_facts(rows: list[dict], spread_rows: list[dict]) -> list[dict]:
    """Per model: the most accurate and the fastest target (mean over seeds and settings)."""
    facts = []
    for model in dict.fromkeys(row["model"] for row in rows):
        by_target: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            if row["model"] == model:
                by_target[row["target"]].append(row)
        accuracy = {t: sum(float(r["accuracy"]) for r in rs) / len(rs) for t, rs in by_target.items()}
        latency = {t: statistics.median(float(r["latency_p50_ms"]) for r in rs) for t, rs in by_target.items()}
        best, fastest = max(accuracy, key=accuracy.get), min(latency, key=latency.get)
        runner_up = max((t for t in accuracy if t != best), key=accuracy.get, default=None)
        gap_pp = 100.0 * (accuracy[best] - accuracy[runner_up]) if runner_up else None
        noise_pp = spread_pp(spread_rows, best, model)
        facts.append(
            {
                "model": model,
                "runs": len({r["run"] for rs in by_target.values() for r in rs}),
                "best_target": best,
                "best_accuracy": accuracy[best],
                "runner_up": runner_up,
                "gap_pp": gap_pp,
                "seed_range_pp": noise_pp,
                "gap_resolved": None if gap_pp is None or noise_pp is None else gap_pp > noise_pp,
                "fastest_target": fastest,
                "fastest_latency_ms": latency[fastest],
            }
        )
    return facts


def sweep_facts(curve_list: list[Curve], spread_rows: list[dict]) -> list[dict]:
    """Accuracy change from the first to the last value of a numeric sweep, against seed noise."""
    facts = []
    for curve in curve_list:
        if len(curve.x) < 2 or numeric(curve.x[0]) is None:
            continue
        change_pp = 100.0 * (curve.mean[-1] - curve.mean[0])
        noise_pp = spread_pp(spread_rows, curve.target, curve.model)
        facts.append(
            {
                "target": curve.target,
                "model": curve.model,
                "key": curve.key,
                "first": curve.x[0],
                "last": curve.x[-1],
                "first_accuracy": curve.mean[0],
                "last_accuracy": curve.mean[-1],
                "change_pp": change_pp,
                "seed_range_pp": noise_pp,
                "resolved": None if noise_pp is None else abs(change_pp) > noise_pp,
            }
        )
    return facts


def plural(count: int, forms: dict) -> str:
    """The noun form for a count: Russian has one / few / many (1 запуск, 2 запуска, 5 запусков)."""
    if count % 10 == 1 and count % 100 != 11:
        return forms["one"]
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return forms["few"]
    return forms["many"]


def load_strings(language: str) -> dict:
    texts = yaml.safe_load((TEMPLATES / "i18n" / "study.yaml").read_text(encoding="utf-8"))
    if language not in texts:
        raise ValueError(f"report.language={language!r}: use one of {', '.join(texts)}")
    return texts[language]


def conclusions(model_list: list[dict], sweep_list: list[dict], labels: dict, strings: dict, num: Numbers):
    """Sentences computed from the facts, in the report language."""
    sentences = []
    for fact in model_list:
        values = {
            "model": fact["model"],
            "best": labels.get(fact["best_target"], fact["best_target"]),
            "accuracy": num.fixed(fact["best_accuracy"], 4),
            "fastest": labels.get(fact["fastest_target"], fact["fastest_target"]),
            "latency": num.fixed(1000.0 * fact["fastest_latency_ms"], 1),
        }
        sentences.append(strings["model_best"].format(**values))
        if fact["gap_resolved"] is not None:
            key = "gap_resolved" if fact["gap_resolved"] else "gap_not_resolved"
            sentences.append(
                strings[key].format(gap=num.fixed(fact["gap_pp"], 2), noise=num.fixed(fact["seed_range_pp"], 2))
            )
    for fact in sweep_list:
        key = {True: "sweep_resolved", False: "sweep_not_resolved", None: "sweep_one_seed"}[fact["resolved"]]
        sentences.append(
            strings[key].format(
                target=labels.get(fact["target"], fact["target"]),
                model=fact["model"],
                key=fact["key"],
                first=fact["first"],
                last=fact["last"],
                change=num.fixed(fact["change_pp"], 2),
                noise=num.fixed(fact["seed_range_pp"], 2) if fact["seed_range_pp"] is not None else "",
            )
        )
    return sentences


def figure_stem(key: str) -> str:
    return "study_" + "".join(c if c.isalnum() else "_" for c in key)


def figure_stems(keys: list[str], folder: str) -> dict[str, str]:
    """Swept setting -> its figure's path without suffix; the model when only the seed is swept."""
    return {key: f"{folder}/{figure_stem(key)}" for key in curve_keys(keys) or ["model.name"]}


def plot_curves(rows: list[dict], keys: list[str], key: str, strings: dict, stem: str | Path) -> list[Path]:
    """Accuracy, size and latency against one swept setting: a PDF and a PNG."""
    import matplotlib.pyplot as plt

    from .plots import save_figure  # matplotlib with the Agg backend

    panels = [
        ("accuracy", "axis_accuracy", 1.0),
        ("size_bytes", "axis_size", 1 / 1024),
        ("latency_p50_ms", "axis_latency", 1000.0),
    ]
    style = {
        "font.family": "serif",
        "font.size": 8,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "pdf.fonttype": 42,
        "text.parse_math": False,
    }
    with plt.rc_context(style):
        fig, axes = plt.subplots(1, 3, figsize=(7.0, 2.6))
        per_metric = [curves(rows, keys, key, metric) for metric, _, _ in panels]
        for index, lines in enumerate(zip(*per_metric, strict=True)):
            label = " · ".join(part for part in (lines[0].target, lines[0].model, lines[0].setting) if part)
            for ax, line, (_, axis_key, scale) in zip(axes, lines, panels, strict=True):
                positions = list(range(len(line.x)))
                mean = [scale * v for v in line.mean]
                below = [scale * (m - lo) for m, lo in zip(line.mean, line.low, strict=True)]
                above = [scale * (hi - m) for m, hi in zip(line.mean, line.high, strict=True)]
                ax.errorbar(
                    positions, mean, yerr=[below, above], marker=MARKERS[index % len(MARKERS)], capsize=2, label=label
                )
                ax.set_xticks(positions, [str(x) for x in line.x])
                ax.set_xlabel(key)
                ax.set_ylabel(strings[axis_key])
        axes[0].legend(fontsize=6, loc="best")
        fig.tight_layout()
        return save_figure(fig, stem)


def _cell_range(num: Numbers, value, low, high, decimals: int, scale: float = 1.0) -> str:
    value, low, high = numeric(value), numeric(low), numeric(high)
    if value is None:
        return "—"
    text = num.fixed(scale * value, decimals)
    if low is None or high is None:
        return text
    return f"{text} [{num.fixed(scale * low, decimals)}; {num.fixed(scale * high, decimals)}]"


def results_table(rows: list[dict], keys: list[str], strings: dict, num: Numbers) -> dict:
    swept = [key for key in keys if key != "model.name"]
    header = [strings["col_run"], strings["col_model"], *swept, strings["col_target"], strings["col_accuracy"]]
    header += [strings["col_f1"], strings["col_size"], strings["col_latency"], strings["col_throughput"]]
    body = []
    for row in rows:
        body.append(
            [
                row["run"],
                row["model"],
                *(str(row[key]) for key in swept),
                row.get("label") or row["target"],
                _cell_range(num, row["accuracy"], row.get("accuracy_ci_low"), row.get("accuracy_ci_high"), 4),
                num.fixed(float(row["f1_macro"]), 4),
                num.fixed(float(row["size_bytes"]) / 1024, 1),
                _cell_range(
                    num,
                    row["latency_p50_ms"],
                    row.get("latency_p50_ci_low_ms"),
                    row.get("latency_p50_ci_high_ms"),
                    1,
                    1000.0,
                ),
                num.integer(round(float(row["throughput_ips"]))),
            ]
        )
    return {"header": header, "rows": body, "align": "l" * (4 + len(swept)) + "r" * 5}


def spread_table(spread_rows: list[dict], strings: dict, num: Numbers) -> dict | None:
    if not spread_rows:
        return None
    settings = [key for key in spread_rows[0] if key not in {"target", "seeds"} and not key.startswith("accuracy_")]
    names = {"model": strings["col_model"]}
    header = [
        strings["col_target"],
        *(names.get(key, key) for key in settings),
        strings["col_seeds"],
        strings["col_mean"],
        strings["col_std"],
    ]
    header += [strings["col_min"], strings["col_max"]]
    body = [
        [
            row["target"],
            *(str(row[key]) for key in settings),
            str(row["seeds"]),
            *(num.fixed(float(row[f"accuracy_{stat}"]), 4) for stat in ("mean", "std", "min", "max")),
        ]
        for row in spread_rows
    ]
    return {"header": header, "rows": body, "align": "l" * (1 + len(settings)) + "r" * 5}


def study_context(rows, spread_rows, keys, hosts, settings: dict, figures: dict[str, str]) -> dict:
    """Everything the study templates show; `settings` is config['report'] plus dataset name."""
    strings = load_strings(settings["language"])
    num = Numbers(settings["language"])
    labels = {row["target"]: row.get("label") or row["target"] for row in rows}
    curve_list = [c for key in curve_keys(keys) for c in curves(rows, keys, key, "accuracy")]
    runs = list(dict.fromkeys(row["run"] for row in rows))
    return {
        "language": settings["language"],
        "t": strings,
        "title": settings.get("title") or strings["title"],
        "author": settings.get("author") or "",
        "setup": strings["setup"].format(
            runs=len(runs),
            runs_word=plural(len(runs), strings["runs"]),
            dataset=settings["dataset"],
            swept=", ".join(keys),
        ),
        "speed_note": strings["speed_note"].format(hosts=", ".join(hosts) or "—"),
        "results": results_table(rows, keys, strings, num),
        "spread": spread_table(spread_rows, strings, num),
        "figures": [
            {"path": path, "caption": strings["curve_caption"].format(key=key)} for key, path in figures.items()
        ],
        "conclusions": conclusions(
            model_facts(rows, spread_rows), sweep_facts(curve_list, spread_rows), labels, strings, num
        ),
    }

"""The study report's sections, in the run report's form (sections/base.py): setup, method, results by
setting (the points' table and one figure per swept setting), the seed-to-seed spread, conclusions,
limitations, references and, in the appendix, every run. Every verdict is a finding of
compressbench.analysis.study; the wording is the `study` block of templates/wording/."""

from __future__ import annotations

from ...analysis.rule import NO_INTERVAL, OVERLAP
from ...analysis.study import MAD_LIMIT, SEED_KEY, Point, Sweep, ordered_values, point_keys
from ..sections.base import Figure, Section, Table
from ..sections.setup import DATASETS
from ..tables import durations, table, with_note
from .writer import MODEL_KEY, StudyWriter

FLAG_MARK = "*"  # a run's latency without the repeats left out as accidents
# The best point of a line: resolved against all the others, some, or none
LEAD_SENTENCES = {
    ("accuracy", "all"): "study.lead_accuracy_all",
    ("accuracy", "some"): "study.lead_accuracy_some",
    ("accuracy", "none"): "study.lead_accuracy_none",
    ("latency", "all"): "study.lead_latency_all",
    ("latency", "some"): "study.lead_latency_some",
    ("latency", "none"): "study.lead_latency_none",
}
# A line whose points are all equal, or one network at every value (a setting that does not change it): its
# latencies then differ by the machine, not by the setting, and are compared with nothing
SAME_SENTENCES = {
    "same": {"accuracy": "study.same_accuracy", "latency": "study.same_latency"},
    "same_network": {"accuracy": "study.same_network_accuracy", "latency": "study.same_network_latency"},
}


def figure_name(key: str) -> str:
    """The figure of one swept setting (its files: reports/figures/<name>.pdf and .png)."""
    return "study_" + "".join(c if c.isalnum() else "_" for c in key)


# ---- setup ---------------------------------------------------------------------------------------


def setup_text(w: StudyWriter) -> list[str]:
    records = [r for run in w.study.runs for r in run.records]
    out = [w.s["study.setup_text"]]
    machines = sorted({f"{r.hostname} ({r.cpu_model})" for r in records if r.hostname})
    if len(machines) > 1:
        out.append(w.s.say("study.setup_machines", machines="; ".join(machines)))
    return out


def _span(w: StudyWriter, values) -> str:
    """ "2" or "2–3": the values a count takes over the study."""
    values = sorted(set(values))
    if not values:
        return w.n.missing
    ends = dict.fromkeys((values[0], values[-1]))
    return "–".join(w.n.integer(v) for v in ends)


def _swept(w: StudyWriter) -> str:
    """ "model.name: LeNet-5, ResNet-8; train.seed: 0, 1": every swept setting (in full) and its values."""
    parts = []
    for key in w.study.keys:
        values = ordered_values([str(run.settings.get(key)) for run in w.study.runs])
        parts.append(f"{key}: {', '.join(w.value_text(key, v) for v in values)}")
    return "; ".join(parts)


def _networks(w: StudyWriter) -> str:
    networks = {}
    for run in w.study.runs:
        networks.setdefault(run.model, run.network)
    return "; ".join(
        w.s.say(
            "study.network_value",
            model=network.get("architecture") or w.value_text(MODEL_KEY, model),
            params=w.n.integer(network.get("params")),
            macs=w.n.integer(network.get("macs")),
        )
        for model, network in networks.items()
    )


def _training(w: StudyWriter) -> str:
    train = w.study.runs[0].network.get("train") or {}
    return w.s.say(
        "study.training_value",
        epochs=w.s.count(train.get("epochs"), "common.forms_epochs"),
        batch=train.get("batch_size", w.n.missing),
        optimizer=str(train.get("optimizer", w.n.missing)).replace("adam", "Adam").replace("sgd", "SGD"),
        lr=w.n.sig(train.get("learning_rate")),
    )


def setup_rows(w: StudyWriter) -> list[tuple[str, str]]:
    s, n, study = w.s, w.n, w.study
    first = study.runs[0]
    dataset, env = first.dataset, first.environment
    source = dataset.get("source", "")
    records = [r for run in study.runs for r in run.records]
    repeats = [r.repeats for r in records if r.repeats]
    cpus = sorted({run.environment.get("cpu_model") for run in study.runs if run.environment.get("cpu_model")})
    return [
        (s["setup.setup_dataset"], s[DATASETS[source]] if source in DATASETS else str(source or n.missing)),
        (
            s["setup.setup_images"],
            s.say(
                "study.images_value",
                train=n.integer(dataset.get("train_images")),
                test=n.integer(dataset.get("test_images")),
            ),
        ),
        (s["study.item_swept"], _swept(w)),
        (s["study.item_runs"], n.integer(len(study.runs))),
        (s["study.item_seeds"], _span(w, [len(p.runs) for p in w.points.values()])),
        (s["study.item_targets"], ", ".join(w.label(t) for t in study.targets)),
        (s["study.item_networks"], _networks(w)),
        (s["setup.setup_training"], _training(w)),
        (
            s["study.item_benchmark"],
            s.say(
                "study.benchmark_value",
                repeats=f"{_span(w, repeats)}\u00a0{s['study.forms_repeats'][-1]}"
                if len(set(repeats)) > 1
                else s.count(repeats[0] if repeats else None, "study.forms_repeats"),
                threads=_span(w, [r.threads for r in records if r.threads]),
            ),
        ),
        (s["setup.setup_cpu"], ", ".join(cpus) or n.missing),
        (
            s["setup.setup_cores"],
            s.say(
                "setup.cores_value",
                cpus=s.count(env.get("logical_cpus"), "common.forms_cpus"),
                cores=s.count(env.get("physical_cores"), "common.forms_cores"),
            ),
        ),
        (s["setup.setup_os"], str(env.get("os") or n.missing)),
    ]


# ---- method --------------------------------------------------------------------------------------


def method_text(w: StudyWriter) -> list[str]:
    out = [w.s["study.method_points"], w.s["study.method_rule"]]
    if any(p.latency_ms is not None for p in w.points.values()):
        out.append(w.s.say("study.method_screen", limit=w.n.integer(MAD_LIMIT), cite=w.cite("leys_mad")))
    return out


# ---- results by setting --------------------------------------------------------------------------


def results_text(w: StudyWriter) -> list[str]:
    s, n = w.s, w.n
    out = [s["study.results_text"]]
    screen = w.finding("study.latency_screen")
    if screen is None:
        return out
    if screen.flagged:
        items = [
            s.say(
                "study.screen_item",
                target=w.label(f.target),
                run=f.run,
                repeat=n.integer(f.repeat),
                latency=n.ms(f.latency_ms),
                median=n.ms(f.point_median_ms),
                repeats=s.count(f.point_repeats, "study.forms_repeats"),
            )
            for f in screen.flagged
        ]
        out.append(w.para(s.say("study.screen_flagged", items="; ".join(items))))
    elif any(p.latency_screened for p in w.points.values()):
        out.append(w.para(s["study.screen_none"]))
    if screen.unscreened:
        out.append(
            w.para(s.say("study.screen_unscreened", points=s.count(len(screen.unscreened), "study.forms_points")))
        )
    w.take()
    return out


def _accuracy_title(w: StudyWriter, points: list[Point]) -> str:
    kinds = {p.accuracy_interval for p in points} - {"none"}
    if kinds == {"bootstrap"}:
        return w.s["columns.col_accuracy_ci"]
    return w.s["study.col_accuracy_seeds"] if kinds == {"seeds"} else w.s["study.col_accuracy_mixed"]


def accuracy_note_key(points: list[Point]) -> str:
    kinds = {p.accuracy_interval for p in points} - {"none"}
    if kinds == {"bootstrap"}:
        return "study.note_ci_table"
    return "study.note_seeds_table" if kinds <= {"seeds"} else "study.note_mixed_table"


def _setting_columns(w: StudyWriter, keys: list[str]) -> list[tuple[str, str]]:
    return [(w.s["study.col_network"] if k == MODEL_KEY else w.short_key(k), "l") for k in keys]


def points_table(w: StudyWriter) -> dict | None:
    points = list(w.points.values())
    if not points:
        return None
    n, keys = w.n, point_keys(w.study.keys)
    unit, latencies = durations(w, [p.latency_ms for p in points])
    _, lows = durations(w, [p.latency_low_ms for p in points], [p.latency_ms for p in points])
    _, highs = durations(w, [p.latency_high_ms for p in points], [p.latency_ms for p in points])
    rows = []
    for p, latency, low, high in zip(points, latencies, lows, highs, strict=True):
        interval = f"{low}–{high}" if p.interval("latency") else n.missing
        rows.append(
            [
                *(w.value_text(k, p.settings.get(k)) for k in keys),
                w.label(p.target),
                n.integer(len(p.runs)),
                with_note(w.accuracy(p.accuracy_mean), w.accuracy_range(p), n.missing),
                n.kib(p.size_bytes),
                with_note(latency, interval, n.missing),
                n.integer(p.latency_repeats) if p.latency_ms is not None else n.missing,
            ]
        )
    columns = [
        *_setting_columns(w, keys),
        (w.s["columns.col_target"], "l"),
        (w.s["study.col_seeds"], "r"),
        (_accuracy_title(w, points), "r"),
        (w.s["columns.col_size"], "r"),
        (w.s.say("columns.col_p50_range", unit=unit), "r"),
        (w.s["study.col_repeats"], "r"),
    ]
    return table(columns, rows)


def figures(keys: list[str]) -> tuple[Figure, ...]:
    """One figure per swept setting but the seed (plots.study_sweep); the seed's spread is in each."""
    caption = "study.fig_sweep" if SEED_KEY in keys else "study.fig_sweep_one_seed"
    return tuple(
        Figure(figure_name(key), caption, "study_sweep", values=(("setting", key),)) for key in point_keys(keys)
    )


# ---- seeds ---------------------------------------------------------------------------------------


def seeds_text(w: StudyWriter) -> list[str]:
    s, n = w.s, w.n
    spread = w.finding("study.seeds")
    if spread is None:
        return [s["study.no_seeds"]] if SEED_KEY not in w.study.keys else []
    widest = w.points[spread.largest_point]
    out = [
        w.para(
            s.say(
                "study.seeds_spread",
                range=n.pp(spread.largest_range_pp, 2, signed=False),
                target=w.label(widest.target),
                setting=w.settings(widest.settings) or n.missing,
                points=s.count(spread.points, "study.forms_points"),
                sd=n.pp(spread.pooled_sd_pp, 2, signed=False),
            )
        )
    ]
    values = {
        "seeds": s.count(spread.seeds, "study.forms_seeds"),
        "coverage": n.percent(spread.coverage, 0),
        "expected": n.pp(spread.expected_range_pp, 1, signed=False),
        "factor": n.fixed(spread.expected_range_pp / spread.pooled_sd_pp, 2) if spread.pooled_sd_pp else n.missing,
    }
    if spread.resolved:
        out.append(s.say("study.seeds_enough", **values))
    else:
        needed = s.count(spread.seeds_needed, "study.forms_seeds")
        coverage_needed = n.percent(spread.coverage_needed, 0)
        out.append(s.say("study.seeds_too_few", **values, needed=needed, coverage_needed=coverage_needed))
    return out


# ---- conclusions ---------------------------------------------------------------------------------


def _point_value(w: StudyWriter, point: Point, metric: str) -> str:
    """ "0,9520 (0,9500–0,9540)", "161 µs (160–162 µs)": a point's value with its interval."""
    if metric == "accuracy":
        value, interval = w.accuracy(point.accuracy_mean), w.accuracy_range(point)
    else:
        value, interval = w.n.ms(point.latency_ms), w.latency_range(point)
    return with_note(value, interval, w.n.missing)


def _reason(w: StudyWriter, sweep: Sweep) -> str:
    status = sweep.lead.status
    if sweep.metric == "latency":
        return w.reason(status)
    if status != OVERLAP:
        return w.s["study.reason_no_accuracy_interval"] if status == NO_INTERVAL else w.reason(status)
    kinds = {w.points[p].accuracy_interval for p in (sweep.lead.best, *sweep.lead.ties)}
    if kinds == {"seeds"}:
        return w.s["study.reason_seeds_overlap"]
    return w.s["comparison.reason_ci_overlap"] if kinds == {"bootstrap"} else w.s["study.reason_intervals_overlap"]


def _verdict(w: StudyWriter, sweep: Sweep) -> tuple:
    """What a sweep says, without its variant and numbers: sweeps that say the same share one sentence."""
    lead = sweep.lead
    at = [w.setting(sweep.key, w.points[p].settings[sweep.key]) for p in lead.order]
    if sweep.same_network:
        return sweep.key, sweep.metric, tuple(sweep.others.items()), "same_network", (), (), ""
    if len({w.points[p].value(sweep.metric) for p in lead.order}) == 1:
        return sweep.key, sweep.metric, tuple(sweep.others.items()), "same", (), (), ""
    ties = tuple(w.setting(sweep.key, w.points[p].settings[sweep.key]) for p in lead.ties)
    resolved = tuple(v for v in at[1:] if v not in ties)
    reason = _reason(w, sweep) if ties else ""
    return sweep.key, sweep.metric, tuple(sweep.others.items()), at[0], resolved, ties, reason


def _values(w: StudyWriter, sweep: Sweep, same: bool) -> str:
    """ "PyTorch — LeNet-5 0,9520 (0,9500–0,9540), ResNet-8 0,9720 (0,9700–0,9740)": a variant's value at each
    value of the setting (once when they are all the same)."""
    ids = sorted(sweep.lead.order, key=list(w.points).index)
    if same:
        return f"{w.label(sweep.target)} {_point_value(w, w.points[ids[0]], sweep.metric)}"
    cells = [
        f"{w.value_text(sweep.key, w.points[p].settings[sweep.key])}: {_point_value(w, w.points[p], sweep.metric)}"
        for p in ids
    ]
    return f"{w.label(sweep.target)} — {', '.join(cells)}"


def _interval_kind(w: StudyWriter, sweeps: list[Sweep]) -> str:
    """The wording key naming what the values of a verdict are: a mean and a seed range, a bootstrap interval."""
    if sweeps[0].metric == "latency":
        return "study.interval_repeats"
    kinds = {w.points[p].accuracy_interval for sweep in sweeps for p in sweep.lead.order}
    if kinds == {"seeds"}:
        return "study.interval_seeds"
    return "study.interval_ci" if kinds == {"bootstrap"} else "study.interval_mixed"


def verdict_sentence(w: StudyWriter, sweeps: list[Sweep]) -> str:
    """One sentence for the variants whose lines along a setting reach the same verdict, with every variant's
    value and interval at every value of the setting."""
    key, metric, others, best, resolved, ties, reason = _verdict(w, sweeps[0])
    labels = w.s.join([w.label(sweep.target) for sweep in sweeps])
    line = w.s.say("study.line_others", target=labels, others=w.settings(dict(others))) if others else labels
    same = best in ("same", "same_network") and (best == "same" or metric == "accuracy")
    words = {
        "line": line,
        "values": "; ".join(_values(w, sweep, same) for sweep in sweeps),
        "interval": w.s[_interval_kind(w, sweeps)],
    }
    if best in SAME_SENTENCES:
        words["setting"] = w.s["study.col_network"].lower() if key == MODEL_KEY else w.short_key(key)
        return w.s.say(SAME_SENTENCES[best][metric], **words)
    words["best"] = best
    if resolved:
        words["resolved"] = w.s.join(list(resolved))
    if ties:
        words.update(ties=w.s.join(list(ties)), reason=reason)
    case = "all" if not ties else ("some" if resolved else "none")
    return w.s.say(LEAD_SENTENCES[(metric, case)], **words)


def conclusion_text(w: StudyWriter) -> list[str]:
    groups: dict[tuple, list[tuple[str, Sweep]]] = {}
    for found in w.findings.with_prefix("study.sweep."):
        if len(found.body.lead.order) >= 2:
            groups.setdefault(_verdict(w, found.body), []).append((found.id, found.body))
    out = []
    for members in groups.values():
        for finding_id, _ in members:
            w.finding(finding_id)
        out.append(w.para(verdict_sentence(w, [sweep for _, sweep in members])))
    spread = w.finding("study.seeds")
    if spread is not None and not spread.resolved and groups:
        s = w.s
        out.append(
            w.para(
                s.say(
                    "study.conclusion_seeds",
                    seeds=s.count(spread.seeds, "study.forms_seeds"),
                    coverage=w.n.percent(spread.coverage, 0),
                    needed=s.count(spread.seeds_needed, "study.forms_seeds"),
                )
            )
        )
    w.take()
    out.append(w.s["study.conclusion_runs"])
    return out


# ---- limitations ---------------------------------------------------------------------------------


def limitations_text(w: StudyWriter) -> list[str]:
    s, n = w.s, w.n
    out = []
    spread = w.finding("study.seeds")
    if spread is not None and not spread.resolved:
        out.append(w.para(s.say("study.limit_seeds", seeds=s.count(spread.seeds, "study.forms_seeds"))))
    elif spread is None:
        out.append(s["study.limit_no_seeds"])
    w.take()
    env = w.environment
    cpus = sorted({run.environment.get("cpu_model") for run in w.study.runs if run.environment.get("cpu_model")})
    out.append(
        s.say(
            "study.limit_machine",
            machine=", ".join(cpus) or n.missing,
            cpus=s.count(env.get("logical_cpus"), "common.forms_cpus"),
        )
    )
    if spread is not None:
        images = w.study.runs[0].dataset.get("test_images")
        out.append(s.say("study.limit_test_set", images=s.count(images, "study.forms_images")))
    return out


# ---- appendix: every run -------------------------------------------------------------------------


def runs_table(w: StudyWriter) -> dict | None:
    n, study = w.n, w.study
    keys = point_keys(study.keys)
    seeds = [SEED_KEY] if SEED_KEY in study.keys else []
    by_run = {(lat.run, p.target): lat for p in w.points.values() for lat in p.latency_by_run}
    cells = [(run, record, by_run.get((run.name, record.target))) for run in study.runs for record in run.records]
    if not cells:
        return None
    latencies = [lat.p50_ms if lat else None for _, _, lat in cells]
    unit, p50s = durations(w, latencies)
    _, lows = durations(w, [lat.low_ms if lat else None for _, _, lat in cells], latencies)
    _, highs = durations(w, [lat.high_ms if lat else None for _, _, lat in cells], latencies)
    rows = []
    for (run, record, lat), p50, low, high in zip(cells, p50s, lows, highs, strict=True):
        latency = with_note(p50, f"{low}–{high}" if lat and lat.low_ms is not None else n.missing, n.missing)
        if lat and lat.flagged_ms:
            latency += FLAG_MARK
        ci = (
            f"{n.fixed(record.accuracy_ci_low, 3)}–{n.fixed(record.accuracy_ci_high, 3)}"
            if record.accuracy_ci_low is not None and record.accuracy_ci_high is not None
            else n.missing
        )
        rows.append(
            [
                *(w.value_text(k, run.settings.get(k)) for k in [*keys, *seeds]),
                w.label(record.target),
                with_note(n.fixed(record.accuracy, 4), ci, n.missing),
                n.fixed(record.f1_macro, 4),
                latency,
                n.count(record.throughput_ips),
            ]
        )
    columns = [
        *_setting_columns(w, keys),
        *[(w.s["study.col_seed"], "r") for _ in seeds],
        (w.s["columns.col_target"], "l"),
        (w.s["columns.col_accuracy_ci"], "r"),
        (w.s["study.col_f1"], "r"),
        (w.s.say("columns.col_p50_range", unit=unit), "r"),
        (w.s["columns.col_throughput"], "r"),
    ]
    return table(columns, rows, long=True)


def appendix_text(w: StudyWriter) -> list[str]:
    return [w.s["study.appendix_text"]]


# ---- the report ----------------------------------------------------------------------------------


def study_sections(keys: list[str]) -> tuple[Section, ...]:
    """The sections of the report of a study sweeping `keys` (one figure per swept setting)."""
    sweeps = figures(keys)
    return (
        Section(
            "setup",
            "study.title_setup",
            1,
            ("text", "table:setup"),
            text=setup_text,
            tables=(Table("setup", setup_rows, "study.tab_setup"),),
        ),
        Section("method", "study.title_method", 1, ("text",), text=method_text),
        Section(
            "results",
            "study.title_results",
            1,
            ("text", "table:points", *(f"figure:{f.name}" for f in sweeps)),
            text=results_text,
            tables=(Table("points", points_table, "study.tab_points"),),
            figures=sweeps,
        ),
        Section("seeds", "study.title_seeds", 1, ("text",), text=seeds_text),
        Section("conclusion", "study.title_conclusion", 1, ("list",), text=conclusion_text),
        Section("limitations", "study.title_limitations", 1, ("list",), text=limitations_text),
        Section("references", "references.title", 1, ("bibliography",), numbered=False),
        Section(
            "appendix",
            "study.title_appendix",
            1,
            ("text", "table:runs"),
            text=appendix_text,
            tables=(Table("runs", runs_table, "study.tab_runs"),),
            appendix=True,
        ),
    )

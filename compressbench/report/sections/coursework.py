"""Comparison with the coursework (../shared/reference): its numbers beside this run's, which timing
hypothesis reproduces its order, its accuracy, and which averaging its F1 was."""

from __future__ import annotations

import itertools

from ...analysis import load_coursework
from ...analysis.coursework import coursework_targets
from ...targets import TRAINED
from ..tables import table, with_note
from ..writer import Writer
from .base import Section, Table
from .setup import dataset_name

HYPOTHESES = {
    "naive_loop": "coursework.hyp_naive_loop",
    "first_pass": "coursework.hyp_first_pass",
    "first_call": "coursework.hyp_first_call",
    "tuned_batch1": "coursework.hyp_tuned_batch1",
    "best_batch": "coursework.hyp_best_batch",
}
AVERAGING = {
    "macro": "coursework.cw_averaging_macro",
    "weighted": "coursework.cw_averaging_weighted",
    "macro_or_weighted": "coursework.cw_averaging_macro_or_weighted",
}


def trained_numbers(cw: dict, w: Writer) -> dict:
    """The coursework's numbers for the runtime of the trained model (eager PyTorch)."""

    return cw["runtimes"][w.run.runtime(TRAINED)]


def text(w: Writer) -> list[str]:
    if TRAINED not in w.run.targets:
        return []
    cw = load_coursework(w.templates / "coursework.yaml")
    s, n = w.s, w.n
    times = ", ".join(f"{v['label']} {n.seconds(v['seconds'])}" for v in cw["runtimes"].values())
    out = orderings(w, cw, times)  # its accuracy: the closing sentence (accuracy)
    out += naive_repeats(w)
    out.append(s.say("coursework.cw_size"))  # the sizes are the coursework table's
    out.append(accuracy(w, cw))
    if w.findings.get("coursework.averaging") is not None:
        out.append(s.say("coursework.cw_averaging_pointer", title=s["coursework.averaging_title"]))
    return out


def orderings(w: Writer, cw: dict, times: str) -> list[str]:
    """The coursework's times and the order they give, then each of this run's loops' order against it."""
    s = w.s
    found = w.finding("coursework.orderings")
    if found is None or not found.orderings:
        w.pending.clear()
        return [s.say("coursework.cw_intro", items=times, cite=w.cite("coursework")), s["coursework.cw_order_missing"]]
    cw_text = " < ".join(coursework_targets(cw, w.run)[t]["label"] for t in found.coursework)
    items = []
    for o in found.orderings:
        order = ranked(w, o)
        items.append(
            s.say(
                "coursework.cw_hypothesis",
                hypothesis=s.say(HYPOTHESES[o.hypothesis]),
                order=order,
                settled=settled(w, o),
            )
        )
    matching = [s.say(HYPOTHESES[h]) for h in found.matching]
    key = "coursework.cw_explained" if matching else "coursework.cw_not_explained"
    return [
        s.say(
            "coursework.cw_orderings", times=times, cite=w.cite("coursework"), cw_order=cw_text, items="; ".join(items)
        ),
        w.para(s.say(key, hypotheses=s.join(matching))),
    ]


def ranked(w: Writer, ordering) -> str:
    """ "ONNX Runtime ≈ OpenVINO < PyTorch": neighbours the ranges do not tell apart joined by ≈, never by <."""
    tied = set(map(tuple, ordering.unresolved_pairs or ()))
    text = w.label(ordering.order[0])
    for a, b in itertools.pairwise(ordering.order):
        text += f" {'≈' if (a, b) in tied else '<'} {w.label(b)}"
    return text


def settled(w: Writer, ordering) -> str:
    """'' for an order the ranges resolve; else which neighbours they do not tell apart (the other
    steps of the order are resolved), or that the timing keeps no range to resolve it; and the neighbours
    whose ranges overlap but whose rounds resolve them, with the signed-rank test's p."""
    s = w.s
    if ordering.resolved is None:
        return s["coursework.cw_order_no_range"]
    agreeing = list(ordering.by_rounds or ())
    by_rounds = ""
    if len(agreeing) == 1:
        a, b, ahead, rounds, p = agreeing[0]
        values = dict(a=w.label(a), b=w.label(b), in_rounds=w.in_rounds(ahead, rounds), p=w.n.p_value(p))
        by_rounds = s.say("coursework.cw_pairs_rounds", **values)
    elif agreeing:
        pairs = "; ".join(s.say("coursework.cw_pair", a=w.label(a), b=w.label(b)) for a, b, *_ in agreeing)
        p = max(p for *_, p in agreeing)
        by_rounds = s.say("coursework.cw_pairs_rounds_many", pairs=pairs, p=w.n.p_value(p))
    weaker = ""
    if ordering.weak_rounds:  # a step the ranges of few rounds resolve
        extended = s.count(ordering.weak_rounds, "naive.forms_extended_rounds")
        weaker = s.say("coursework.cw_order_weaker", extended=extended)
    if ordering.resolved:
        return one_parenthesis(by_rounds, weaker)
    if len(ordering.unresolved_pairs) == len(ordering.order) - 1:
        return s["coursework.cw_order_unresolved"]
    pairs = [s.say("coursework.cw_pair", a=w.label(a), b=w.label(b)) for a, b in ordering.unresolved_pairs]
    return one_parenthesis(s.say("coursework.cw_pairs_unresolved", pairs="; ".join(pairs)), by_rounds, weaker)


def one_parenthesis(*remarks: str) -> str:
    """ " (a; b)" from the remarks a and b (empty ones left out): one parenthesis after an order."""
    said = [remark for remark in remarks if remark]
    return f" ({'; '.join(said)})" if said else ""


def naive_repeats(w: Writer) -> list[str]:
    """Each baseline's one-image loop over its repeats beside the coursework's time per image."""
    s, n = w.s, w.n
    items = []
    for x in w.each("coursework.naive."):
        key = "coursework.cw_naive_inside" if x.inside else "coursework.cw_naive_outside"
        items.append(
            s.say(
                key,
                target=w.label(x.target),
                repeats=f"{n.sig(min(x.per_image_us), 3)}–{n.sig(max(x.per_image_us), 3)}",
                coursework=n.sig(x.coursework_us, 3),
                ratios=times_range(w, x.coursework_us / max(x.per_image_us), x.coursework_us / min(x.per_image_us)),
            )
        )
    if not items:
        return []
    return [w.para(s.say("coursework.cw_naive", items="; ".join(items))), s["coursework.cw_untested"]]


def times_range(w: Writer, low: float, high: float) -> str:
    """ "3.9–4.3×" / "3,9–4,3 раза": how many times one figure is a range of others."""
    if w.n.fixed(low, 1) == w.n.fixed(high, 1):
        return w.s.times(high, 1)
    return f"{w.n.fixed(low, 1)}–{w.s.times(high, 1)}"


def accuracy(w: Writer, cw: dict) -> str:
    run, s, n = w.run, w.s, w.n
    acc = n.fixed(run.value(TRAINED, "accuracy"), 4)
    interval = w.interval_note(TRAINED, "accuracy")
    dataset = run.results.dataset
    source = dataset.get("source")
    names = [str(c).lower() for c in dataset.get("class_names", [])]
    cw_acc = n.fixed(trained_numbers(cw, w)["accuracy"], 4)
    if source == "cifar10" or (source == "imagefolder" and len(names) == 10):
        epochs = s.count(len(run.results.train_log), "common.forms_epochs")
        return s.say("coursework.cw_accuracy_same", acc=acc, interval=interval, epochs=epochs, cw_acc=cw_acc)
    return s.say("coursework.cw_accuracy_other", dataset=dataset_name(w), acc=acc, cw_acc=cw_acc)


def averaging(w: Writer, cw: dict) -> str:
    s, n = w.s, w.n
    result = w.finding("coursework.averaging")
    numbers = trained_numbers(cw, w)
    f1 = s.say(
        AVERAGING[result.verdict],
        f1=n.fixed(numbers["f1"], 4),
        acc=n.fixed(numbers["accuracy"], 4),
        gap=n.fixed(abs(result.coursework_gap), 4),
        macro_gap=n.fixed(abs(result.macro_gap) if result.macro_gap is not None else None, 4),
        weighted_gap=n.fixed(abs(result.weighted_gap) if result.weighted_gap is not None else None, 4),
        cite=w.cite("sklearn_prf"),
    )
    if not result.micro_precision:
        return w.para(f1)
    return w.para(f"{f1} {s.say('coursework.cw_averaging_mixed', acc=n.fixed(numbers['accuracy'], 4))}")


def coursework_table(w: Writer) -> dict | None:
    run, s, n = w.run, w.s, w.n
    cw = load_coursework(w.templates / "coursework.yaml")
    images = run.test_images
    numbers = coursework_targets(cw, run)
    rows = []
    for t in run.base:
        entry = numbers.get(t)
        if not entry:
            continue
        naive = run.value(t, "naive_test_set_seconds")
        rows.append(
            [
                w.label(t),
                n.fixed(entry["seconds"], 2),
                n.sig(1e6 * entry["seconds"] / cw["images"]),
                " + ".join(n.fixed(x, 1) for x in entry["size_kib"]),
                n.fixed(entry["accuracy"], 4),
                per_image_cell(w, t, naive, images),
                n.kib(run.value(t, "size_bytes")),
                n.fixed(run.value(t, "accuracy"), 4),
            ]
        )
    per_image = s["columns.col_per_image"]
    columns = [
        (s["columns.col_target"], "l"),
        (s["columns.col_time"], "r"),
        (per_image, "r"),
        (s["columns.col_size"], "r"),
        (s["columns.col_accuracy"], "r"),
    ]
    columns += [(per_image, "r"), (s["columns.col_size"], "r"), (s["columns.col_accuracy"], "r")]
    groups = [("", 1), (s["columns.col_coursework"], 4), (s["columns.col_this_run"], 3)]
    return table(columns, rows, groups=groups)


def per_image_cell(w: Writer, target: str, naive, images) -> str:
    """This run's naive loop per image, the median with its range over the repeats ("23.2 (22.3–28.0)")."""
    n = w.n
    if not naive or not images:
        return n.missing
    low, high = (w.run.value(target, f"naive_test_set_seconds_{end}") for end in ("low", "high"))
    value = n.sig(1e6 * naive / images)
    return with_note(value, f"{n.sig(1e6 * low / images)}–{n.sig(1e6 * high / images)}", n.missing) if low else value


def averaging_text(w: Writer) -> list[str]:
    """The appendix's reading of how the coursework averaged its precision, recall and F1, from its own numbers."""
    if TRAINED not in w.run.targets or w.findings.get("coursework.averaging") is None:
        return []
    return [averaging(w, load_coursework(w.templates / "coursework.yaml"))]


SECTION = Section(
    "coursework",
    "coursework.title",
    1,
    ("text", "table:coursework"),
    text=text,
    tables=(Table("coursework", coursework_table, "coursework.tab_coursework"),),
)

# in the appendix: a finding about the coursework's numbers that the comparison needs only in one sentence
AVERAGING_DETAIL = Section(
    "coursework_averaging", "coursework.averaging_title", 2, ("text",), text=averaging_text, appendix=True
)

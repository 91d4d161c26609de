"""The coursework (../shared/reference): why its runtime ordering does or does not reproduce, and which
averaging its F1 was, from this run's measurements."""

from __future__ import annotations

from dataclasses import dataclass

from ..targets import TRAINED
from .findings import Finding, body, make
from .quality import class_balance
from .rule import compare, weak_rounds
from .view import Run, is_number

SECTION = "coursework"


@body
@dataclass(frozen=True)
class Ordering:
    """The baselines ordered by one hypothesis' timing, and whether that order is the coursework's."""

    hypothesis: str  # naive_loop | first_pass | first_call | tuned_batch1 | best_batch
    order: list[str]
    matches: bool
    resolved: bool | None  # None: the hypothesis' timing has no interval
    # the neighbours in `order` whose difference the ranges do not resolve (the rest of the order is)
    unresolved_pairs: tuple[tuple[str, str], ...] = ()
    # the neighbours whose ranges overlap but whose rounds resolve them: (a, b, the rounds a was ahead in,
    # the rounds, the signed-rank test's p)
    by_rounds: tuple[tuple[str, str, int, int, float], ...] = ()
    # the rounds behind the ranges that resolve a step of the order, where so few that it is the weaker finding
    weak_rounds: int | None = None


HYPOTHESES = {
    # hypothesis -> (key, lower is faster, the metric whose ranges resolve the order or None: no range kept);
    # the coursework timed a loop of unknown form once, cold
    "naive_loop": ("naive_test_set_seconds", True, "naive"),
    "first_pass": ("naive_first_pass_seconds", True, None),
    "first_call": ("first_call_ms", True, "first_call"),
    "tuned_batch1": ("latency_p50_ms", True, "latency"),
    "best_batch": ("throughput_ips", False, "throughput"),
}
# Not testable from this run's timings: they would need the coursework's own loop.
UNTESTED = ("preprocessing_in_loop", "shared_cpus")


def coursework_targets(coursework: dict, run: Run) -> dict[str, dict]:
    """This run's baseline of each runtime the coursework measured -> the coursework's numbers."""
    found = {}
    for runtime, entry in coursework["runtimes"].items():
        target = run.baseline_of_runtime(runtime)
        if target is not None:
            found[target] = entry
    return found


def coursework_order(coursework: dict, run: Run) -> list[str]:
    targets = coursework_targets(coursework, run)
    return sorted(targets, key=lambda t: targets[t]["seconds"])


def orderings(coursework: dict, run: Run) -> list[Ordering]:
    wanted = coursework_order(coursework, run)
    results = []
    for hypothesis, (key, lower, metric) in HYPOTHESES.items():
        if len(wanted) < 2 or any(_hypothesis_value(run, t, key) is None for t in wanted):
            continue
        if hypothesis == "first_pass" and all(
            _hypothesis_value(run, t, key) == _hypothesis_value(run, t, "naive_test_set_seconds") for t in wanted
        ):
            continue  # one pass per job (benchmark.naive_passes 1): the first pass is the naive loop itself
        order = sorted(wanted, key=lambda t: _hypothesis_value(run, t, key), reverse=not lower)
        if metric is None:
            results.append(Ordering(hypothesis, order, order == wanted, None))
            continue
        neighbours = list(zip(order, order[1:], strict=False))
        if metric == "naive":
            unresolved = tuple((a, b) for a, b in neighbours if not _apart(run, a, b, key))
            by_rounds = ()
            rounds = min(len([v for v in run.record(t).naive_repeat_seconds or [] if v]) for t in order)
            weak = weak_rounds(rounds) if len(unresolved) < len(neighbours) else None
        else:
            compared = {(a, b): compare(run, metric, a, b) for a, b in neighbours}
            unresolved = tuple(pair for pair, c in compared.items() if not c.resolved)
            by_rounds = tuple(
                (*pair, c.rank_test_ahead, c.rank_test_rounds, c.rank_test_p)
                for pair, c in compared.items()
                if c.resolved and c.rank_test_p
            )
            weak = min((c.weak_rounds for c in compared.values() if c.resolved and c.weak_rounds), default=None)
        results.append(Ordering(hypothesis, order, order == wanted, not unresolved, unresolved, by_rounds, weak))
    return results


def _apart(run: Run, a: str, b: str, key: str) -> bool:
    """a's slowest repeat is faster than b's fastest (a range per target: key_low, key_high)."""
    high, low = run.value(a, f"{key}_high"), run.value(b, f"{key}_low")
    return high is not None and low is not None and high < low


@body
@dataclass(frozen=True)
class NaiveRepeats:
    """The one-image loop of one baseline, every repeat, beside the coursework's time per image."""

    target: str
    per_image_us: list[float]  # each repeat's seconds over this run's test images
    coursework_us: float  # the coursework's seconds over its images

    @property
    def inside(self) -> bool:
        return min(self.per_image_us) <= self.coursework_us <= max(self.per_image_us)

    def statement(self) -> str:
        where = "inside" if self.inside else "outside"
        return (
            f"{self.target}: one-image loop {min(self.per_image_us):.0f}-{max(self.per_image_us):.0f} us per image "
            f"over the repeats; the coursework's {self.coursework_us:.0f} us is {where}"
        )


def naive_repeats(coursework: dict, run: Run) -> list[NaiveRepeats]:
    images = run.test_images
    out = []
    for target, entry in coursework_targets(coursework, run).items():
        # the full rounds' loops (the other rounds do not time it: None in their places)
        repeats = [seconds for seconds in run.record(target).naive_repeat_seconds or [] if seconds]
        if repeats and images:
            per_image = [1e6 * seconds / images for seconds in repeats]
            out.append(NaiveRepeats(target, per_image, 1e6 * entry["seconds"] / coursework["images"]))
    return out


def _hypothesis_value(run: Run, target: str, key: str):
    record = run.record(target)
    value = record.get(key) if record else None
    return value if is_number(value) else None


@body
@dataclass(frozen=True)
class Averaging:
    """Which averaging the coursework's F1 was, from how far F1 sits from accuracy."""

    coursework_gap: float  # coursework F1 - accuracy
    macro_gap: float | None  # this run's trained-model macro F1 - accuracy
    weighted_gap: float | None
    balanced: bool | None
    verdict: str  # macro | weighted | macro_or_weighted (identical on a balanced test set)
    # the coursework's precision equals its accuracy, as micro-averaging gives for one label per image (while
    # its F1 was not micro-averaged); None where the coursework gives no precision. Only precision tells: recall
    # equals accuracy weighted always, and macro too on a balanced test set.
    micro_precision: bool | None = None


def averaging(coursework: dict, run: Run) -> Averaging:
    cw = coursework["runtimes"][run.runtime(TRAINED) or TRAINED]
    accuracy = run.value(TRAINED, "accuracy")
    macro, weighted = run.value(TRAINED, "f1_macro"), run.value(TRAINED, "f1_weighted")
    macro_gap = macro - accuracy if macro is not None and accuracy is not None else None
    weighted_gap = weighted - accuracy if weighted is not None and accuracy is not None else None
    balanced = class_balance(run)
    if balanced or macro_gap is None or weighted_gap is None:
        verdict = "macro_or_weighted"
    else:
        gap = cw["f1"] - cw["accuracy"]
        verdict = "macro" if abs(macro_gap - gap) <= abs(weighted_gap - gap) else "weighted"
    precision = cw.get("precision")
    micro = None if precision is None else round(precision, 4) == round(cw["accuracy"], 4)
    return Averaging(cw["f1"] - cw["accuracy"], macro_gap, weighted_gap, balanced, verdict, micro)


@body
@dataclass(frozen=True)
class Orderings:
    """The coursework's order of the runtimes against this run's, under each hypothesis of how it timed."""

    coursework: list[str]  # this run's baselines in the coursework's order (fastest first)
    orderings: list[Ordering]

    @property
    def matching(self) -> list[str]:
        return [o.hypothesis for o in self.orderings if o.matches]

    def statement(self) -> str:
        return f"the coursework's order is reproduced by: {', '.join(self.matching) or 'no hypothesis'}"


def findings(run: Run, coursework: dict) -> list[Finding]:
    if TRAINED not in run.targets:
        return []
    out = [
        make("coursework.orderings", SECTION, Orderings(coursework_order(coursework, run), orderings(coursework, run)))
    ]
    out += [make(f"coursework.naive.{x.target}", SECTION, x) for x in naive_repeats(coursework, run)]
    out.append(make("coursework.averaging", SECTION, averaging(coursework, run)))
    return out

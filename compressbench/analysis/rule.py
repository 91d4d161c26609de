"""The one rule for every comparison the report states.

A difference between two targets is resolved only when their intervals do not overlap (between
fresh-process repeats for memory, start-up and speed, bootstrap for quality) or their exact test
rejects "no difference" at the SIGNIFICANCE level: McNemar on the predictions, and for a speed measured
in rounds of repeats the Wilcoxon signed-rank test on the per-round ratios (repeat r of every target runs
in round r, so both targets of a round saw the machine in the same state; it needs at least six rounds,
and with more a round or two a little on the other side no longer undo the rest, as a sign test's
every-round rule did). Ranges of so few rounds that they fall apart by chance more often than that level
(three a side: 10 %) still resolve, as the weaker finding, and the report says so (Comparison.weak_rounds).
A missing interval, overlapping intervals that no test resolves, or targets
measured on different machines leave it unresolved, and the report then says so with the ranges. File
sizes are exact: any difference is resolved. There is no other cut-off: no ratio counts as "a real
difference" by its size alone. A study compares its settings by the same `judge` (analysis.study:
accuracy over the seeds, latency over the repeats).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from math import comb

import numpy as np

from ..results import predictions
from ..stats import signed_rank_test
from .findings import body
from .view import METRICS, REPEATED_METRICS, Run

# Why a comparison is not resolved (Comparison.status)
RESOLVED = "resolved"
OVERLAP = "intervals_overlap"
ROUNDS_DISAGREE = "rounds_disagree"  # compared round by round: the order of the two changes between rounds
NO_INTERVAL = "no_interval"
MACHINES = "different_machines"
UPPER_BOUND = "upper_bound_only"  # a claim's quantity is bounded from one side only: it can fail, not hold
BETWEEN_BOUNDS = "between_bounds"  # bounded from both sides, with the threshold between the bounds
MCNEMAR_CALM = "mcnemar_no_difference"  # accuracy: the intervals overlap and the paired exact test finds nothing

SIGNIFICANCE = 0.05  # the exact tests' level (McNemar): the report states it in its methodology
# The fewest rounds whose signed-rank test can reach that level (all on one side: 2 / 2**n below it): with fewer,
# the ranges decide
RANK_TEST_ROUNDS = next(n for n in range(1, 64) if 2 / 2**n < SIGNIFICANCE)
# The exact McNemar test is the same binomial test on the images where exactly one of two models is right: with
# fewer such images it cannot reach the level, whichever way they split
MCNEMAR_MIN_DISCORDANT = RANK_TEST_ROUNDS


def ranges_apart_by_chance(rounds: int) -> float:
    """How often the min-max ranges of two samples of `rounds` values each from one distribution do not overlap:
    one sample wholly below the other, 2 of the C(2n, n) equally likely orders (10 % for 3 rounds)."""
    return 2 / comb(2 * rounds, rounds)


def weak_rounds(rounds: int) -> int | None:
    """`rounds` when ranges over that many rounds a side fall apart by chance more often than SIGNIFICANCE
    (3 rounds: 10 %), so a difference they resolve is the weaker finding; None when they do not, or unknown (0)."""
    return rounds if rounds and ranges_apart_by_chance(rounds) > SIGNIFICANCE else None


@body
@dataclass(frozen=True)
class Comparison:
    """a against b on one metric. `better` is the target with the better point value; `ratio` >= 1 is
    worse/better (for throughput better/worse), the median of the per-round ratios where the metric is
    compared round by round (round_ratio); `status` is RESOLVED or why the difference is not."""

    metric: str
    a: str
    b: str
    better: str | None
    ratio: float | None
    status: str
    # compared round by round where the ranges overlap: how many rounds, in how many of them `better` was
    # ahead, and the signed-rank test's p; beside the ratio where it resolved the difference, as the reason
    # where the rounds disagree (status ROUNDS_DISAGREE)
    rank_test_rounds: int | None = None
    rank_test_ahead: int | None = None
    rank_test_p: float | None = None
    # accuracy where the intervals overlap: the exact McNemar test on the two targets' predictions decided
    mcnemar_p: float | None = None
    # resolved by the ranges of so few rounds that ranges from one distribution fall apart by chance more
    # often than the exact tests' level allows (range_chance): the weaker finding, and the report says so
    weak_rounds: int | None = None

    @property
    def resolved(self) -> bool:
        return self.status == RESOLVED

    @property
    def range_chance(self) -> float | None:
        return ranges_apart_by_chance(self.weak_rounds) if self.weak_rounds else None

    @property
    def worse(self) -> str | None:
        return None if self.better is None else (self.b if self.better == self.a else self.a)

    def statement(self) -> str:
        if self.ratio is None:
            return f"{self.metric}: {self.a} vs {self.b}: not measured"
        if self.better is None:
            return f"{self.metric}: {self.a} and {self.b} equal"
        return f"{self.metric}: {self.better} better than {self.worse} by {self.ratio:.3g}x, {self.status}"


def overlap(first: tuple[float, float], second: tuple[float, float]) -> bool:
    return first[0] <= second[1] and second[0] <= first[1]


def same_machine(run: Run, targets) -> bool | None:
    """Whether the benchmarks of these targets ran on one host and CPU (None: not recorded)."""
    machines = {(run.text(t, "hostname"), run.text(t, "cpu_model")) for t in targets}
    if any(host is None and cpu is None for host, cpu in machines):
        return None
    return len(machines) == 1


def judge(
    metric: str,
    a: str,
    b: str,
    values: tuple[float | None, float | None],
    intervals: tuple[tuple[float, float] | None, tuple[float, float] | None],
    higher_is_better: bool,
    exact: bool = False,
    machines_agree: bool | None = None,
    rounds: list[float] | None = None,
) -> Comparison:
    """The rule on two measured values with their intervals: a run's targets (compare) and a study's
    settings (compressbench.analysis.study) are judged here and nowhere else. `machines_agree` False:
    measured on different machines, so not resolved. `rounds`: a speed measured in rounds of repeats,
    a's time over b's in each round both ran in: resolved by the signed-rank test when it rejects "no
    difference" on the better target's side, not resolved when it does not and the rounds disagree, else
    the intervals decide."""
    va, vb = values
    if va is None or vb is None or va <= 0 or vb <= 0:
        return Comparison(metric, a, b, None, None, NO_INTERVAL)
    better = a if (va > vb if higher_is_better else va < vb) else b
    ratio = round_ratio(rounds, better == a) or max(va, vb) / min(va, vb)
    if machines_agree is False:
        status = MACHINES
    elif exact:
        status = RESOLVED if ratio != 1 else OVERLAP
    elif rounds is not None and _rounds_decide(rounds, better == a):
        if None not in intervals and overlap(*intervals):  # the ranges alone would not have resolved it
            return Comparison(metric, a, b, better, ratio, RESOLVED, *_rounds_test(rounds, better == a))
        status = RESOLVED
    elif rounds is not None and not _one_side(rounds, better == a):
        tested = _rounds_test(rounds, better == a)
        return Comparison(metric, a, b, better if va != vb else None, ratio, ROUNDS_DISAGREE, *tested)
    elif intervals[0] is None or intervals[1] is None:
        status = NO_INTERVAL
    elif overlap(*intervals):
        status = OVERLAP
    else:
        return Comparison(metric, a, b, better, ratio, RESOLVED, weak_rounds=weak_rounds(len(rounds) if rounds else 0))
    return Comparison(metric, a, b, better if va != vb else None, ratio, status)


def round_ratio(rounds: list[float] | None, a_better: bool) -> float | None:
    """worse over better as the median of the per-round ratios (a's time over b's): each round's two
    measurements saw the machine close in time, the medians of the two sides need not have. None with
    fewer than two rounds, or where that median points the other way (the rounds then disagree, and the
    ratio of the medians is shown)."""
    if not rounds or len(rounds) < 2:
        return None
    ratio = float(np.median([1.0 / r for r in rounds] if a_better else rounds))  # worse over better per round
    return ratio if ratio >= 1.0 else None


def _one_side(rounds: list[float], a_better: bool) -> bool:
    """Every round puts the better point value's target ahead (a's time over b's below 1 when a is better)."""
    return max(rounds) < 1 if a_better else min(rounds) > 1


def _rounds_test(rounds: list[float], a_better: bool) -> tuple[int, int, float]:
    """The rounds, those the better point value's target was ahead in, and the signed-rank test's p."""
    ahead = sum(1 for r in rounds if (r < 1 if a_better else r > 1))
    return len(rounds), ahead, signed_rank_test(rounds)


def _rounds_decide(rounds: list[float], a_better: bool) -> bool:
    """The rounds resolve the difference by their test: the median round puts the better point value's
    target ahead and the signed-rank test rejects "no difference" at the SIGNIFICANCE level (otherwise the
    intervals decide)."""
    median = float(np.median(rounds))
    return (median < 1 if a_better else median > 1) and signed_rank_test(rounds) < SIGNIFICANCE


def paired_ratios(run: Run, metric: str, a: str, b: str) -> list[float] | None:
    """a's time over b's in each round of repeats both ran in (repeat r of every target runs in round r,
    minutes apart at most, so both saw the machine in the same state); for throughput b's images/s over
    a's. None when they share fewer than two rounds, or the metric is not measured in rounds."""
    spec = METRICS[metric]
    mine, theirs = run.rounds(a, metric), run.rounds(b, metric)
    shared = sorted(set(mine) & set(theirs))
    if len(shared) < 2:
        return None
    if spec.higher_is_better:
        return [theirs[r] / mine[r] for r in shared]
    return [mine[r] / theirs[r] for r in shared]


def compare(run: Run, metric: str, a: str, b: str) -> Comparison:
    spec = METRICS[metric]
    return judge(
        metric,
        a,
        b,
        (run.value(a, spec.key), run.value(b, spec.key)),
        (run.interval(a, metric), run.interval(b, metric)),
        spec.higher_is_better,
        spec.exact,
        same_machine(run, (a, b)) if metric in REPEATED_METRICS else None,
        paired_ratios(run, metric, a, b),
    )


@body
@dataclass(frozen=True)
class Ratio:
    """How many times longer a takes than b (a time ratio: above 1, a is slower): where both ran in the same
    rounds, the median of the per-round ratios and their range; else the ratio of the medians with the range
    the repeats allow (the shortest ratio pairs a's fastest repeat with b's slowest, and so on)."""

    metric: str
    a: str
    b: str
    value: float
    low: float | None
    high: float | None

    def above(self, other: Ratio) -> bool | None:
        """Whether this ratio is larger than another beyond both ranges (None: the ranges overlap)."""
        if None in (self.low, self.high, other.low, other.high):
            return None
        if self.low > other.high:
            return True
        return False if self.high < other.low else None


def time_ratio(run: Run, metric: str, a: str, b: str) -> Ratio | None:
    """a's time over b's: batch-1 latency over latency, or for throughput b's images/s over a's."""
    spec = METRICS[metric]
    va, vb = run.value(a, spec.key), run.value(b, spec.key)
    if not va or not vb:
        return None
    value = vb / va if spec.higher_is_better else va / vb  # images/s: the time per image is its inverse
    rounds = paired_ratios(run, metric, a, b)
    if rounds is not None:  # the median of the per-round ratios, and their range
        return Ratio(metric, a, b, float(np.median(rounds)), min(rounds), max(rounds))
    ia, ib = run.interval(a, metric), run.interval(b, metric)
    if spec.higher_is_better:
        low, high = (ib[0] / ia[1], ib[1] / ia[0]) if ia and ib else (None, None)
    else:
        low, high = (ia[0] / ib[1], ia[1] / ib[0]) if ia and ib else (None, None)
    return Ratio(metric, a, b, value, low, high)


def ranking(run: Run, metric: str, targets=None) -> list[str]:
    spec = METRICS[metric]
    measured = run.measured(metric, targets)
    return sorted(measured, key=lambda t: run.value(t, spec.key), reverse=spec.higher_is_better)


@body
@dataclass(frozen=True)
class TieReason:
    """Why the leader is not resolved against one target: the comparison's status and, where the signed-rank test
    weighed their rounds, the rounds, how many the leader led in, and its p."""

    target: str
    status: str
    rounds: int | None = None
    ahead: int | None = None
    p: float | None = None


@body
@dataclass(frozen=True)
class Leader:
    """The best target on a metric and whether it is resolved against every other one."""

    metric: str
    order: list[str]
    ties: list[str] = field(default_factory=list)  # targets not resolved against the leader
    status: str = RESOLVED  # why the runner-up is not resolved (first unresolved reason)
    ratio: float | None = None  # the leader against the runner-up
    # the signed-rank test of the runner-up where it resolved the leader, else of the first target not
    # resolved against it (Comparison's fields: the reason where the rounds disagree)
    rank_test_rounds: int | None = None
    rank_test_ahead: int | None = None
    rank_test_p: float | None = None
    mcnemar_p: float | None = None  # resolved against the runner-up by McNemar where the intervals overlap
    weak_rounds: int | None = None  # resolved against the runner-up by the ranges of few rounds (Comparison's)
    # why each tie is one, in order (several ties have a reason, or a signed-rank p, each)
    tie_reasons: tuple[TieReason, ...] = ()
    # with ties: the leader and each tie resolved ahead of every other target (None: no ties or no other target)
    ties_ahead_of_rest: bool | None = None

    @property
    def best(self) -> str | None:
        return self.order[0] if self.order else None

    @property
    def resolved(self) -> bool:
        return len(self.order) >= 2 and not self.ties

    def statement(self) -> str:
        if self.resolved:
            return f"{self.metric}: {self.best} leads, resolved against every other target"
        return f"{self.metric}: {self.best} leads on the point value; not resolved against {', '.join(self.ties)}"


def leader_of(metric: str, order: list[str], compare_pair) -> Leader:
    """The first of `order` (best first) against every other, each pair judged by compare_pair(a, b)."""
    if len(order) < 2:
        return Leader(metric, order, [], NO_INTERVAL)
    comparisons = [compare_pair(order[0], other) for other in order[1:]]
    ties = [c.b for c in comparisons if not c.resolved]
    status = next((c.status for c in comparisons if not c.resolved), RESOLVED)
    first = comparisons[0]
    tested = next((c for c in comparisons if not c.resolved), first)
    return Leader(
        metric,
        order,
        ties,
        status,
        first.ratio,
        tested.rank_test_rounds,
        tested.rank_test_ahead,
        tested.rank_test_p,
        first.mcnemar_p,
        first.weak_rounds,
        tuple(
            TieReason(c.b, c.status, c.rank_test_rounds, c.rank_test_ahead, c.rank_test_p)
            for c in comparisons
            if not c.resolved
        ),
    )


def leader(run: Run, metric: str, targets=None) -> Leader:
    """leader_of over the run's ranking; where the leader has ties, whether the leader and its ties are each
    resolved ahead of every other target (the choice is then between them alone)."""
    order = ranking(run, metric, targets)
    lead = leader_of(metric, order, lambda a, b: compare(run, metric, a, b))
    group = [lead.best, *lead.ties] if lead.ties else []
    rest = [t for t in order if t not in group]
    if not group or not rest:
        return lead
    pairs = [compare(run, metric, a, b) for a in group for b in rest]
    return replace(lead, ties_ahead_of_rest=all(c.resolved and c.better == c.a for c in pairs))


@body
@dataclass(frozen=True)
class PairTest:
    """Accuracy of a against b: an exact McNemar test on their predictions when both are there,
    otherwise the bootstrap intervals (compare)."""

    a: str
    b: str
    delta_pp: float | None  # accuracy of a minus b
    p: float | None  # McNemar p; None when the predictions are not there
    comparison: Comparison

    @property
    def resolved(self) -> bool:
        return self.p < SIGNIFICANCE if self.p is not None else self.comparison.resolved

    @property
    def verdict(self) -> str:
        """ "better" / "worse" (a against b, resolved) or "unresolved"."""
        if not self.resolved or not self.delta_pp:
            return "unresolved"
        return "better" if self.delta_pp > 0 else "worse"

    def statement(self) -> str:
        test = f"McNemar p = {self.p:.3g}" if self.p is not None else self.comparison.status
        return f"accuracy: {self.a} vs {self.b}: {self.delta_pp:+.2f} pp ({test}): {self.verdict}"


def mcnemar_of(first, second) -> dict | None:
    """The exact McNemar test (stats.mcnemar) of two targets' (labels, predictions) on the same test images:
    "changed_to_correct" counts the images only the first has right, "changed_to_wrong" those only the second
    has right. None without both, or where their labels differ (not the same images in the same order)."""
    from ..stats import mcnemar  # scipy: only when a test runs (the Snakefile imports this module)

    if first is None or second is None or not np.array_equal(first[0], second[0]):
        return None
    return mcnemar(first[0], second[1], first[1])


def paired_mcnemar_p(run: Run, a: str, b: str) -> float | None:
    """The exact McNemar p of two targets' predictions on the same test images; None without both files."""
    test = mcnemar_of(predictions(run.results, a), predictions(run.results, b))
    return None if test is None else test["mcnemar_p"]


def pair_test(run: Run, a: str, b: str) -> PairTest:
    acc_a, acc_b = run.value(a, "accuracy"), run.value(b, "accuracy")
    delta = 100.0 * (acc_a - acc_b) if acc_a is not None and acc_b is not None else None
    return PairTest(a, b, delta, paired_mcnemar_p(run, a, b), compare(run, "accuracy", a, b))


def accuracy_comparison(run: Run, a: str, b: str) -> Comparison:
    """compare() on accuracy, and where the bootstrap intervals overlap, the rule's exact test: McNemar on the
    two targets' predictions of the same images (the intervals are not paired; the test is)."""
    c = compare(run, "accuracy", a, b)
    if c.status != OVERLAP:
        return c
    p = paired_mcnemar_p(run, a, b)
    if p is None:
        return c
    return replace(c, status=RESOLVED if p < SIGNIFICANCE else MCNEMAR_CALM, mcnemar_p=p)


def accuracy_leader(run: Run, targets=None) -> Leader:
    return leader_of("accuracy", ranking(run, "accuracy", targets), lambda a, b: accuracy_comparison(run, a, b))

"""Why a variant is or is not faster: the benchmark's verdict at batch 1 and at the best batch, and from
the per-layer profiles where the variant's time goes against its reference's (findings of
compressbench.analysis.diagnosis); the per-layer profiles themselves in a table of the appendix."""

from __future__ import annotations

import re

from ...diagnosis import FASTER, SLOWER, UNMEASURED, UNRESOLVED
from ...diagnosis.model import (
    CONVERT_LAYERS,
    DENSE_ON_ZEROS,
    FASTER_KERNELS,
    FASTER_OTHER_LAYERS,
    FEWER_CONVERT_LAYERS,
    FEWER_MACS,
    FP32_FALLBACK,
    LESS_OUTSIDE,
    LOWER_PRECISION,
    MISSING_ISA,
    NARROW_CHANNELS,
    PER_CALL_COST,
    SLOWER_KERNELS,
    SLOWER_OTHER_LAYERS,
    UNFUSED_LAYERS,
    Gain,
)
from ..tables import table
from ..writer import Writer, precision_name
from .base import Section, Table

SHOWN = 2  # causes (or gains) a sentence names, largest first; the table names the largest
METRICS = {"batch1": "latency", "best": "throughput"}  # the variants section's comparison of each setting
VERDICTS = {
    FASTER: "diagnosis.setting_faster",
    SLOWER: "diagnosis.setting_slower",
    UNRESOLVED: "diagnosis.setting_unresolved",
    UNMEASURED: "diagnosis.setting_unmeasured",
}
SHORT_VERDICTS = {
    FASTER: "diagnosis.short_faster",
    SLOWER: "diagnosis.short_slower",
    UNRESOLVED: "diagnosis.short_unresolved",
    UNMEASURED: "diagnosis.short_unmeasured",
}
CAUSES = {
    CONVERT_LAYERS: ("diagnosis.cause_convert_layers", "diagnosis.short_convert_layers"),
    FP32_FALLBACK: ("diagnosis.cause_fp32_fallback", "diagnosis.short_fp32_fallback"),
    PER_CALL_COST: ("diagnosis.cause_per_call_cost", "diagnosis.short_per_call_cost"),
    SLOWER_KERNELS: ("diagnosis.cause_slower_kernels", "diagnosis.short_slower_kernels"),
    SLOWER_OTHER_LAYERS: ("diagnosis.cause_slower_other_layers", "diagnosis.short_slower_other_layers"),
    UNFUSED_LAYERS: ("diagnosis.cause_unfused_layers", "diagnosis.short_unfused_layers"),
    DENSE_ON_ZEROS: ("diagnosis.cause_dense_on_zeroed_weights", "diagnosis.short_dense_on_zeroed_weights"),
    NARROW_CHANNELS: ("diagnosis.cause_narrow_channels", "diagnosis.short_narrow_channels"),
    MISSING_ISA: ("diagnosis.cause_missing_isa", "diagnosis.short_missing_isa"),
}
GAINS = {
    FEWER_MACS: ("diagnosis.gain_fewer_macs", "diagnosis.short_fewer_macs"),
    LOWER_PRECISION: ("diagnosis.gain_lower_precision_kernels", "diagnosis.short_lower_precision_kernels"),
    FASTER_KERNELS: ("diagnosis.gain_faster_kernels", "diagnosis.short_faster_kernels"),
    FASTER_OTHER_LAYERS: ("diagnosis.gain_faster_other_layers", "diagnosis.short_faster_other_layers"),
    FEWER_CONVERT_LAYERS: ("diagnosis.gain_fewer_convert_layers", "diagnosis.short_fewer_convert_layers"),
    LESS_OUTSIDE: ("diagnosis.gain_less_per_call_cost", "diagnosis.short_less_per_call_cost"),
}
PROFILERS = {  # runtimes.PROFILER_TOOLS
    "openvino_performance_counters": "diagnosis.profiler_openvino",
    "onnxruntime_profiler": "diagnosis.profiler_onnxruntime",
    "torch_profiler_modules": "diagnosis.profiler_pytorch",
    "torch_profiler_graph": "diagnosis.profiler_torchscript",
}
FOLDED_SHARE = 0.02  # the appendix table folds layers below this share (at every batch) into one row


def text(w: Writer) -> list[str]:
    """The section's paragraph (what the table holds) and its findings in words; empty (section left out) when the
    run has no diagnosis."""
    diagnosed = w.findings.with_prefix("diagnosis.variant.")
    if not diagnosed:
        return []
    return [w.para(w.s["diagnosis.summary"]), w.para(" ".join(in_words(w, f.id) for f in diagnosed))]


# a setting's verdict in the main text's sentence: with its largest part, without one, and where the profiles do not
# show its difference (why_unexplained: the counted layers, or the profiling jobs' own calls, point against it)
WORDS = {
    FASTER: {
        "named": "diagnosis.words_faster",
        "bare": "diagnosis.words_faster_bare",
        "unexplained": "diagnosis.words_faster_unexplained",
        "unreproduced": "diagnosis.words_faster_unreproduced",
    },
    SLOWER: {
        "named": "diagnosis.words_slower",
        "bare": "diagnosis.words_slower_bare",
        "unexplained": "diagnosis.words_slower_unexplained",
        "unreproduced": "diagnosis.words_slower_unreproduced",
    },
}
# the appendix's account of the same: (a gain, a loss)
ACCOUNTS = {
    "unexplained": ("diagnosis.counters_gain", "diagnosis.counters_loss"),
    "unreproduced": ("diagnosis.plain_gain", "diagnosis.plain_loss"),
}
WORDS_BOTH = {FASTER: "diagnosis.words_both_faster", SLOWER: "diagnosis.words_both_slower"}  # one story at both
WORDS_UNDECIDED = {UNRESOLVED: "diagnosis.words_unresolved", UNMEASURED: "diagnosis.words_unmeasured"}


def in_words(w: Writer, finding_id: str) -> str:
    """One variant's row of the table as a sentence: each setting's verdict with the largest saving of a faster
    setting or the largest cost of a slower one, or, where the profiling jobs' own calls or the counted layers point
    against the verdict (BatchDiagnosis.unexplained), that the profiles do not show where the difference lies. Where
    both settings tell one story (the same verdict, the same kind of largest part) the sentence says it once."""
    d, s = w.finding(finding_id), w.s
    labels = {"variant": w.label(d.variant), "reference": w.label(d.reference)}
    tops = [top_part(w, setting) for setting in d.settings]
    one_story = d.batch1.status == d.best.status and None not in tops and tops[0].kind == tops[1].kind
    if one_story:
        figures = s.join([part_figures(w, top) for top in tops])
        part = s.say(keyed_parts(d.batch1)[tops[0].kind][1], share=figures)
        return s.say(WORDS_BOTH[d.batch1.status], **labels, part=part)
    clauses = [setting_words(w, setting) for setting in d.settings]
    return s.say("diagnosis.words_item", **labels, settings="; ".join(clauses))


def setting_words(w: Writer, setting) -> str:
    """One setting's clause of in_words' sentence: its verdict without the ratio (Table 6 and the variants section
    give that) and its largest part, or why the profiles do not show one."""
    s = w.s
    at = s["diagnosis.words_at_batch1" if setting.setting == "batch1" else "diagnosis.words_at_best"]
    if setting.status in WORDS_UNDECIDED:
        return s.say(WORDS_UNDECIDED[setting.status], at=at)
    parts = said_parts(w, setting)
    why = why_unexplained(setting)
    kind, times = why or ("named" if parts else "bare", (None, None))  # times: the variant's per image, the reference's
    return s.say(
        WORDS[setting.status][kind],
        at=at,
        part=largest(w, parts, keyed_parts(setting)),
        variant_us=us(w, times[0]),
        reference_us=us(w, times[1]),
    )


def why_unexplained(setting) -> tuple[str, tuple[float, float]] | None:
    """Why the profiles do not show where a setting's difference lies, with the times per image that say so (the
    variant's, the reference's): "unreproduced" where the profiling jobs' own calls point against the verdict (the
    profiles caught another state of the machine, so their layers are moot), else "unexplained" where the counted
    layers do; None where the profiles show it."""
    if setting.profile_disagrees:
        return "unreproduced", setting.plain_us
    if setting.counters_disagree:
        return "unexplained", setting.counted_us
    return None


def top_part(w: Writer, setting):
    """The part a sentence names for a decided setting whose counters agree: a faster one's largest saving, a
    slower one's largest cost; None otherwise."""
    if setting.status not in WORDS or setting.unexplained:
        return None
    parts = said_parts(w, setting)
    return parts[0] if parts else None


def said_parts(w: Writer, setting) -> list:
    """The parts a setting's sentence may name, largest first: savings for a faster one, costs otherwise."""
    return named(w, setting.gains if setting.status == FASTER else setting.causes)


def keyed_parts(setting) -> dict:
    """The wording of said_parts: savings for a faster setting, costs otherwise."""
    return GAINS if setting.status == FASTER else CAUSES


def detail_text(w: Writer) -> list[str]:
    """The appendix's account of each variant: how the profiles were taken, then one paragraph per variant."""
    diagnosed = w.findings.with_prefix("diagnosis.variant.")
    if not diagnosed:
        return []
    return [intro(w), *(variant_paragraph(w, f.id) for f in diagnosed)]


def intro(w: Writer) -> str:
    """How the profiles were taken, and what their numbers are (shares, not latencies)."""
    profiles = list(w.each("diagnosis.profile."))
    by_tool: dict[str, list[str]] = {}  # the tool's words (the summary's own for an unknown tool) -> targets
    for p in profiles:
        words = w.s[PROFILERS[p.tool]] if p.tool in PROFILERS else p.profiler
        by_tool.setdefault(words, []).append(w.label(p.target))
    tools = [f"{words} ({', '.join(labels)})" for words, labels in by_tool.items()]
    added = [b.profiled_call_us / b.call_us for p in profiles for b in p.batches if b.batch == 1 and b.call_us]
    return w.para(
        w.s.say(
            "diagnosis.intro",
            tools=w.s.join(tools),
            low=w.n.ratio(min(added, default=None)),
            high=w.n.ratio(max(added, default=None)),
        )
    )


def variant_paragraph(w: Writer, finding_id: str) -> str:
    d = w.finding(finding_id)
    s = w.s
    same_batch = d.best.variant_batch == d.best.reference_batch
    text = s.say(
        "diagnosis.variant_item_same_batch" if same_batch else "diagnosis.variant_item",
        variant=w.label(d.variant),
        reference=w.label(d.reference),
        batch1=setting_text(w, d, d.batch1),
        best=setting_text(w, d, d.best),
        variant_batch=w.n.integer(d.best.variant_batch),
        reference_batch=w.n.integer(d.best.reference_batch),
    )
    # a structurally pruned network's MACs against its time are the methods section's (stated once)
    macs = "" if w.findings.get(f"methods.struct.{d.variant}") else macs_text(w, d.batch1)
    return w.para(text + unmeasured_text(w, d) + counters_text(w, d) + int8_text(w, d) + kernels_why(w, d) + macs)


def counters_text(w: Writer, d) -> str:
    """Where the profiles do not show the verdict's difference, why: the profiling jobs' own calls without the
    profiler point against it (BatchDiagnosis.profile_disagrees: the profiles caught another state of the machine),
    or the counted layers do (counters_disagree: the gain or the loss lies in the time the counters do not
    attribute); the account says so rather than explain the verdict by the layers."""
    out = ""
    for setting in (d.batch1, d.best):
        why = why_unexplained(setting)
        if why is None:
            continue
        (kind, times), at = why, w.s["diagnosis.at_batch1" if setting.setting == "batch1" else "diagnosis.at_best"]
        gain, loss = ACCOUNTS[kind]
        key = gain if setting.status == FASTER else loss
        out += w.s.say(key, setting=at, variant_us=us(w, times[0]), reference_us=us(w, times[1]))
    return out


def kernels_why(w: Writer, d) -> str:
    """An INT8 variant whose INT8 kernels take longer on a CPU with VNNI: the profiles say where, not why (the
    compression section leaves a diagnosed variant's slowdown to this account, its VNNI fact included)."""
    slowdown = w.findings.get(f"variants.int8_slowdown.{d.variant}")
    slower = any(c.kind == SLOWER_KERNELS for setting in (d.batch1, d.best) for c in named(w, setting.causes))
    if not slower or slowdown is None or w.finding(slowdown.id).vnni is not True:
        return ""
    return w.s["diagnosis.int8_kernels_why"]


def unmeasured_text(w: Writer, d) -> str:
    """Where layers that read 0 us hold the variant's longer time outside operators (at batch 1 or the best batch)."""
    out = ""
    for setting in (d.batch1, d.best):
        x = setting.unmeasured
        if x is None:
            continue
        out += w.s.say(
            "diagnosis.unmeasured_outside",
            setting=w.s["diagnosis.at_batch1" if setting.setting == "batch1" else "diagnosis.at_best"],
            outside=us(w, x.outside_us_per_call),
            reference_outside=us(w, x.reference_outside_us_per_call),
            layers=", ".join(name.replace("+", " + ") for name in x.layers),
            reference_us=us(w, x.reference_us_per_call),
        )
    return out


def speed_words(w: Writer, d, setting) -> tuple[str, str]:
    """(the comparison's ratio, why it is not resolved) from the variants section's finding."""
    c = w.finding(f"variants.{METRICS[setting.setting]}.{d.variant}")
    if c is None or c.ratio is None:
        return w.n.missing, ""
    return w.s.times(c.ratio), "" if c.resolved else w.reason(c.status, METRICS[setting.setting], c)


def named(w: Writer, parts) -> list:
    """The costs or savings worth a word: one that prints as 0 % of a call is none to the reader."""
    return [part for part in parts if share(w, part.share) != share(w, 0.0)]


def setting_text(w: Writer, d, setting) -> str:
    ratio, reason = speed_words(w, d, setting)
    causes = [cause_text(w, c) for c in named(w, setting.causes)[:SHOWN]]
    gains = [gain_text(w, g) for g in named(w, setting.gains)[:SHOWN]]
    # a slower variant's savings and a faster one's costs, where it has any, as the table's columns name them too
    key = VERDICTS[setting.status]
    if setting.status == SLOWER and gains:
        key = "diagnosis.setting_slower_saving"
    elif setting.status == FASTER and causes:
        key = "diagnosis.setting_faster_cost"
    return w.s.say(
        key,
        ratio=ratio,
        reason=reason,
        causes="; ".join(causes) if causes else w.s["diagnosis.no_cause"],
        gains="; ".join(gains) if gains else w.s["diagnosis.no_gain"],
    )


def us(w: Writer, microseconds) -> str:
    return w.n.ms(microseconds / 1000 if microseconds is not None else None)


def share(w: Writer, fraction) -> str:
    return w.n.percent(fraction, 0)


def precision_pair(w: Writer, pair: str) -> str:
    """ "int8 vs f32" (the variant's against the reference's) as "INT8 against FP32"; a lone one by its name."""
    if " vs " not in pair:
        return precision_name(pair)
    variant, reference = pair.split(" vs ")
    return w.s.say("diagnosis.precision_pair", variant=precision_name(variant), reference=precision_name(reference))


def cause_text(w: Writer, cause) -> str:
    numbers = cause.numbers
    lane_use = list((numbers.get("lane_use") or {}).values())
    values = {
        "reference": convert_reference(w, cause) if cause.kind == CONVERT_LAYERS else "",
        "share": share(w, cause.share),
        "count": w.n.integer(numbers.get("count", len(cause.layers))),
        "reference_count": w.n.integer(numbers.get("reference_count")),
        "types": ", ".join(numbers.get("types") or ()),
        "executed": w.n.integer(numbers.get("executed")),
        "precisions": ", ".join(precision_pair(w, p) for p in numbers.get("precisions") or ()),
        "outside": us(w, numbers.get("outside_us_per_call")),
        "reference_outside": us(w, numbers.get("reference_outside_us_per_call")),
        "share_batch1": share(w, numbers.get("share_batch1")),
        "share_best": share(w, numbers.get("share_best")),
        "ratio": w.n.ratio(numbers.get("time_ratio")),
        "sparsity": share(w, numbers.get("sparsity")),
        "same": w.n.integer(numbers.get("same_kernel_layers")),
        "compute": w.n.integer(numbers.get("compute_layers")),
        "lowest": share(w, min(lane_use, default=None)),
        "bits": w.n.integer(numbers.get("vector_bits")),
        "precision": precision_name(numbers.get("precision", "")),
        "lacking": ", ".join(f.upper() for f in numbers.get("lacking") or ()),
    }
    return w.s.say(CAUSES[cause.kind][0], **values)


def convert_reference(w: Writer, cause) -> str:
    """The reference's convert layers beside a variant's: their count and the variant's time over theirs (a ratio
    of two profiled times: the profiler's own work inflates both)."""
    theirs = cause.reference_us_per_image
    if not theirs:
        return w.s["diagnosis.convert_reference_none"]
    count = w.n.integer(cause.numbers.get("reference_count"))
    return w.s.say("diagnosis.convert_reference", count=count, ratio=w.s.times(cause.us_per_image / theirs))


def gain_text(w: Writer, gain) -> str:
    numbers = gain.numbers
    values = {
        "share": share(w, gain.share),
        "count": w.n.integer(len(gain.layers) or numbers.get("count")),
        "reference_count": w.n.integer(numbers.get("reference_count")),
        "ratio": w.n.ratio(numbers.get("time_ratio")),
        "mac_ratio": w.n.ratio(numbers.get("mac_ratio")),
    }
    return w.s.say(GAINS[gain.kind][0], **values)


def int8_text(w: Writer, d) -> str:
    """How many working layers ran in INT8 at batch 1 (an INT8 variant's profile says)."""
    counts = next((x for x in d.int8_layers if x.batch == 1), None)
    if counts is None:
        return ""
    return w.s.say(
        "diagnosis.int8_layers" if not counts.fallback else "diagnosis.int8_layers_fallback",
        int8=w.n.integer(counts.int8),
        executed=w.n.integer(counts.executed),
        convert=w.s.count(counts.convert, "diagnosis.forms_convert_layers"),
        fallback=", ".join(counts.fallback),
    )


def macs_text(w: Writer, setting) -> str:
    """A network with fewer MACs: does its batch-1 time fall with them, layer by layer?"""
    x = setting.macs
    if x is None:
        return ""
    return w.s.say(
        "diagnosis.macs",
        mac_ratio=w.n.ratio(x.mac_ratio),
        compute_ratio=w.n.ratio(x.compute_time_ratio),
        call_ratio=w.n.ratio(x.call_time_ratio),
        fixed=share(w, x.reference_fixed_share),
        expected=w.n.ratio(x.expected_call_ratio),
    )


# ---- tables --------------------------------------------------------------------------------------


def largest(w: Writer, items, keys: dict) -> str:
    """The largest cost or saving: per image, then as a share of the profiled call (the profiler lengthens some
    runtimes' calls more than others', so the time per image is the figure that compares across rows)."""
    if not items:
        return w.n.missing
    return w.s.say(keys[items[0].kind][1], share=part_figures(w, items[0]))


def part_figures(w: Writer, part) -> str:
    """A cost's or a saving's time per image and its share of the profiled call: "12.5 µs (40 %)"."""
    per_image = part.saved_us_per_image if isinstance(part, Gain) else part.us_per_image
    return f"{us(w, per_image)} ({share(w, part.share)})"


def diagnosis_table(w: Writer) -> dict | None:
    """Each variant at each setting: the benchmark's verdict, the largest part of its time, the largest saving.
    A row of its own names the variant, its reference and, for an INT8 one, its working layers in INT8, so
    the settings' rows keep the width for the causes."""
    s, n = w.s, w.n
    rows = []
    for f in w.findings.with_prefix("diagnosis.variant."):
        d = w.finding(f.id)
        int8 = int8_cell(w, d)
        key = "diagnosis.row_head_int8" if int8 != n.missing else "diagnosis.row_head"
        rows.append([s.say(key, variant=w.label(d.variant), reference=w.label(d.reference), int8=int8)])
        for setting in d.settings:
            ratio, _ = speed_words(w, d, setting)
            if setting.profile_disagrees:  # no part of a profile taken while the pair ran the other way round
                parts = [s["diagnosis.cell_unreproduced"]] * 2
            else:
                parts = [largest(w, named(w, setting.causes), CAUSES), largest(w, named(w, setting.gains), GAINS)]
            batches = f"{n.integer(setting.variant_batch)} / {n.integer(setting.reference_batch)}"
            rows.append([batches, s.say(SHORT_VERDICTS[setting.status], ratio=ratio), *parts])
    if not rows:
        return None
    columns = [
        (s["diagnosis.col_batch"], "r"),
        (s["diagnosis.col_benchmark"], "l"),
        (s["diagnosis.col_cause"], "l"),
        (s["diagnosis.col_gain"], "l"),
    ]
    return table(columns, rows)


def int8_cell(w: Writer, d) -> str:
    """Working layers executed in INT8 at batch 1 out of all working layers (the missing mark for a float variant)."""
    counts = next((x for x in d.int8_layers if x.batch == 1), None)
    if counts is None:
        return w.n.missing
    return f"{w.n.integer(counts.int8)} / {w.n.integer(counts.executed)}"


# the exporter's spelling of a module path ("/features/features.0/") and the suffixes OpenVINO adds to a
# layer it split: neither tells the reader which layer it is
MODULE_PATH = re.compile(r"/?(\w+)/\1\.(\d+)")
SPLIT_SUFFIXES = ("/WithoutBiases", "/DequantizationMultiply")
OUTPUT_SUFFIX = re.compile(r"_output_\d+(_nchwc)?$")  # ONNX Runtime names a node by its output ("Relu_output_0")


def short_layer(name: str, most: int = 26) -> str:
    """A runtime's layer name in a table cell: module paths as "features.0", OpenVINO's split suffixes and ONNX
    Runtime's output suffixes left out, then cut from the left to fit (the end names the model layer)."""
    name = OUTPUT_SUFFIX.sub("", MODULE_PATH.sub(r"\1.\2", name))
    for suffix in SPLIT_SUFFIXES:
        name = name.replace(suffix, "")
    return name if len(name) <= most else "…" + name[-(most - 1) :]


def profile_rows(w: Writer, profile) -> list[list[str]]:
    """One target's layers at batch 1 with their share there and at its best batch; small ones folded."""
    n = w.n
    first, last = profile.batches[0], profile.batches[-1]
    best_share = {row.layer: row.share for row in last.rows}
    rows, folded = [], []
    for row in first.rows:
        if max(row.share, best_share.get(row.layer, 0.0)) < FOLDED_SHARE:
            folded.append(row)
            continue
        layer = w.s["diagnosis.outside_row"] if row.type == "outside" else short_layer(row.layer)
        cells = [
            layer,
            row.type if row.type != "outside" else "",
            precision_name(row.precision) if row.precision else n.missing,
        ]
        rows.append([*cells, us(w, row.us_per_call), share(w, row.share), share(w, best_share.get(row.layer))])
    if folded:
        label = w.s.say("diagnosis.folded_row", count=n.integer(len(folded)))
        rows.append(
            [label, "", "", us(w, sum(r.us_per_call for r in folded)), share(w, sum(r.share for r in folded)), ""]
        )
    return [[w.label(profile.target)], *rows]  # the target's name heads its layers


def profile_table(w: Writer) -> dict | None:
    profiles = list(w.findings.with_prefix("diagnosis.profile."))
    if not profiles:
        return None
    s = w.s
    rows = [row for f in profiles for row in profile_rows(w, f.body)]
    columns = [
        (s["diagnosis.col_layer"], "l"),
        (s["diagnosis.col_type"], "l"),
        (s["columns.col_exec"], "l"),
        (s["diagnosis.col_us_batch1"], "r"),
        (s["diagnosis.col_share_batch1"], "r"),
        (s["diagnosis.col_share_best"], "r"),
    ]
    # a long table at its print size, over as many pages as it takes: its columns are bounded (layer names cut
    # by short_layer, a runtime's type names, short figures), so it fits the text width unscaled
    return table(columns, rows, long=True)


SECTION = Section(
    "diagnosis",
    "diagnosis.title",
    1,
    ("text", "table:diagnosis"),
    text=text,
    tables=(Table("diagnosis", diagnosis_table, "diagnosis.tab_diagnosis"),),
)

# the account of each variant behind the table, in the appendix beside the profiles it quotes
DETAIL = Section(
    "diagnosis_detail",
    "diagnosis.detail_title",
    2,
    ("text", "table:profiles"),
    text=detail_text,
    tables=(Table("profiles", profile_table, "diagnosis.tab_profiles"),),
    appendix=True,
    discusses=("table:diagnosis",),
)

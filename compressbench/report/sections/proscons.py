"""Pros and cons of the runtimes: each documented claim (templates/claims.yaml) with its source, the
measurement of its own quantity and the verdict (findings "claims.<id>")."""

from __future__ import annotations

from ...analysis.claims import load_claims
from ..writer import Writer
from .base import Section

KINDS = {"pro": "proscons.pro", "con": "proscons.con"}
VERDICTS = {
    "supports": "proscons.verdict_supports",
    "partly_supports": "proscons.verdict_partly_supports",
    "contradicts": "proscons.verdict_contradicts",
    "not_resolved": "proscons.verdict_not_resolved",
    "not_measured": "proscons.verdict_not_measured",
    "not_applicable": "proscons.verdict_not_applicable",
}
EVIDENCE = {
    "readiness": "proscons.evidence_readiness",
    "readiness_partly": "proscons.evidence_readiness_partly",
    "readiness_unresolved": "proscons.evidence_readiness_unresolved",
    "overhead": "proscons.evidence_overhead",
    "overhead_bracket": "proscons.evidence_overhead_bracket",
    "sizes": "proscons.evidence_sizes",
    "optimizations": "proscons.evidence_optimizations",
    "optimizations_by_rounds": "proscons.evidence_optimizations_by_rounds",
    "optimizations_best_only": "proscons.evidence_optimizations_best_only",
    "optimizations_batch1_only": "proscons.evidence_optimizations_batch1_only",
    "agreement": "proscons.evidence_agreement",
    "fp32_initializers": "proscons.evidence_fp32_initializers",
    "int8_values": "proscons.evidence_int8_values",
    "fp16_constants": "proscons.evidence_fp16_constants",
    "speed": "proscons.evidence_speed",
    "other_vendor": "proscons.evidence_other_vendor",
    "bf16_unknown": "proscons.evidence_bf16_unknown",
    "bf16_absent": "proscons.evidence_bf16_absent",
    "bf16_forced": "proscons.evidence_bf16_forced",
    "bf16": "proscons.evidence_bf16",
    "naive": "proscons.evidence_naive",
    "naive_weaker": "proscons.evidence_naive_weaker",
    "delta": "proscons.evidence_delta",
    "delta_reference": "proscons.evidence_delta_reference",
}


def text(w: Writer) -> list[str]:
    return [w.s["proscons.proscons_intro"]]


def claim_groups(w: Writer) -> list[dict]:
    """Per runtime, its claims in file order with their verdicts; cites each claim's source as the reader
    meets it."""
    s, run = w.s, w.run
    claims = {c["id"]: c for c in load_claims(w.templates / "claims.yaml", w.citations.sources)}
    groups = []
    for runtime in dict.fromkeys(c["runtime"] for c in claims.values()):
        checked = [f for f in w.findings.with_prefix("claims.") if f.body.runtime == runtime]
        if not checked:
            continue
        entries = []
        for found in checked:
            c = w.finding(found.id)
            claim = claims[c.claim]
            detail = s.say(EVIDENCE[c.evidence.detail], **w.quantities(c.evidence.numbers)) if c.evidence.detail else ""
            if c.evidence.reason:
                reason = w.reason(c.evidence.reason)
                detail += f" {reason[0].upper()}{reason[1:]}."
            detail = detail[:1].upper() + detail[1:]
            entries.append(
                {
                    "kind": s[KINDS[claim["kind"]]],
                    "text": claim["text"][s.language],
                    "cite": w.cite(claim["source"]),
                    "verdict": c.verdict,
                    "verdict_text": s[VERDICTS[c.verdict]].capitalize(),
                    "detail": detail,
                    "findings": w.take(),
                }
            )
        baseline = run.baseline_of_runtime(runtime)
        groups.append({"runtime": run.label(baseline) if baseline else runtime, "claims": entries})
    return groups


SECTION = Section("proscons", "proscons.title", 1, ("text", "claims"), text=text)

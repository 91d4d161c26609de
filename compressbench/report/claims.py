"""The curated pros/cons base (templates/claims/<language>.yaml), each claim checked against a fact."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .analysis import Fact

REQUIRED = ("runtime", "kind", "text", "source", "evidence")
KINDS = ("pro", "con")


class ClaimsError(ValueError):
    pass


@dataclass
class Claim:
    runtime: str
    kind: str  # pro | con
    text: str
    source: str
    evidence: str  # name of a fact in Analysis.facts
    expect: bool = True  # the claim says the fact is true (False: says it is false)


@dataclass
class CheckedClaim:
    claim: Claim
    verdict: str  # supports | contradicts | not_measured
    detail: str


def load_claims(path: str | Path) -> list[Claim]:
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    claims = []
    for index, item in enumerate(document.get("claims", [])):
        missing = [key for key in REQUIRED if not item.get(key)]
        if missing:
            raise ClaimsError(f"{path}: claim {index + 1} lacks {', '.join(missing)}")
        if item["kind"] not in KINDS:
            raise ClaimsError(f"{path}: claim {index + 1}: kind {item['kind']!r} (use pro or con)")
        if not str(item["source"]).startswith("https://"):
            raise ClaimsError(f"{path}: claim {index + 1}: source must be an https URL")
        claims.append(Claim(**{key: item[key] for key in (*REQUIRED, "expect") if key in item}))
    return claims


def check(claim: Claim, facts: dict[str, Fact], not_measured: str) -> CheckedClaim:
    fact = facts.get(claim.evidence)
    if fact is None or fact.value is None:
        return CheckedClaim(claim, "not_measured", fact.detail if fact and fact.detail else not_measured)
    verdict = "supports" if fact.value == claim.expect else "contradicts"
    return CheckedClaim(claim, verdict, fact.detail)


def check_all(claims: list[Claim], facts: dict[str, Fact], runtimes: list[str], not_measured: str):
    """Claims about the runtimes present in this run, in file order."""
    return [check(claim, facts, not_measured) for claim in claims if claim.runtime in runtimes]

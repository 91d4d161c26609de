"""The curated pros/cons base (templates/claims/<language>.yaml), each claim checked on its own quantity."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .checks import CHECKS, NOT_MEASURED, NOT_RESOLVED, Verdict

REQUIRED = ("runtime", "kind", "text", "source", "evidence")
KINDS = ("pro", "con")


class ClaimsError(ValueError):
    pass


@dataclass
class Claim:
    runtime: str
    kind: str  # pro | con
    text: str
    source: str  # key of templates/bibliography.yaml
    evidence: str  # name of a check in checks.CHECKS
    expect: bool = True  # the claim says the checked statement is true (False: says it is false)


@dataclass
class CheckedClaim:
    claim: Claim
    verdict: str  # supports | contradicts | not_resolved | not_measured
    evidence: Verdict


def load_claims(path: str | Path, sources: dict | None = None) -> list[Claim]:
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    claims = []
    for index, item in enumerate(document.get("claims", [])):
        where = f"{path}: claim {index + 1}"
        missing = [key for key in REQUIRED if not item.get(key)]
        if missing:
            raise ClaimsError(f"{where} lacks {', '.join(missing)}")
        if item["kind"] not in KINDS:
            raise ClaimsError(f"{where}: kind {item['kind']!r} (use pro or con)")
        if item["evidence"] not in CHECKS:
            raise ClaimsError(
                f"{where}: evidence {item['evidence']!r} is not a check in compressbench/report/checks.py"
            )
        if sources is not None and item["source"] not in sources:
            raise ClaimsError(f"{where}: source {item['source']!r} is not in templates/bibliography.yaml")
        claims.append(Claim(**{key: item[key] for key in (*REQUIRED, "expect") if key in item}))
    return claims


def judge(claim: Claim, verdict: Verdict) -> CheckedClaim:
    if verdict.status == NOT_MEASURED:
        return CheckedClaim(claim, "not_measured", verdict)
    if verdict.status == NOT_RESOLVED:
        return CheckedClaim(claim, "not_resolved", verdict)
    return CheckedClaim(claim, "supports" if verdict.holds == claim.expect else "contradicts", verdict)


def check_all(claims: list[Claim], verdicts: dict[str, Verdict], runtimes: list[str]) -> list[CheckedClaim]:
    """Claims about the runtimes present in this run, in file order."""
    return [judge(claim, verdicts[claim.evidence]) for claim in claims if claim.runtime in runtimes]

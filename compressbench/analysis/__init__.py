"""The analysis stage: every comparison, verdict, explanation and pro/con the report states, computed
once from a run's results and written to results/findings.json (rule `analyze`).

Statistics live here (the comparison rule, McNemar tests between targets, Pareto fronts); the report
and the plots read the findings and the results and compute none. Each module makes the findings of
one part of the report; `analyze` runs them in report order.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..results import Results
from . import claims, coursework, diagnosis, methods, quality, resources, search, serve, speed, timing, variants
from .findings import Finding, Findings, read_findings, write_findings
from .view import Run

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
COURSEWORK = TEMPLATES / "coursework.yaml"  # the coursework's published numbers
CLAIMS = TEMPLATES / "claims.yaml"  # the runtimes' documented pros and cons
BIBLIOGRAPHY = TEMPLATES / "bibliography.yaml"


def load_coursework(path: str | Path = COURSEWORK) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def analyze(results: Results, coursework_numbers: dict, claim_list: list[dict], served=()) -> Findings:
    """`served`: the served targets' files (compressbench.serve.analysis.ServedTarget) when the run
    serves (serve.enabled); their section's findings come after the compression methods'."""
    run = Run(results)
    found: list[Finding] = [
        *speed.findings(run),
        *quality.findings(run),
        *resources.findings(run),
        *timing.findings(run),
        *variants.findings(run),
        *methods.findings(run),
        *search.findings(run),
        *diagnosis.findings(run),
        *serve.findings(list(served)),
        *coursework.findings(run, coursework_numbers),
        *claims.findings(run, claim_list),
        *variants.conclusion_findings(run),
    ]
    return Findings(found)


def analyze_run(root: str | Path = ".", templates: str | Path = TEMPLATES, served: list[str] = ()) -> Findings:
    """The findings of the run whose results/ lie under `root`, with the project's coursework and claims;
    `served`: the targets whose results/serve/ files to read (the run's serve targets when it serves)."""
    from ..results import load_results

    templates = Path(templates)
    sources = yaml.safe_load((templates / "bibliography.yaml").read_text(encoding="utf-8"))
    return analyze(
        load_results(root),
        load_coursework(templates / "coursework.yaml"),
        claims.load_claims(templates / "claims.yaml", sources),
        serve.read(list(served), root),
    )


__all__ = ["Finding", "Findings", "analyze", "analyze_run", "read_findings", "write_findings"]

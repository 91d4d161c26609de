"""What one report is built from: the run's results (compressbench.results) and its findings
(compressbench.analysis, results/findings.json). environment.json is optional: without it the
machine is read when the report is rendered, and the setup table says so."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..analysis import Findings, read_findings
from ..analysis.view import Run
from ..machine import describe_machine
from ..results import Results, load_results


@dataclass
class ReportData:
    results: Results
    findings: Findings
    environment: dict
    environment_source: str  # "file" or "report": collected when the report was rendered

    @property
    def run(self) -> Run:
        return Run(self.results)


def load(root: str | Path = ".", findings_path: str | Path | None = None) -> ReportData:
    """The results under `root` (a run's folder) and its findings (results/findings.json there by default)."""
    results = load_results(root)
    findings = read_findings(findings_path or Path(root) / paths.FINDINGS)
    environment = results.environment or describe_machine()
    return ReportData(results, findings, environment, "file" if results.environment else "report")


def load_from_inputs(named) -> ReportData:
    """ReportData from a report rule's named input (workflow/rules/report.smk)."""
    return load(paths.root_of(named.records, paths.SUMMARY_JSON), named.findings)

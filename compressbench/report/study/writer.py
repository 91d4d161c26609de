"""The study report's Writer: the run report's (findings, paragraphs, citations, wording), with a study's
names: variants by their labels, swept settings and their values, points and their intervals."""

from __future__ import annotations

from pathlib import Path

from ...analysis import Findings
from ...analysis.study import Point, numeric
from ...architectures import ARCHITECTURES
from ...results import StudyResults
from ..i18n import TEMPLATES, Strings
from ..writer import Citations, Writer

MODEL_KEY = "model.name"


class StudyWriter(Writer):
    def __init__(
        self,
        study: StudyResults,
        findings: Findings,
        strings: Strings,
        citations: Citations,
        templates: str | Path = TEMPLATES,
    ):
        environment = study.runs[0].environment if study.runs else {}
        super().__init__(None, findings, strings, citations, environment, templates)
        self.study = study
        found = findings.body("study.points")
        self.points: dict[str, Point] = {p.id: p for p in (found.items if found else [])}
        self.labels = {r.target: r.label or r.target for run in study.runs for r in run.records}

    def label(self, target: str | None) -> str:
        return self.labels.get(target, target) if target else self.n.missing

    @staticmethod
    def short_key(key: str) -> str:
        """A setting's last part (pruning_sparsity): a column title; the setup table names the whole key."""
        return key.rsplit(".", 1)[-1]

    def value_text(self, key: str, value) -> str:
        """A setting's value as the report shows it: a model by its name, a number with the language's
        decimal mark (as written in the config, no rounding)."""
        text = "" if value is None else str(value)
        if key == MODEL_KEY and text in ARCHITECTURES:
            return ARCHITECTURES[text].label
        if numeric(text) is not None and self.s.language == "ru":
            return text.replace(".", ",")
        return text

    def setting(self, key: str, value) -> str:
        """ "ResNet-8" for a model, "pruning_sparsity = 0,25" for any other setting."""
        shown = self.value_text(key, value)
        return shown if key == MODEL_KEY else f"{self.short_key(key)} = {shown}"

    def settings(self, settings: dict, skip: str | None = None) -> str:
        return ", ".join(self.setting(k, v) for k, v in settings.items() if k != skip)

    def accuracy(self, value) -> str:
        return self.n.fixed(value, 4)

    def accuracy_range(self, point: Point) -> str:
        interval = point.interval("accuracy")
        return f"{self.accuracy(interval[0])}–{self.accuracy(interval[1])}" if interval else self.n.missing

    def latency_range(self, point: Point) -> str:
        interval = point.interval("latency")
        return self.n.ms_range(*interval) if interval else self.n.missing

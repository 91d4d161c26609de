"""Findings: what the report states, as data (results/findings.json).

A Finding is one comparison, verdict, explanation or pro/con the report states: an id, the
report section that states it, its outcome ("resolved", "not_resolved", "not_measured", ...), a
one-line statement in plain English for whoever diagnoses a sentence, and its body: a typed
record (a dataclass registered here) with the quantities and the interval or test it rests on.
The report and the plots read findings; they compute no comparison themselves.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

# Outcomes a finding can have. A comparison is resolved only when its intervals do not overlap or its
# exact test rejects "no difference"; "not_resolved" and "not_measured" are normal outcomes.
RESOLVED = "resolved"
NOT_RESOLVED = "not_resolved"
NOT_MEASURED = "not_measured"
NOT_APPLICABLE = "not_applicable"
MEASURED = "measured"  # a plain measurement or a derived quantity, nothing compared
OUTCOMES = (RESOLVED, NOT_RESOLVED, NOT_MEASURED, NOT_APPLICABLE, MEASURED)

BODY_TYPES: dict[str, type] = {}
TYPE_KEY = "__type__"  # findings.json: the registered dataclass a JSON object reads back into (no field's name)


def body(cls):
    """Register a dataclass as a finding body, so findings.json can be read back into it."""
    if cls.__name__ in BODY_TYPES:
        raise TypeError(f"finding body {cls.__name__!r} is declared twice ({BODY_TYPES[cls.__name__].__module__})")
    BODY_TYPES[cls.__name__] = cls
    return cls


@dataclass(frozen=True)
class Finding:
    id: str
    section: str
    outcome: str
    statement: str
    body: object = None
    sources: tuple[str, ...] = field(default_factory=tuple)  # targets (or files) the finding rests on

    def __post_init__(self):
        if self.outcome not in OUTCOMES:
            raise ValueError(f"finding {self.id}: outcome {self.outcome!r} (known: {', '.join(OUTCOMES)})")

    @property
    def resolved(self) -> bool:
        return self.outcome == RESOLVED


class Findings:
    """A run's findings by id, in the order the analysis made them."""

    def __init__(self, findings: list[Finding] | None = None):
        self.by_id: dict[str, Finding] = {}
        for finding in findings or []:
            self.add(finding)

    def add(self, finding: Finding) -> Finding:
        if finding.id in self.by_id:
            raise ValueError(f"finding {finding.id!r} made twice")
        self.by_id[finding.id] = finding
        return finding

    def __contains__(self, finding_id: str) -> bool:
        return finding_id in self.by_id

    def __iter__(self):
        return iter(self.by_id.values())

    def __len__(self) -> int:
        return len(self.by_id)

    def get(self, finding_id: str) -> Finding | None:
        return self.by_id.get(finding_id)

    def body(self, finding_id: str):
        """The finding's body, or None when the analysis made no such finding (nothing to state)."""
        finding = self.by_id.get(finding_id)
        return finding.body if finding else None

    def with_prefix(self, prefix: str) -> list[Finding]:
        return [f for f in self.by_id.values() if f.id.startswith(prefix)]


# ---- JSON ------------------------------------------------------------------------------------------


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if TYPE_KEY in fields:
            raise TypeError(f"finding body {type(value).__name__}: a field may not be named {TYPE_KEY!r}")
        return {TYPE_KEY: type(value).__name__, **fields}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _typed(value, hint):
    """A JSON value back into `hint` (a registered dataclass, a list/tuple of them, or a plain type)."""
    if value is None:
        return None
    if isinstance(value, dict) and value.get(TYPE_KEY) in BODY_TYPES:
        return _from_dict(value)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _typed(value, options[0]) if len(options) == 1 else value
    if origin is dict and isinstance(value, dict):
        args = typing.get_args(hint)
        return {k: _typed(v, args[1] if args else object) for k, v in value.items()}
    if origin in (list, tuple) and isinstance(value, list):
        args = typing.get_args(hint)
        items = [_typed(v, args[0] if args else object) for v in value]
        if origin is tuple and args and args[-1] is not Ellipsis and len(args) == len(value):
            items = [_typed(v, a) for v, a in zip(value, args, strict=True)]
        return tuple(items) if origin is tuple else items
    return value


def _from_dict(data: dict):
    cls = BODY_TYPES[data[TYPE_KEY]]
    hints = typing.get_type_hints(cls)
    return cls(**{f.name: _typed(data.get(f.name), hints[f.name]) for f in dataclasses.fields(cls) if f.init})


def write_findings(findings: Findings, path: str | Path) -> None:
    rows = [
        {
            "id": f.id,
            "section": f.section,
            "outcome": f.outcome,
            "statement": f.statement,
            "sources": list(f.sources),
            "body": _plain(f.body),
        }
        for f in findings
    ]
    Path(path).write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def read_findings(path: str | Path) -> Findings:
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    findings = Findings()
    for row in rows:
        data = row.get("body")
        if isinstance(data, dict) and data.get(TYPE_KEY) not in (None, *BODY_TYPES):
            raise ValueError(f"{path}: finding {row['id']}: unknown body type {data[TYPE_KEY]!r}: rerun analyze")
        if isinstance(data, dict) and TYPE_KEY not in data and data.get("type") in BODY_TYPES:
            raise ValueError(
                f"{path}: written by an earlier version of compressbench (bodies tagged 'type'): "
                "rerun the analysis (snakemake --forcerun analyze)"
            )
        findings.add(
            Finding(
                row["id"],
                row["section"],
                row["outcome"],
                row["statement"],
                _from_dict(data) if isinstance(data, dict) and TYPE_KEY in data else data,
                tuple(row.get("sources") or ()),
            )
        )
    return findings


def make(finding_id: str, section: str, content, outcome: str | None = None, sources=()) -> Finding:
    """A finding from its body: the outcome follows the body's `resolved` (a comparison without both
    values is not measured) unless given; the statement is the body's own."""
    if outcome is None:
        if getattr(content, "ratio", 0) is None and hasattr(content, "status"):
            outcome = NOT_MEASURED
        elif hasattr(content, "resolved"):
            outcome = RESOLVED if content.resolved else NOT_RESOLVED
        else:
            outcome = MEASURED
    statement = content.statement() if hasattr(content, "statement") else f"{type(content).__name__}: {content}"
    return Finding(finding_id, section, outcome, statement, content, tuple(sources))

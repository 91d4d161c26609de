"""Small TSV/JSON helpers so every stage writes and reads tables the same way."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path


def write_tsv(rows: list[dict], path: str | Path, columns: list[str] | None = None) -> None:
    columns = columns or (list(rows[0]) if rows else [])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, delimiter="\t", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def read_tsv(path: str | Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def write_json(data, path: str | Path) -> None:
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_json(path: str | Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_yaml(path: str | Path):
    import yaml

    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def files_size(paths) -> int:
    return sum(os.path.getsize(p) for p in paths)


def write_matrix_tsv(names: list[str], matrix, path: str | Path, corner: str) -> None:
    """A square table: header `corner, *names`, then one row per name. Read it by position, so a
    name may equal `corner` or another header (a class called "true" is fine)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow([corner, *names])
        writer.writerows([name, *(int(v) for v in row)] for name, row in zip(names, matrix, strict=True))


def read_matrix_tsv(path: str | Path) -> tuple[list[str], list[list[int]]]:
    """(row names, rows of ints) of a table written by write_matrix_tsv."""
    with open(path, newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle, delimiter="\t"))
    if any(len(row) != len(header) for row in rows) or len(rows) != len(header) - 1:
        raise ValueError(f"{path}: not a square table of {len(header) - 1} named columns")
    return [row[0] for row in rows], [[int(v) for v in row[1:]] for row in rows]

"""CI's lint step (.ci/lint, run by .ci/run before the tests) fails on a format error or a Snakemake lint."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COPIED = ["Snakefile", "config.yaml", "pyproject.toml", ".ci", ".test", "workflow", "compressbench", "templates"]


@pytest.fixture
def tree(tmp_path):
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    return tmp_path


def lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(tree / ".ci" / "lint"), str(BIN)], cwd=tree, capture_output=True, text=True, timeout=300
    )


@pytest.mark.skipif(not (BIN / "snakefmt").exists(), reason="ruff/snakefmt not installed next to this Python")
def test_lint_fails_on_unformatted_python(tree):
    path = tree / "compressbench" / "paths.py"
    path.write_text(path.read_text().replace('RESULTS = "results"', 'RESULTS="results"'))
    result = lint(tree)
    assert result.returncode != 0
    assert "1 file would be reformatted" in result.stdout + result.stderr


@pytest.mark.skipif(not (BIN / "snakefmt").exists(), reason="ruff/snakefmt not installed next to this Python")
def test_lint_fails_on_a_snakemake_lint(tree):
    rules = tree / "workflow" / "rules" / "data.smk"
    rules.write_text(
        rules.read_text() + '\n\nrule extra:\n    output:\n        "x.txt",\n    shell:\n        "touch {output}"\n'
    )
    result = lint(tree)
    assert result.returncode != 0
    assert "No log directive defined" in result.stdout

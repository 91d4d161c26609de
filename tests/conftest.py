"""A real run of the workflow on the digits data, shared by the end-to-end and rerun tests.

It runs once per test session in a temporary copy of the workflow (the repository's own
results/ stay untouched); tests then read its outputs or ask Snakemake (dry run) what a config
change would rerun.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from compressbench import paths
from compressbench.config import default_config
from compressbench.report.latex import engine_available

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
TEST_CONFIG = REPO / ".test" / "config.yaml"
E2E_TARGETS = yaml.safe_load(TEST_CONFIG.read_text())["targets"]
E2E_REPEATS = yaml.safe_load(TEST_CONFIG.read_text())["benchmark"]["repeats"]  # benchmark jobs per target


def write_config(workdir: Path, **changes) -> Path:
    """The small digits config (.test/config.yaml), with some sections changed."""
    config = yaml.safe_load(TEST_CONFIG.read_text())
    for section, values in changes.items():
        config[section] = {**config.get(section, {}), **values}
    path = workdir / "test-config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def report_outputs() -> list[str]:
    outputs = [paths.REPORT_MD, paths.REPORT_ZIP, paths.SUMMARY]
    return outputs + ([paths.REPORT_PDF] if engine_available() else [])


def planned_jobs(
    workdir: Path, config: Path, targets: list[str] | None = None, options: tuple[str, ...] = ()
) -> dict[str, int]:
    """Rule -> number of jobs a dry run would execute, from its job-stats table (targets: the
    report outputs by default; [] for the default rule, all; options: more snakemake options)."""
    targets = report_outputs() if targets is None else targets
    result = subprocess.run(
        [*SNAKEMAKE, *targets, *options, "--dry-run", "--quiet", "rules", "--cores", "2", "--configfile", str(config)],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    jobs, in_table = {}, False
    for line in result.stdout.splitlines():
        parts = line.split()
        if line.startswith("---"):
            in_table = True
        elif in_table and len(parts) == 2 and parts[1].isdigit():
            if parts[0] == "total":
                break
            jobs[parts[0]] = int(parts[1])
    return jobs


def copy_workflow(workdir: Path) -> Path:
    """The workflow's files in a fresh folder, so a run there leaves the repository untouched."""
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(REPO / name, workdir / name)
    for name in ("workflow", "templates"):
        shutil.copytree(REPO / name, workdir / name)
    return workdir


@pytest.fixture(scope="session")
def workflow_copy(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("workflow"))
    config = write_config(workdir)
    return run_workflow(workdir, config)


def run_workflow(workdir: Path, config: Path) -> Path:
    """A real run of the report outputs in `workdir`; fails the test with the log's tail."""
    result = subprocess.run(
        [*SNAKEMAKE, *report_outputs(), "--cores", "2", "--configfile", str(config)],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return workdir


def make_settings(cls, section: str, threads: int = 1, **changes):
    """A settings dataclass at the schema's defaults for `section`, with some keys changed."""
    return cls.from_config({**default_config()[section], **changes}, threads=threads)

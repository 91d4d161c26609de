"""Say plainly when another Snakemake run is working in the same folder.

Snakemake checks for "incomplete" files before it checks its lock, so a second run started beside
an active one is told to use --rerun-incomplete (the files the first run is writing look
incomplete), and a dry run prints "Nothing to be done". The Snakefile prints this note first.
"""

from __future__ import annotations

from pathlib import Path

LOCKS = Path(".snakemake") / "locks"


def other_run_note(workdir: str | Path = ".") -> str | None:
    """A note when Snakemake lock files exist in workdir (None when there are none)."""
    locks = sorted((Path(workdir) / LOCKS).glob("*.lock"))
    if not locks:
        return None
    return (
        f"NOTE: another Snakemake run is active in {Path(workdir).resolve()} ({LOCKS}/ holds its lock), "
        "or a killed run left its lock behind. If a run is active, wait for it to finish: the files it is "
        "writing look 'incomplete' to this run, so do not use --rerun-incomplete or --unlock meanwhile. "
        "If no run is active, `snakemake --unlock` removes the stale lock."
    )

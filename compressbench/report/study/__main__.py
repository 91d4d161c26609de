"""Render a finished study's report in any language without rerunning the workflow (its runs' own reports
stay as they are):

    python -m compressbench.report.study --language en --out reports/en \\
        --configfile config.yaml configs/study-digits.yaml

reads results/study.json and results/study_findings.json, takes the report settings (title, author,
group, course) from the config files, and writes <out>/study.md, study.tex, figures/ and study.pdf.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ... import paths
from ...config import load_config
from ..latex import build_pdf
from . import write_study_report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=["ru", "en"], help="default: the config's report.language")
    parser.add_argument("--out", type=Path, required=True, help="folder for study.md, study.tex, study.pdf")
    parser.add_argument("--root", type=Path, default=Path("."), help="the study's working directory")
    parser.add_argument("--configfile", nargs="*", default=[], help="config files (report settings)")
    args = parser.parse_args(argv)
    settings = dict(load_config(*args.configfile)["report"])
    settings["language"] = args.language or settings["language"]
    args.out.mkdir(parents=True, exist_ok=True)
    tex = args.out / "study.tex"
    write_study_report(
        args.root / paths.STUDY_JSON, args.root / paths.STUDY_FINDINGS, settings, args.out / "study.md", tex
    )
    warnings = build_pdf(tex, args.out / "study.pdf")
    print(f"{args.out / 'study.pdf'}: built, {len(warnings)} overfull box warning(s)")
    for warning in warnings:
        print("warning:", warning)


if __name__ == "__main__":
    main()

"""Page images of a built report: the page where a section starts, rendered to PNG (docs/, README).

    python -m compressbench.report.pages reports/report.pdf docs/report-results-ru.png --language ru

finds the page whose text has the numbered heading of the results section (its title from
templates/wording/<language>.yaml) and renders it with pdftoppm.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .i18n import Strings


def page_count(pdf: str | Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, flags=re.M).group(1))


def section_page(pdf: str | Path, title: str, number: str = r"\d+(\.\d+)*") -> int:
    """1-based number of the first page with a line "<number> <title>" (a numbered section heading; number: a
    pattern, "A" for the appendix)."""
    heading = re.compile(rf"^\s*{number}\s+{re.escape(title)}\s*$", flags=re.M)
    for page in range(1, page_count(pdf) + 1):
        command = ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"]
        if heading.search(subprocess.run(command, capture_output=True, text=True, check=True).stdout):
            return page
    raise ValueError(f"{pdf}: no page has the section heading {title!r}")


def render_page(pdf: str | Path, page: int, png: str | Path, dpi: int = 80) -> Path:
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        stem = Path(folder) / "page"
        command = ["pdftoppm", "-png", "-singlefile", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf), stem]
        subprocess.run([str(c) for c in command], check=True)
        shutil.copyfile(stem.with_suffix(".png"), png)
    return png


def largest_gaps(pdf: str | Path, dpi: int = 40) -> list[float]:
    """Per page, the tallest blank band inside the text area as a share of its height (float gaps, an empty
    page end). The report's layout goal: below 0.25 on every page but the last."""
    import numpy as np
    from PIL import Image

    gaps = []
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(pdf), f"{folder}/p"], check=True)
        for path in sorted(Path(folder).iterdir()):
            ink = np.asarray(Image.open(path)) < 200
            body = ink[int(0.07 * len(ink)) : int(0.92 * len(ink))]  # inside the margins, without the page number
            longest = run = 0
            for blank in ~body.any(axis=1):
                run = run + 1 if blank else 0
                longest = max(longest, run)
            gaps.append(longest / len(body))
    return gaps


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf")
    parser.add_argument("png")
    parser.add_argument("--language", choices=["ru", "en"], required=True, help="the report's language")
    parser.add_argument("--section", default="results", help="section key (title: <key>.title, templates/wording)")
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args(argv)
    title = Strings(args.language)[f"{args.section}.title"]
    page = section_page(args.pdf, title)
    print(render_page(args.pdf, page, args.png, args.dpi), f"(page {page})")
    gaps = largest_gaps(args.pdf)
    print("largest blank band per page:", " ".join(f"{g:.2f}" for g in gaps))


if __name__ == "__main__":
    main()

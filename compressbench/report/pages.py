"""Page images of a built report: the page where a section starts, rendered to PNG (docs/, README).

    python -m compressbench.report.pages reports/report.pdf docs/report-results-ru.png --language ru

finds the page whose text has the numbered heading of the results section (its title from
templates/i18n/<language>.yaml) and renders it with pdftoppm.
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


def section_page(pdf: str | Path, title: str) -> int:
    """1-based number of the first page with a line "<number> <title>" (a numbered section heading)."""
    heading = re.compile(rf"^\s*\d+(\.\d+)*\s+{re.escape(title)}\s*$", flags=re.M)
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf")
    parser.add_argument("png")
    parser.add_argument("--language", choices=["ru", "en"], required=True, help="the report's language")
    parser.add_argument("--section", default="results", help="section key (templates/i18n sec_<key>)")
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args(argv)
    title = Strings(args.language)[f"sec_{args.section}"]
    page = section_page(args.pdf, title)
    print(render_page(args.pdf, page, args.png, args.dpi), f"(page {page})")


if __name__ == "__main__":
    main()

"""Build report.pdf with latexmk + XeLaTeX (no shell escape) and package the LaTeX sources.

A build fails when the engine fails, when the log has "Missing character" (a glyph the font
lacks would silently vanish from the PDF) or undefined references; overfull boxes are returned
as warnings. The error for a missing glyph names the character and the report text holding it
(a title, author or class name): the report's fonts (CMU or DejaVu) have no emoji or CJK.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

INSTALL = (
    "apt-get install -y --no-install-recommends latexmk texlive-latex-recommended texlive-latex-extra "
    "texlive-xetex texlive-lang-cyrillic texlive-fonts-recommended lmodern fonts-cmu"
)
# TeX wraps its log at max_print_line (79 by default), so the message may span lines: match across them.
MISSING_CHARACTER = re.compile(r"Missing character: There is no (.+?)(?: \(U\+[0-9A-F]+\))? in font ([^!]+)!")
UNWRAPPED_LOG = {"max_print_line": "100000"}  # TeX Live reads texmf.cnf settings from the environment
UNDEFINED = re.compile(r"(Reference|Citation) `([^']+)' on page \d+ undefined|There were undefined references")
OVERFULL = re.compile(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)[^\n]*")


class LatexError(RuntimeError):
    pass


def engine_available() -> bool:
    return bool(shutil.which("latexmk") and shutil.which("xelatex"))


def check_log(text: str) -> tuple[list[str], list[str]]:
    """(errors, warnings) found in a XeLaTeX log."""
    errors = []
    missing = sorted({(char, font.replace("\n", "")) for char, font in MISSING_CHARACTER.findall(text)})
    for char, font in missing:
        errors.append(f"missing character {char} (U+{ord(char[0]):04X}) in font {font}")
    undefined = sorted({m.group(0) for m in UNDEFINED.finditer(text)})
    errors.extend(f"undefined reference: {u}" for u in undefined)
    warnings = [m.group(0).strip() for m in OVERFULL.finditer(text)]
    return errors, warnings


def missing_glyph_errors(log: str, tex_text: str) -> list[str]:
    """One line per character the fonts lack, quoting the report lines that hold it."""
    errors = []
    for char in sorted({char for char, _ in MISSING_CHARACTER.findall(log)}):
        lines = [(n, line.strip()) for n, line in enumerate(tex_text.splitlines(), 1) if char in line]
        quoted = "; ".join(f"line {n}: {line[:100]!r}" for n, line in lines[:3]) or "text not found in the .tex"
        errors.append(
            f"character {char!r} (U+{ord(char[0]):04X}) is in no font of the PDF and would vanish from it "
            f"({quoted}). Remove it from the text it comes from (report.title, report.author, a class name)"
        )
    return errors


def build_pdf(tex: str | Path, pdf: str | Path, timeout: int = 600) -> list[str]:
    """Compile tex (figures relative to its folder) into pdf; returns the log's warnings."""
    tex, pdf = Path(tex).resolve(), Path(pdf)
    if not engine_available():
        raise LatexError(f"no TeX engine (latexmk + xelatex) found; install one with:\n  {INSTALL}")
    with tempfile.TemporaryDirectory(prefix="report-latex-") as build:
        command = [
            "latexmk",
            "-xelatex",
            "-no-shell-escape",
            "-interaction=nonstopmode",
            "-halt-on-error",
            "-file-line-error",
            "-cd",
            f"-outdir={build}",
            str(tex),
        ]
        try:
            environment = {**os.environ, **UNWRAPPED_LOG}
            process = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment)
        except subprocess.TimeoutExpired:
            raise LatexError(f"latexmk did not finish within {timeout} s") from None
        log_path = Path(build) / f"{tex.stem}.log"
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
        errors, warnings = check_log(log)
        if process.returncode != 0:
            lines = [
                line for line in log.splitlines() if line.startswith("!") or ":" in line and "error" in line.lower()
            ]
            detail = "\n".join(lines[:10]) or (process.stdout + process.stderr)[-2000:]
            raise LatexError(f"latexmk failed (exit {process.returncode}):\n{detail}")
        glyphs = missing_glyph_errors(log, tex.read_text(encoding="utf-8", errors="replace"))
        if glyphs:
            raise LatexError(f"{tex.name}: PDF not built:\n  " + "\n  ".join(glyphs))
        if errors:
            raise LatexError("LaTeX build is not clean:\n  " + "\n  ".join(errors))
        pdf.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(build) / f"{tex.stem}.pdf", pdf)
    return warnings


LATEXMKRC = "# Overleaf and local latexmk: compile with XeLaTeX\n$pdf_mode = 5;\n"
README = """This archive compiles as is with XeLaTeX (fontspec, CMU Serif from cm-unicode, or DejaVu):
  latexmk -xelatex -no-shell-escape report.tex
On Overleaf: upload the zip as a new project, then Menu > Compiler > XeLaTeX.
"""


def zip_latex(tex: str | Path, figures: list[str | Path], archive: str | Path) -> None:
    """report.tex + figures/*.pdf (the paths report.tex uses) + latexmkrc + README."""
    tex = Path(tex)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.write(tex, tex.name)
        for figure in figures:
            figure = Path(figure)
            bundle.write(figure, f"figures/{figure.name}")
        bundle.writestr("latexmkrc", LATEXMKRC)
        bundle.writestr("README.txt", README)

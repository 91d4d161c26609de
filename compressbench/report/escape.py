"""Escaping user text for LaTeX and Markdown so that it renders literally.

`latex_escape` turns every LaTeX special into a command that prints it; nothing a
user types (title, author, class names) can run a TeX command. `Tex` marks a string
the templates built on purpose (already valid LaTeX) so the renderer passes it through.
"""

from __future__ import annotations

import re

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\u00a0": "~",  # no-break space (thousands separator in Russian numbers)
    "\u202f": "~",
    "\u2248": r"\ensuremath{\approx}",  # ≈ (an ordering's ties): the text fonts lack it
}
_LATEX_RE = re.compile("|".join(re.escape(key) for key in _LATEX_SPECIALS))
# TeX ligatures (-- --- `` '' ?` !`) and control characters would not print literally.
_LIGATURE_RE = re.compile(r"(?<=[-`'?!<>,])(?=[-`'<>,])")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A long identifier (onnxruntime.quantization.quantize_static) may break after its dots and underscores:
# unbroken, it pushes a justified line apart. The mark is put in before escaping and becomes \allowbreak.
_IDENTIFIER_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[._][A-Za-z0-9]+){2,}")
_BREAK_MARK = "\u2063"
_LONG_IDENTIFIER = 20


class Tex(str):
    """A string that is already LaTeX: the renderer does not escape it again."""

    __slots__ = ()


class Md(str):
    """A string that is already Markdown: the renderer does not escape it again."""

    __slots__ = ()


def latex_escape(value) -> Tex:
    if isinstance(value, Tex):
        return value
    text = _CONTROL_RE.sub("", str(value))
    text = re.sub(r"\s*[\r\n]+\s*", " ", text)
    text = _IDENTIFIER_RE.sub(_breakable, text)
    text = _LATEX_RE.sub(lambda match: _LATEX_SPECIALS[match.group(0)], text)
    return Tex(_LIGATURE_RE.sub("{}", text).replace(_BREAK_MARK, r"\allowbreak{}"))


def _breakable(match: re.Match) -> str:
    word = match.group(0)
    return re.sub(r"([._])", r"\1" + _BREAK_MARK, word) if len(word) >= _LONG_IDENTIFIER else word


_MD_INLINE = re.compile(r"([\\`*_{}\[\]<>|#$~!])")
_MD_LEADING = re.compile(r"^(\s*)([+\-=]|\d+(?=[.)]))")


def md_escape(value) -> Md:
    """Escape text for GitHub Markdown, inline or in a pipe-table cell."""
    if isinstance(value, Md):
        return value
    text = _CONTROL_RE.sub("", str(value))
    text = re.sub(r"\s*[\r\n]+\s*", " ", text)
    text = _MD_INLINE.sub(r"\\\1", text).replace("&", "&amp;")
    match = _MD_LEADING.match(text)
    if match:
        lead, marker = match.groups()
        if marker.isdigit():
            text = f"{lead}{marker}\\{text[match.end()]}{text[match.end() + 1 :]}"
        else:
            text = f"{lead}\\{marker}{text[match.end() :]}"
    return Md(text)


def md_url(url: str) -> str:
    return str(url).replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def latex_url(url: str) -> Tex:
    r"""A URL for \url{...}: hyperref handles most characters, escape the rest."""
    text = str(url).replace("\\", "/")
    for char in "#%":
        text = text.replace(char, "\\" + char)
    for char in "{}":
        text = text.replace(char, "")
    return Tex(text)

"""The report's wording (templates/wording/<language>.yaml): every key the code or a template names
exists in both languages, every key in the files is named somewhere, and both languages fill the
same placeholders."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from compressbench.report.i18n import TEMPLATES, load_wording

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "compressbench"
# the report, the plots, and the target modules (each target names the sentence that says how it is made)
CODE = [*sorted((PACKAGE / "report").rglob("*.py")), PACKAGE / "plots.py", *sorted((PACKAGE / "targets").glob("*.py"))]
KEY = re.compile(r"^[a-z_]+\.(?!(yaml|json|tsv|md|tex|pdf)$)[a-z0-9_]+$")  # not a file name
FINDING_ACCESS = {"finding", "each", "body", "get", "with_prefix"}  # their arguments are finding ids


def named_keys() -> set[str]:
    """String literals shaped like wording keys in the report code, and t["..."] in the templates."""
    sections = {key.split(".")[0] for key in load_wording("en")}
    keys = set()
    for path in CODE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        finding_ids = {
            id(arg)
            for call in ast.walk(tree)
            if isinstance(call, ast.Call) and getattr(call.func, "attr", None) in FINDING_ACCESS
            for arg in call.args
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.match(node.value):
                if node.value.split(".")[0] in sections and id(node) not in finding_ids:
                    keys.add(node.value)
    for path in TEMPLATES.glob("report*.j2"):
        keys |= set(re.findall(r't\["([a-z_]+\.[a-z0-9_]+)"\]', path.read_text(encoding="utf-8")))
    return keys


def test_every_named_key_exists_in_both_languages():
    for language in ("ru", "en"):
        missing = named_keys() - set(load_wording(language))
        assert not missing, f"{language}: {sorted(missing)}"


def test_every_key_in_the_wording_files_is_named_in_the_code():
    unused = set(load_wording("en")) - named_keys()
    assert not unused, sorted(unused)


def test_languages_fill_the_same_placeholders():
    ru, en = load_wording("ru"), load_wording("en")
    assert set(ru) == set(en)
    for key, text in ru.items():
        if isinstance(text, str):
            assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", en[key])), key

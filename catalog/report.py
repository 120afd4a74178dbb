"""Render lint issues for people and machines: text, json, GitHub annotations, SARIF 2.1.0.

>>> from catalog.issues import Location, issue
>>> print(render([issue("R003", "unknown metric 'gmvv'", Location("finance/a.yaml", 4, 5))], "text"))
finance/a.yaml:4:5: R003 unknown metric 'gmvv'
1 error(s), 0 warning(s)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import PurePath
from urllib.parse import quote

from catalog.issues import CODES, Issue, Level

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(issues: Sequence[Issue], fmt: str) -> str:
    """Issues in one of `FORMATS`."""
    return _RENDERERS[fmt](issues)


def _text(issues: Sequence[Issue]) -> str:
    lines = []
    for i in issues:
        # `file:line:col: CODE message`, the shape editors and CI log parsers link to; the level is implied
        # by the code (see CODES) and only spelled out for warnings, which do not fail the run.
        warning = " (warning)" if i.level is Level.WARNING else ""
        lines.append(f"{i.location}: {i.code} {i.message}{warning}")
        if i.hint:
            lines.append(f"    hint: {i.hint}")
    errors = sum(1 for i in issues if i.level is Level.ERROR)
    lines.append(f"{errors} error(s), {len(issues) - errors} warning(s)")
    return "\n".join(lines)


def _json(issues: Sequence[Issue]) -> str:
    return json.dumps([i.as_dict() for i in issues], ensure_ascii=False, indent=2)


def _github(issues: Sequence[Issue]) -> str:
    """Workflow commands (`::error file=…::message`), which GitHub shows as annotations on the diff."""

    def data(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def prop(text: str) -> str:
        return data(text).replace(":", "%3A").replace(",", "%2C")

    lines = []
    for i in issues:
        level = "error" if i.level is Level.ERROR else "warning"
        where = f"file={prop(i.location.file)}"
        if i.location.line:
            where += f",line={i.location.line},col={max(i.location.col, 1)}"
        text = i.message + (f" — hint: {i.hint}" if i.hint else "")
        lines.append(f"::{level} {where},title={prop(i.code)}::{data(text)}")
    return "\n".join(lines)


def _uri(file: str) -> str:
    path = PurePath(file)
    if path.is_absolute():
        return "file://" + quote(path.as_posix())
    return quote(path.as_posix())


def _sarif(issues: Sequence[Issue]) -> str:
    used = sorted({i.code for i in issues})
    index = {code: n for n, code in enumerate(used)}
    rules = [
        {
            "id": code,
            "shortDescription": {"text": CODES[code][1] if code in CODES else code},
            "defaultConfiguration": {"level": CODES[code][0].value if code in CODES else "error"},
        }
        for code in used
    ]
    results = []
    for i in issues:
        physical: dict[str, object] = {"artifactLocation": {"uri": _uri(i.location.file)}}
        if i.location.line > 0:
            physical["region"] = {"startLine": i.location.line, "startColumn": max(i.location.col, 1)}
        results.append(
            {
                "ruleId": i.code,
                "ruleIndex": index[i.code],
                "level": "error" if i.level is Level.ERROR else "warning",
                "message": {"text": i.message + (f" (hint: {i.hint})" if i.hint else "")},
                "locations": [{"physicalLocation": physical}],
            }
        )
    doc = {
        "version": "2.1.0",
        "$schema": SARIF_SCHEMA,
        "runs": [{"tool": {"driver": {"name": "caliber", "rules": rules}}, "results": results}],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


_RENDERERS: dict[str, Callable[[Sequence[Issue]], str]] = {
    "text": _text,
    "json": _json,
    "github": _github,
    "sarif": _sarif,
}

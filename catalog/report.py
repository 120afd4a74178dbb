"""Render lint issues for people and machines: text, json, GitHub annotations, SARIF 2.1.0."""

from __future__ import annotations

import json
from collections.abc import Sequence

from catalog.issues import CODES, Issue, Level

FORMATS = ("text", "json", "github", "sarif")


def render(issues: Sequence[Issue], fmt: str) -> str:
    return {"text": _text, "json": _json, "github": _github, "sarif": _sarif}[fmt](issues)


def _text(issues: Sequence[Issue]) -> str:
    lines = []
    for i in issues:
        lines.append(f"{i.location}: {i.code} {i.level.value}: {i.message}")
        if i.hint:
            lines.append(f"    hint: {i.hint}")
    errors = sum(1 for i in issues if i.level is Level.ERROR)
    lines.append(f"{errors} error(s), {len(issues) - errors} warning(s)")
    return "\n".join(lines)


def _json(issues: Sequence[Issue]) -> str:
    return json.dumps([i.as_dict() for i in issues], ensure_ascii=False, indent=2)


def _github(issues: Sequence[Issue]) -> str:
    def esc(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    return "\n".join(
        f"::{'error' if i.level is Level.ERROR else 'warning'} file={i.location.file},line={i.location.line},"
        f"col={i.location.col},title={i.code}::{esc(i.message + (' — ' + i.hint if i.hint else ''))}"
        for i in issues)


def _sarif(issues: Sequence[Issue]) -> str:
    used = sorted({i.code for i in issues})
    rules = [{"id": code, "shortDescription": {"text": CODES[code][1]}} for code in used if code in CODES]
    results = [{
        "ruleId": i.code,
        "level": "error" if i.level is Level.ERROR else "warning",
        "message": {"text": i.message + (f" (hint: {i.hint})" if i.hint else "")},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": i.location.file},
            "region": {"startLine": max(i.location.line, 1), "startColumn": max(i.location.col, 1)},
        }}],
    } for i in issues]
    doc = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{"tool": {"driver": {"name": "caliber", "rules": rules}}, "results": results}],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)

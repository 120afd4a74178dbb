"""Render conflict findings for `caliber conflicts`: a text report for people, JSON for machines.

>>> print(render([], "text"))
no conflicts, no duplicates
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from catalog.compare.conflicts import KINDS, Finding

FORMATS = ("text", "json")
_TITLES = {
    "conflict": "conflict",
    "duplicate": "duplicate",
    "standard_override_missing": "undeclared override",
    "override_invalid": "invalid override",
}


def render(findings: Sequence[Finding], fmt: str) -> str:
    return {"text": _text, "json": _json}[fmt](findings)


def summary(findings: Sequence[Finding]) -> dict[str, int]:
    return {kind: sum(1 for f in findings if f.kind == kind) for kind in KINDS}


def _text(findings: Sequence[Finding]) -> str:
    if not findings:
        return "no conflicts, no duplicates"
    lines: list[str] = []
    for f in findings:
        lines.append(f"{_TITLES[f.kind]}: {f.left} ↔ {f.right}  [{', '.join(f.reasons)}]")
        lines.append(f"  {f.left_location}  ↔  {f.right_location}")
        lines.extend(f"  - {d.sentence(f.left, f.right)}" for d in f.differences)
        if not f.differences:
            lines.append(f"  {f.message}")
        lines.append(f"  {f.message_zh}")
        lines.append(f"  hint: {f.hint}")
        lines.append("")
    counts = summary(findings)
    lines.append(", ".join(f"{n} {_TITLES[kind]}(s)" for kind, n in counts.items()))
    return "\n".join(lines)


def _json(findings: Sequence[Finding]) -> str:
    doc = {"findings": [f.as_dict() for f in findings], "summary": summary(findings)}
    return json.dumps(doc, ensure_ascii=False, indent=2)

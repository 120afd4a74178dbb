"""bench/RESULTS.md is shared: each benchmark owns `## ` sections and replaces only those.

>>> merge("# R\\n\\n## A\\n\\nold\\n\\n## B\\n\\nkeep\\n", {"A": "new"})
'# R\\n\\n## A\\n\\nnew\\n\\n## B\\n\\nkeep\\n'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from bench.drivers import BENCH

RESULTS = BENCH / "RESULTS.md"
TITLE = (
    "# Benchmark results\n\nProduced by `python -m bench` (see bench/README.md). Each section is "
    "rewritten by the benchmark that owns it; the rest is kept.\n"
)
_SECTION = re.compile(r"^## (.+)$", re.MULTILINE)


def merge(text: str, sections: Mapping[str, str]) -> str:
    """`text` with each `## title` section's body replaced (or appended, in the given order, when new)."""
    heads = list(_SECTION.finditer(text))
    preamble = text[: heads[0].start()] if heads else text
    bodies: dict[str, str] = {}
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        bodies[head.group(1).strip()] = text[head.end() : end].strip("\n")
    for title, body in sections.items():
        bodies[title] = body.strip("\n")
    out = preamble.rstrip("\n") + "\n\n" if preamble.strip() else ""
    return out + "\n\n".join(f"## {title}\n\n{body}" for title, body in bodies.items()) + "\n"


def write_sections(sections: Mapping[str, str], path: Path = RESULTS) -> Path:
    current = path.read_text(encoding="utf-8") if path.exists() else TITLE
    path.write_text(merge(current, sections), encoding="utf-8")
    return path

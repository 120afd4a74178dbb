"""Random damage to valid definitions never produces a traceback: only coded issues at real locations.

Hypothesis mutates the valid catalog under tests/fixtures/lint_base two ways — as text (delete, duplicate or
garble lines, insert YAML syntax such as anchors, aliases, tags and deep brackets, random unicode) and as data
(delete keys, change a value's type, add unknown keys, huge values) — and lints the result in process and
through `caliber lint`.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from typer.testing import CliRunner

from catalog.cli import app
from catalog.issues import CODES
from catalog.lint import LintResult, lint_texts
from catalog.load import load_text

BASE = Path(__file__).parent / "fixtures" / "lint_base"
FILES = {str(p.relative_to(BASE)): p.read_text("utf-8") for p in sorted(BASE.rglob("*.yaml"))}
NAMES = sorted(FILES)

SNIPPETS = st.sampled_from(
    [
        "&a ",
        "*a",
        "*nope",
        "<<: *a",
        "!!python/object:os.system ",
        "!tag ",
        "!!str ",
        "!!int ",
        "? ",
        ": ",
        "- ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "'",
        '"',
        "#",
        "|",
        ">",
        "---\n",
        "...\n",
        "\t",
        "%YAML 1.1\n",
        "\x00",
        "[" * 80,
        "{a: " * 70,
        "- " * 70,
        "\ufeff",
        "é",
        "指标",
        "\U0001f600",
        ";",
        "SELECT 1",
        "type: ratio",
        "source: orders",
        "expr: (SELECT 1)",
        "filter: a;b",
        "dimensions: [rainy]",
        "agg: sum",
        "entity: lead",
        "window: 0 days",
        "status: deprecated",
        "primary: true",
        "~",
        "null",
        "1e999",
        "0x1F",
        "9" * 50,
    ]
)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))


def check(result: LintResult, files: dict[str, str]) -> None:
    for found in result.issues:
        assert found.code in CODES, found
        assert found.code != "I001", found
        assert found.location.file in files, found
        assert found.location.line >= 1 and found.location.col >= 1, found
        assert found.message


@st.composite
def text_mutation(draw: st.DrawFn) -> dict[str, str]:
    name = draw(st.sampled_from(NAMES))
    lines = FILES[name].splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "garble", "truncate"]))
        if action == "delete" and lines:
            del lines[at]
        elif action == "duplicate" and lines:
            lines.insert(at, lines[at])
        elif action == "insert":
            snippet = draw(st.one_of(SNIPPETS, st.text(max_size=30)))
            line = lines[at] if lines else ""
            col = draw(st.integers(0, len(line)))
            lines[at : at + 1] = [line[:col] + snippet + line[col:]]
        elif action == "garble" and lines:
            line = lines[at]
            col = draw(st.integers(0, len(line)))
            lines[at] = line[:col] + draw(st.characters()) + line[col + 1 :]
        elif action == "truncate":
            del lines[at:]
    return {**FILES, name: "".join(lines)}


VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(["orders", "gmv", "amount", "user", "14 days", "sum", "atomic", "x" * 5000]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += _paths(value, (*path, i))
    return found


@st.composite
def data_mutation(draw: st.DrawFn) -> dict[str, str]:
    name = draw(st.sampled_from(NAMES))
    doc, _ = load_text(FILES[name], name)
    assert doc is not None
    data = doc.data
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)[1:]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["delete", "replace", "add_key"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(VALUES)
        elif isinstance(parent[path[-1]], dict):
            parent[path[-1]][draw(st.text(min_size=1, max_size=12))] = draw(VALUES)
        data = doc.data
    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, out)
    return {**FILES, name: out.getvalue()}


@SETTINGS
@given(text_mutation())
def test_text_damage_gives_coded_issues_never_a_traceback(files: dict[str, str]) -> None:
    check(lint_texts(files), files)


@SETTINGS
@given(data_mutation())
def test_data_damage_gives_coded_issues_never_a_traceback(files: dict[str, str]) -> None:
    check(lint_texts(files), files)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(text_mutation(), data_mutation()))
def test_the_command_line_exits_0_1_or_2_on_damaged_trees(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / name).write_text(text, "utf-8", errors="surrogatepass")
        result = CliRunner().invoke(app, ["lint", "--format", "sarif", tmp])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)

"""The loader: plain YAML only, every key remembers file/line/column, hostile documents are refused early."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.issues import CODES, Location, has_errors
from catalog.load import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, load_file, load_text


def codes(text: str) -> list[tuple[str, int, int]]:
    _, issues = load_text(text, "f.yaml")
    return [(i.code, i.location.line, i.location.col) for i in issues]


def test_every_key_keeps_file_line_and_column() -> None:
    doc, issues = load_text("metrics:\n  gmv:\n    type: atomic\n    label: {en: GMV, zh: 成交}\n", "a.yaml")
    assert issues == []
    assert doc is not None
    assert doc.position(("metrics", "gmv")) == Location("a.yaml", 2, 3)
    assert doc.position(("metrics", "gmv", "type")) == Location("a.yaml", 3, 5)
    assert doc.position(("metrics", "gmv", "label", "zh")) == Location("a.yaml", 4, 22)


def test_a_path_without_its_own_position_falls_back_to_its_closest_ancestor() -> None:
    doc, _ = load_text("metrics:\n  gmv: {type: atomic}\n", "a.yaml")
    assert doc is not None
    assert doc.position(("metrics", "gmv", "nope", 3)) == Location("a.yaml", 2, 3)


def test_sequence_items_keep_their_position() -> None:
    doc, _ = load_text("steps:\n  - a\n  - b\n", "a.yaml")
    assert doc is not None
    assert doc.data == {"steps": ["a", "b"]}
    assert doc.position(("steps", 1)) == Location("a.yaml", 3, 5)


def test_scalars_follow_yaml_1_2_core_types() -> None:
    doc, _ = load_text("a: 1\nb: '1'\nc: yes\nd: true\ne: ~\nf: 1.5\ng: 2024-01-01\nh: .inf\n", "a.yaml")
    assert doc is not None
    assert doc.data == {
        "a": 1,
        "b": "1",
        "c": "yes",
        "d": True,
        "e": None,
        "f": 1.5,
        "g": "2024-01-01",
        "h": ".inf",
    }


def test_an_empty_file_is_an_empty_mapping() -> None:
    doc, issues = load_text("# nothing yet\n", "a.yaml")
    assert doc is not None and doc.data == {} and issues == []


def test_duplicate_keys_are_an_error_at_the_second_key_and_the_first_value_wins() -> None:
    doc, issues = load_text("metrics:\n  gmv: 1\n  gmv: 2\n", "a.yaml")
    assert [(i.code, i.location.line, i.location.col) for i in issues] == [("Y002", 3, 3)]
    assert "first at line 2" in issues[0].message
    assert doc is not None and doc.data == {"metrics": {"gmv": 1}}


def test_aliases_and_merge_keys_are_expanded_as_copies() -> None:
    text = "base: &b {owner: finance, stage: revenue}\nm:\n  <<: *b\n  stage: retention\n"
    doc, issues = load_text(text, "a")
    assert issues == []
    assert doc is not None
    assert doc.data["m"] == {"stage": "retention", "owner": "finance"}
    assert doc.data["m"] is not doc.data["base"]
    assert doc.position(("m", "owner")).line == 3


def test_a_merge_key_must_name_a_mapping() -> None:
    assert codes("a: &a 1\nm:\n  <<: *a\n") == [("Y001", 3, 3)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: !!python/object/apply:os.system ['ls']\n", ("Y003", 1, 4)),
        ("a: !include other.yaml\n", ("Y003", 1, 4)),
        ("a: !!binary aGk=\n", ("Y003", 1, 4)),
        ("a: !!set {x}\n", ("Y003", 1, 4)),
        ("!custom\na: 1\n", ("Y003", 1, 1)),
    ],
)
def test_tags_other_than_plain_yaml_types_are_refused(text: str, expected: tuple[str, int, int]) -> None:
    assert codes(text) == [expected]


def test_explicit_core_tags_are_allowed() -> None:
    doc, issues = load_text("a: !!str 12\nb: !!int '7'\n", "a.yaml")
    assert issues == [] and doc is not None and doc.data == {"a": "12", "b": 7}


def test_malformed_yaml_points_at_the_problem() -> None:
    assert codes("metrics:\n  gmv: [1, 2\n") == [("Y001", 3, 1)]
    assert codes("a: 1\n---\nb: 2\n") == [("Y001", 2, 1)]
    assert codes("? [a]\n: 1\n") == [("Y001", 1, 3)]
    assert codes("a: *missing\n") == [("Y001", 1, 4)]


def test_a_self_referencing_alias_is_refused_not_followed() -> None:
    assert codes("a: &x [1, *x]\n") == [("Y001", 1, 11)]


def test_billion_laughs_is_refused_quickly_and_without_expanding() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 10)]
    found = codes("\n".join(lines) + "\n")
    assert [c for c, _, _ in found] == ["Y004"]
    assert f"{MAX_NODES:,}" in load_text("\n".join(lines), "f")[1][0].message


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 200_000 + "]" * 200_000,
        "a: " + "{a: " * 100_000 + "}" * 100_000,
        "- " * 200_000 + "x",
        "".join(" " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5)),
    ],
)
def test_deep_nesting_is_refused_without_recursion(text: str) -> None:
    assert [c for c, _, _ in codes(text)] == ["Y004"]


def test_nesting_up_to_the_limit_is_fine() -> None:
    doc, issues = load_text("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1), "f")
    assert issues == [] and doc is not None


def test_huge_documents_are_refused_before_parsing() -> None:
    assert codes("a: " + "x" * MAX_FILE_BYTES) == [("Y004", 1, 1)]


def test_control_characters_are_malformed_yaml() -> None:
    assert [c for c, _, _ in codes("a: \x00\n")] == ["Y001"]
    assert [c for c, _, _ in codes("a: \ud800\n")] == ["Y001"]


def test_load_file_reports_io_problems_as_issues(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"a: caf\xe9\n")
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * MAX_FILE_BYTES)
    assert [i.code for i in load_file(latin)[1]] == ["Y005"]
    assert [i.code for i in load_file(tmp_path / "missing.yaml")[1]] == ["Y005"]
    assert [i.code for i in load_file(big)[1]] == ["Y004"]
    assert [i.code for i in load_file(tmp_path)[1]] == ["Y005"]


def test_an_endless_file_is_refused_after_reading_just_over_the_limit() -> None:
    found = load_file(Path("/dev/zero"))
    assert found[0] is None and [i.code for i in found[1]] == ["Y004"]


YAML_PIECES = st.sampled_from(
    [
        "a: 1\n",
        "- x\n",
        "  ",
        "&a ",
        "*a",
        "<<: *a\n",
        "!!python/object:os.system ",
        "!!binary ",
        "? ",
        ": ",
        "[",
        "]",
        "{",
        "}",
        ", ",
        "'",
        '"',
        "|\n",
        ">-\n",
        "---\n",
        "...\n",
        "%YAML 1.1\n",
        "%TAG ! tag:x,2024:\n",
        "\t",
        "\x00",
        "\ufeff",
        "\ud800",
        "指标: 成交\n",
        "1e999",
        ".nan",
        "0x1F",
        "2024-01-01T00:00:00+08:00",
        "[" * 120,
        "{a: " * 120,
        "- " * 120,
        "*a, " * 40,
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(YAML_PIECES | st.text(max_size=12), max_size=25).map("".join))
def test_any_text_loads_to_a_document_or_coded_issues(text: str) -> None:
    doc, issues = load_text(text, "f.yaml")
    for found in issues:
        assert found.code in CODES and found.message, found
        assert found.location.file == "f.yaml" and found.location.line >= 1, found
    assert doc is not None or has_errors(issues)

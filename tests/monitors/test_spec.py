"""Monitor files are linted: unknown fields with a suggestion, bad values and queries, at file:line:col."""

from __future__ import annotations

from pathlib import Path

from catalog.model import Catalog
from catalog.monitors.spec import load_monitors


def lint(tmp_path: Path, catalog: Catalog, text: str) -> list[tuple[str, int, str, str]]:
    path = tmp_path / "m.yaml"
    path.write_text(text, "utf-8")
    return [(i.code, i.location.line, i.message, i.hint) for i in load_monitors([path], catalog).issues]


def test_an_unknown_field_is_m001_with_the_closest_known_one(tmp_path: Path, catalog: Catalog) -> None:
    found = lint(
        tmp_path,
        catalog,
        """monitors:
  gmv_floor:
    metric: gmv
    grain: day
    rule: {threshold: {below: 50}}
    chanels: []
""",
    )
    assert found == [("M001", 6, "unknown field `chanels`", "did you mean `channels`?")]


def test_a_misspelt_rule_field_is_m001_too(tmp_path: Path, catalog: Catalog) -> None:
    found = lint(
        tmp_path,
        catalog,
        """monitors:
  gmv_floor:
    metric: gmv
    grain: day
    rule: {band: {period: 4}}
""",
    )
    assert [(c, h) for c, _, _, h in found] == [("M001", "did you mean `periods`?")]


def test_a_rule_with_two_kinds_or_a_bad_grain_is_m002(tmp_path: Path, catalog: Catalog) -> None:
    found = lint(
        tmp_path,
        catalog,
        """monitors:
  gmv_floor:
    metric: gmv
    grain: hour
    rule: {threshold: {below: 1}, change: {drop: 0.1}}
""",
    )
    assert {c for c, *_ in found} == {"M002"} and len(found) == 2


def test_an_unknown_metric_or_dimension_is_m003(tmp_path: Path, catalog: Catalog) -> None:
    found = lint(
        tmp_path,
        catalog,
        """monitors:
  a:
    metric: nope
    grain: day
    rule: {threshold: {below: 1}}
  b:
    metric: gmv
    grain: day
    dimensions: [colour]
    rule: {threshold: {below: 1}}
""",
    )
    assert [(c, line) for c, line, *_ in found] == [("M003", 2), ("M003", 6)]

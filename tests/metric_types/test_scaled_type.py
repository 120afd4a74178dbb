"""A metric type is one module and one registry line: the `scaled` type of `scaled.py` goes through the whole
pipeline — lint, the conflict check, compile, the store's qualified form, the words — and its SQL runs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest

from catalog.compare.canonical import canonical_form
from catalog.compile import compile_query
from catalog.lint import lint_texts
from catalog.metric_types.base import problems
from catalog.metric_types.registry import METRIC_TYPES
from catalog.store.references import qualified_definition
from metric_types import scaled

TYPES = (*METRIC_TYPES, scaled.TYPE)  # the one registry line
META = "label: {en: X, zh: 叉}, description: d, stage: revenue, owner: shop"
FILES = {
    "shop/orders.yaml": f"""
sources:
  orders: {{table: dw.orders, time: paid_at, columns: {{amount: integer, paid_at: timestamp}}}}
metrics:
  gmv_cents: {{type: atomic, source: orders, agg: sum, expr: amount, {META}}}
  gmv: {{type: scaled, metric: gmv_cents, factor: 0.01, {META}}}
""",
}


def test_the_scaled_type_is_complete() -> None:
    assert problems(scaled.TYPE) == []


def test_without_its_registry_line_the_type_is_unknown() -> None:
    result = lint_texts(FILES)
    assert [(i.code, i.message) for i in result.errors] == [("S004", "unknown metric type 'scaled'")]


def test_registered_it_lints_compiles_and_its_sql_computes_the_scaled_value() -> None:
    result = lint_texts(FILES, types=TYPES)
    assert result.ok, [str(i) for i in result.issues]
    gmv = result.catalog.metrics["shop.gmv"]
    assert gmv.kind is scaled.TYPE and gmv.references() == ("shop.gmv_cents",)
    compiled = compile_query({"metrics": ["gmv", "gmv_cents"], "grain": "month"}, result.catalog)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA dw; CREATE TABLE dw.orders (amount INTEGER, paid_at TIMESTAMP)")
    con.execute(
        "INSERT INTO dw.orders VALUES (1250, '2024-01-03'), (250, '2024-01-20 10:00:00'), (900, '2024-02-01')"
    )
    rows = [(str(t), round(g, 6), c) for t, g, c in con.execute(compiled.sql).fetchall()]
    assert sorted(rows) == [("2024-01-01", 15.0, 1500), ("2024-02-01", 9.0, 900)]


def test_its_canonical_form_store_form_and_words_come_from_the_module() -> None:
    catalog = lint_texts(FILES, types=TYPES).catalog
    form = canonical_form("shop.gmv", catalog)
    assert (form.kind, form.params) == ("scaled", (("factor", "0.01"),))
    written = {"type": "scaled", "metric": "gmv_cents", "factor": 0.01}
    qualified = qualified_definition("metric", "shop.gmv", written, catalog)
    assert qualified == {**written, "metric": "shop.gmv_cents"}
    words = dict((key, en) for key, _, en in scaled.TYPE.words.strings)

    def t(key: str, **values: object) -> str:
        return words[key].format(**values)

    gmv = catalog.metrics["shop.gmv"]
    assert gmv.kind.words.describe(gmv.spec, catalog, t, lambda key: key) == "shop.gmv_cents times 0.01"
    assert gmv.kind.words.roles(gmv.spec, t) == [("metric", "shop.gmv_cents")]


@pytest.mark.parametrize("part", [f.name for f in dataclasses.fields(scaled.TYPE)])
def test_leaving_out_any_part_makes_the_type_incomplete(part: str) -> None:
    found = problems(dataclasses.replace(scaled.TYPE, **{part: None}))
    assert any(p.endswith(f": {part} is missing") for p in found), found


@pytest.mark.parametrize("part", [f.name for f in dataclasses.fields(scaled.TYPE.words)])
def test_leaving_out_any_part_of_its_words_makes_the_type_incomplete(part: str) -> None:
    words = dataclasses.replace(scaled.TYPE.words, **{part: None})
    assert f"scaled: words.{part} is missing" in problems(dataclasses.replace(scaled.TYPE, words=words))


def test_words_without_the_type_name_or_a_language_are_incomplete() -> None:
    words = dataclasses.replace(scaled.TYPE.words, strings=(("scaled_words", "{metric} 乘以 {factor}", ""),))
    assert problems(dataclasses.replace(scaled.TYPE, words=words)) == [
        "scaled: words say nothing for type_scaled",
        "scaled: words for scaled_words lack a language",
    ]


def test_a_definition_of_another_type_name_or_a_part_that_cannot_be_stored_is_wrong() -> None:
    renamed = dataclasses.replace(scaled.TYPE, name="times")
    assert "times: the definition's `type` is not Literal['times']" in problems(renamed)
    unpicklable = dataclasses.replace(scaled.TYPE, qualify=lambda spec: {})
    assert any("cannot be pickled" in p for p in problems(unpicklable))


def test_the_how_to_shows_this_very_module() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "metric-types.md").read_text("utf-8")
    code = Path(scaled.__file__).read_text("utf-8")
    assert code[code.index("from __future__") :] in doc

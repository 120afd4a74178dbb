"""Identical compiles are served from the rendered-SQL cache; anything that changes the result misses it."""

from __future__ import annotations

import gc
import math
import weakref
from datetime import date

import pytest

from catalog.compile import CompileError, compile_query
from catalog.model import Catalog

QUERY = {"metrics": ["gmv", "aov"], "dimensions": ["channel"], "grain": "month", "dialect": "postgres"}


def test_a_repeated_compile_is_the_same_result_object(catalog: Catalog) -> None:
    assert compile_query(QUERY, catalog) is compile_query(dict(QUERY), catalog)


def test_uncached_compiles_render_the_same_sql(catalog: Catalog) -> None:
    assert compile_query(QUERY, catalog, cache=False).sql == compile_query(QUERY, catalog).sql


def test_another_catalog_object_or_query_or_layout_misses(catalog: Catalog) -> None:
    first = compile_query(QUERY, catalog)
    copy = Catalog(sources=catalog.sources, dimensions=catalog.dimensions, metrics=catalog.metrics)
    assert compile_query(QUERY, copy) is not first
    assert compile_query({**QUERY, "dialect": "mysql"}, catalog).sql != first.sql
    assert compile_query(QUERY, catalog, pretty=True).sql != first.sql


def _compiled_filter(catalog: Catalog, op: str, values: list[object]) -> str:
    query = {
        "metrics": ["gmv"],
        "dialect": "postgres",
        "filters": [{"dimension": "segment", "op": op, "values": values}],
    }
    return compile_query(query, catalog).sql


def _alone(catalog: Catalog, op: str, values: list[object]) -> str:
    query = {
        "metrics": ["gmv"],
        "dialect": "postgres",
        "filters": [{"dimension": "segment", "op": op, "values": values}],
    }
    return compile_query(query, catalog, cache=False).sql


def test_a_null_filter_after_an_inf_one_compiles_correctly(catalog: Catalog) -> None:
    with pytest.raises(CompileError):
        _compiled_filter(catalog, "in", [math.inf])
    sql = _compiled_filter(catalog, "in", [None])
    assert sql == _alone(catalog, "in", [None])
    assert "IN (NULL)" in sql


def test_a_date_and_the_equal_string_are_different_entries(catalog: Catalog) -> None:
    as_date = _compiled_filter(catalog, ">=", [date(2024, 6, 1)])
    as_text = _compiled_filter(catalog, ">=", ["2024-06-01"])
    assert as_date == _alone(catalog, ">=", [date(2024, 6, 1)]) and "CAST('2024-06-01' AS DATE)" in as_date
    assert as_text == _alone(catalog, ">=", ["2024-06-01"]) and ">= '2024-06-01'" in as_text


def test_one_true_and_the_text_1_are_different_entries(catalog: Catalog) -> None:
    rendered = [_compiled_filter(catalog, "=", [value]) for value in (1, True, "1", 1.0)]
    assert rendered == [_alone(catalog, "=", [value]) for value in (1, True, "1", 1.0)]
    assert len(set(rendered)) == 4


def test_a_superseded_catalog_is_garbage_collected(catalog: Catalog) -> None:
    superseded = Catalog(sources=catalog.sources, dimensions=catalog.dimensions, metrics=catalog.metrics)
    compile_query(QUERY, superseded)
    compile_query({**QUERY, "where": "city = 'a'"}, superseded)
    gone = weakref.ref(superseded)
    del superseded
    gc.collect()
    assert gone() is None

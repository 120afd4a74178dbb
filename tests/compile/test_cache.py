"""Identical compiles are served from the rendered-SQL cache; anything that changes the result misses it."""

from __future__ import annotations

from catalog.compile import compile_query
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

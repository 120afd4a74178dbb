"""Request values are literals in the syntax tree, quoted by each dialect: the SQL stays one SELECT.

(The same values run on the four engines in tests/engines/test_injection.py.)
"""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from catalog.compile import compile_query
from catalog.compile.dialects import DIALECTS
from catalog.model import Catalog

HOSTILE = [
    "O'Brien",
    "x'); DROP TABLE dw.dim_users; --",
    "back\\slash\\' OR 1=1 --",
    "/* comment */ value",
    "line\nbreak -- tail",
    "北京'; SELECT * FROM users; '",
    "SELECT",
    "NULL",
    "$$ dollar $$",
    '`tick` "double"',
]


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_hostile_values_round_trip_as_string_literals(catalog: Catalog, dialect: str) -> None:
    query = {
        "metrics": ["gmv"],
        "dimensions": ["city"],
        "dialect": dialect,
        "filters": [
            {"dimension": "city", "op": "in", "values": HOSTILE},
            {"dimension": "channel", "op": "like", "values": ["%'; --%"]},
        ],
    }
    sql = compile_query(query, catalog).sql
    statements = sqlglot.parse(sql, read=dialect)
    assert len(statements) == 1 and isinstance(statements[0], exp.Query)
    literals = {lit.this for lit in statements[0].find_all(exp.Literal) if lit.is_string}
    assert set(HOSTILE) | {"%'; --%"} <= literals


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_hostile_text_in_where_stays_inside_its_literal(catalog: Catalog, dialect: str) -> None:
    where = "city = 'a'';DROP TABLE x;--' OR channel = '\\'"
    sql = compile_query({"metrics": ["gmv"], "where": where, "dialect": dialect}, catalog).sql
    statements = sqlglot.parse(sql, read=dialect)
    assert len(statements) == 1 and isinstance(statements[0], exp.Query)
    assert {"a';DROP TABLE x;--", "\\"} <= {lit.this for lit in statements[0].find_all(exp.Literal)}

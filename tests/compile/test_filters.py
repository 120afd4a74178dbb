"""Query filters: structured ops and `where` text become trees over dimensions only, values as literals."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from catalog.compile import CompileError, compile_query
from catalog.compile.filters import bind, structured_filter, where_filter
from catalog.issues import CODES
from catalog.model import Catalog
from catalog.query import Filter

CITY = {"common.city": exp.column("city", "t1")}


@pytest.mark.parametrize(
    ("op", "values", "sql"),
    [
        ("=", ["北京"], "t1.city = '北京'"),
        ("!=", ["北京"], "t1.city <> '北京'"),
        ("<", [3], "t1.city < 3"),
        ("<=", [3.5], "t1.city <= 3.5"),
        (">", ["a"], "t1.city > 'a'"),
        (">=", ["a"], "t1.city >= 'a'"),
        ("in", ["a", "b"], "t1.city IN ('a', 'b')"),
        ("not_in", ["a"], "NOT t1.city IN ('a')"),
        ("between", [1, 2], "t1.city BETWEEN 1 AND 2"),
        ("like", ["北%"], "t1.city LIKE '北%'"),
        ("is_null", [], "t1.city IS NULL"),
    ],
)
def test_each_op(op: str, values: list[object], sql: str) -> None:
    template = structured_filter(Filter(dimension="city", op=op, values=values), "common.city")  # type: ignore[arg-type]
    assert bind(template, CITY).sql() == sql


def test_a_null_value_with_a_comparison_is_refused() -> None:
    with pytest.raises(CompileError, match=r"E005 .* null value never matches"):
        structured_filter(Filter(dimension="city", op="=", values=[None]), "common.city")


def test_where_text_becomes_the_same_tree() -> None:
    template = where_filter("city in ('北京', '上海') and not city is null", lambda name: "common.city")
    assert template.dimensions == {"common.city"}
    assert bind(template, CITY).sql() == "t1.city IN ('北京', '上海') AND NOT t1.city IS NULL"


def test_a_composite_dimension_stays_one_operand() -> None:
    template = where_filter("city = 'x'", lambda name: "common.city")
    concat = exp.DPipe(this=exp.column("a"), expression=exp.column("b"))
    assert bind(template, {"common.city": concat}).sql() == "(a || b) = 'x'"


@pytest.mark.parametrize(
    "text",
    [
        "city IN (SELECT city FROM dw.dim_users)",
        "pg_sleep(10) = 1",
        "EXISTS (SELECT 1)",
        "city = 'a'; DROP TABLE dw.dim_users",
        "city = 'a' UNION SELECT 1",
        "city",
        "'just a string'",
        "city = ",
        "a.b.c.city = 1",
        "CAST(city AS INT) = 1",
    ],
)
def test_where_refuses_anything_but_a_condition_over_dimensions(text: str) -> None:
    with pytest.raises(CompileError) as caught:
        where_filter(text, lambda name: "common.city")
    assert caught.value.issues[0].code == "E005"


def test_where_names_must_be_dimensions(catalog: Catalog) -> None:
    with pytest.raises(CompileError) as caught:
        compile_query({"metrics": ["gmv"], "where": "gmv > 100"}, catalog)
    assert [i.code for i in caught.value.issues] == ["E005"]
    assert "'gmv'" in caught.value.issues[0].message


def test_where_accepts_qualified_dimensions_and_metric_time(catalog: Catalog) -> None:
    sql = compile_query(
        {
            "metrics": ["gmv"],
            "grain": "month",
            "dialect": "postgres",
            "where": "common.city = '北京' AND metric_time >= '2024-06-01'",
        },
        catalog,
    ).sql
    assert '"t1"."city" = \'北京\'' in sql
    assert "CAST(DATE_TRUNC('MONTH', \"t0\".\"paid_at\") AS DATE) >= '2024-06-01'" in sql


def test_comments_in_where_do_not_reach_the_sql(catalog: Catalog) -> None:
    sql = compile_query({"metrics": ["gmv"], "where": "city = 'a' /* hidden */ -- tail"}, catalog).sql
    assert "hidden" not in sql and "tail" not in sql and "--" not in sql


def test_a_query_filter_cannot_undo_a_metric_filter(catalog: Catalog) -> None:
    query = {"metrics": ["gmv"], "dialect": "postgres", "where": "city = 'a' OR 1 = 1"}
    sql = compile_query(query, catalog).sql
    assert 'WHERE "t0"."status" IN (\'paid\', \'refunded\') AND ("t1"."city" = \'a\' OR 1 = 1)' in sql


@pytest.mark.parametrize("text", ["segment > 1e999", "segment < -1e400", "segment IN (1, 2e308)"])
def test_where_refuses_a_number_that_is_not_finite(catalog: Catalog, text: str) -> None:
    with pytest.raises(CompileError) as caught:
        compile_query({"metrics": ["gmv"], "where": text}, catalog)
    [found] = caught.value.issues
    assert found.code == "E005" and "finite" in found.message
    assert found.location.file == "where"


def test_where_conditions_in_a_list_are_all_required(catalog: Catalog) -> None:
    sql = compile_query(
        {"metrics": ["gmv"], "dialect": "postgres", "where": ["city = 'a' OR city = 'b'", "channel = 'c'"]},
        catalog,
    ).sql
    assert '("t1"."city" = \'a\' OR "t1"."city" = \'b\') AND "t1"."channel" = \'c\'' in sql


def test_a_bad_condition_in_a_list_is_located_by_its_index(catalog: Catalog) -> None:
    with pytest.raises(CompileError) as caught:
        compile_query({"metrics": ["gmv"], "where": ["city = 'a'", "city = "]}, catalog)
    assert caught.value.issues[0].location.file == "where.1"


WHERE_TOKENS = st.sampled_from(
    [
        "city",
        "common.city",
        "channel",
        "metric_time",
        "gmv",
        "a.b.c",
        "'北京'",
        "'it''s'",
        "''",
        "1",
        "-1",
        "1.5",
        "1e999",
        "2e308",
        "0x1F",
        "NULL",
        "TRUE",
        "=",
        "<>",
        "!=",
        "<",
        ">=",
        "IN",
        "NOT",
        "IS",
        "BETWEEN",
        "AND",
        "OR",
        "LIKE",
        "(",
        ")",
        ",",
        ";",
        "--",
        "/*",
        "*/",
        "::",
        "||",
        "+",
        "*",
        "SELECT",
        "EXISTS",
        "CAST",
        "pg_sleep(1)",
        "$1",
        "?",
        "%s",
        '"',
        "`",
        "\\",
        "\x00",
        "(" * 200,
        "NOT " * 200,
    ]
)


COMPARISONS = st.builds(
    "{} {} {}".format,
    st.sampled_from(["city", "common.channel", "segment", "metric_time", "visit_kind", "gmv", "nope"]),
    st.sampled_from(["=", "<>", "<", ">=", "LIKE", "IS", "IS NOT", "IN", "NOT IN"]),
    st.sampled_from(["'北京'", "NULL", "1", "-2.5", "1e999", "('a', 'b')", "(1)", "'2024-01-01'", "TRUE"]),
)
CONDITIONS = st.recursive(
    COMPARISONS,
    lambda inner: (
        st.builds("({}) AND {}".format, inner, inner)
        | st.builds("{} OR ({})".format, inner, inner)
        | st.builds("NOT ({})".format, inner)
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(CONDITIONS | st.lists(WHERE_TOKENS | st.text(max_size=6), max_size=14).map(" ".join))
def test_any_where_text_compiles_or_gives_a_coded_error(catalog: Catalog, text: str) -> None:
    try:
        compile_query({"metrics": ["gmv"], "where": text, "dialect": "postgres"}, catalog, cache=False)
    except CompileError as err:
        assert err.issues and all(i.code in CODES and i.message for i in err.issues), err.issues

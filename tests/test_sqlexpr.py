"""SQL inside definitions: exactly one safe scalar expression over the source's columns."""

from __future__ import annotations

import pytest

from catalog.sqlexpr import parse_expression


@pytest.mark.parametrize(
    "text, columns",
    [
        ("amount", {"amount"}),
        ("amount * 2 - coupon_amount", {"amount", "coupon_amount"}),
        ("status IN ('paid', 'refunded') AND amount > 0", {"status", "amount"}),
        ("CASE WHEN grade IS NULL THEN 'adult' ELSE grade END", {"grade"}),
        ("COALESCE(NULLIF(TRIM(city), ''), 'unknown')", {"city"}),
        ("CAST(amount AS DECIMAL(10, 2)) BETWEEN 1 AND 100", {"amount"}),
        ("LOWER(channel) LIKE 'ads%' OR NOT is_test", {"channel", "is_test"}),
        ("ROUND(ABS(amount), 2) + GREATEST(a, b) - LEAST(c, 1)", {"amount", "a", "b", "c"}),
        ("SUBSTRING(code, 1, 2) || CONCAT(x, y)", {"code", "x", "y"}),
        ("status = 'a;b'", {"status"}),
        ("Amount /* a comment; with a semicolon */", {"amount"}),
    ],
)
def test_allowed_expressions_parse_and_report_the_columns_they_read(text: str, columns: set[str]) -> None:
    parsed, problems = parse_expression(text, "expr")
    assert problems == ()
    assert parsed is not None and parsed.columns == columns


@pytest.mark.parametrize(
    "text, code",
    [
        ("amount +", "Q001"),
        ("status = = 'paid'", "Q001"),
        ("'unterminated", "Q001"),
        ("a; b", "Q002"),
        ("status = 'paid';", "Q002"),
        ("DROP TABLE dw.fact_orders", "Q002"),
        ("DELETE FROM dw.fact_orders", "Q002"),
        ("INSERT INTO t VALUES (1)", "Q002"),
        ("UPDATE t SET a = 1", "Q002"),
        ("CREATE TABLE t (a INT)", "Q002"),
        ("GRANT ALL ON t TO u", "Q002"),
        ("SELECT 1", "Q002"),
        ("SHOW TABLES", "Q002"),
        ("user_id IN (SELECT user_id FROM vip)", "Q003"),
        ("amount > (SELECT AVG(amount) FROM t)", "Q003"),
        ("EXISTS (SELECT 1)", "Q003"),
        ("ROW_NUMBER() OVER (ORDER BY amount)", "Q003"),
        ("catalog.schema.table.col", "Q003"),
        ("a = ANY(b)", "Q003"),
        ("INTERVAL '1' DAY", "Q003"),
        ("$1", "Q003"),
        ("pg_sleep(10)", "Q004"),
        ("now()", "Q004"),
        ("my_udf(amount)", "Q004"),
        ("SUM(amount)", "Q005"),
        ("COUNT(*) + 1", "Q005"),
    ],
)
def test_refused_sql_has_a_code(text: str, code: str) -> None:
    parsed, problems = parse_expression(text, "expr")
    assert parsed is None
    assert [p.code for p in problems] == [code]
    assert problems[0].message.startswith("expr") and problems[0].hint


def test_aggregates_are_allowed_only_when_asked() -> None:
    parsed, problems = parse_expression("SUM(amount)", "expr", allow_aggregates=True)
    assert problems == () and parsed is not None and parsed.columns == {"amount"}


def test_parse_errors_carry_the_position_inside_the_text() -> None:
    _, problems = parse_expression("a +\n  (b", "expr")
    assert problems[0].code == "Q001" and problems[0].line == 2


def test_qualified_names_are_reported_for_derived_metrics() -> None:
    parsed, _ = parse_expression("finance.gmv - refund_amount", "expr")
    assert parsed is not None and parsed.qualified == {("finance", "gmv")}


def test_results_are_cached_so_callers_must_copy_before_changing() -> None:
    first, _ = parse_expression("amount * 3", "expr")
    second, _ = parse_expression("amount * 3", "expr")
    assert first is second


@pytest.mark.parametrize(
    "text",
    ["(" * 5000 + "a" + ")" * 5000, "a" + " + a" * 20000, "\x00", "é ü ß"],
    ids=["deep-parentheses", "long-sum", "nul", "unicode"],
)
def test_hostile_text_gives_a_problem_or_a_result_never_an_exception(text: str) -> None:
    parsed, problems = parse_expression(text, "expr")
    assert (parsed is None) == bool(problems)


@pytest.mark.parametrize("text", ["amount > 1e999", "amount * 2e308", "amount BETWEEN -1e400 AND 0"])
def test_a_number_that_is_not_finite_is_refused(text: str) -> None:
    parsed, problems = parse_expression(text, "filter")
    assert parsed is None
    assert [p.code for p in problems] == ["Q003"] and "not finite" in problems[0].message

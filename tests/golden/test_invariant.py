"""Invariants: allow-listed like definition SQL, evaluated on result rows with SQL's three-valued logic."""

from __future__ import annotations

import pytest

from catalog.golden.invariant import invariant_problems, parse_invariant, verdict


def judge(text: str, **row: object) -> bool | None:
    return verdict(parse_invariant(text), row)


def test_names_as_written_are_the_references_and_columns_are_read_by_their_last_part() -> None:
    invariant = parse_invariant("finance.gmv >= finance.net_gmv AND paid_orders > 0")
    assert invariant.refs == ("finance.gmv", "finance.net_gmv", "paid_orders")
    assert judge("finance.gmv >= finance.net_gmv", gmv=10, net_gmv=12) is False


@pytest.mark.parametrize(
    ("text", "row", "expected"),
    [
        ("a >= b", {"a": 2, "b": 2}, True),
        ("a > b", {"a": 2, "b": 2}, False),
        ("a <> b", {"a": 1, "b": None}, None),
        ("a = b", {"a": None, "b": None}, None),
        ("a >= b OR c = 1", {"a": None, "b": 1, "c": 1}, True),
        ("a >= b OR c = 1", {"a": None, "b": 1, "c": 2}, None),
        ("a >= b AND c = 1", {"a": None, "b": 1, "c": 2}, False),
        ("NOT a > 1", {"a": None}, None),
        ("NOT a > 1", {"a": 0}, True),
        ("a IS NULL", {"a": None}, True),
        ("a IS NOT NULL", {"a": None}, False),
        ("a > 1 IS TRUE", {"a": None}, False),
        ("a > 1 IS NOT FALSE", {"a": None}, True),
        ("a > 1 IS FALSE", {"a": 0}, True),
        ("COALESCE(a, 0) <= b", {"a": None, "b": 0}, True),
        ("a - b * 2 = 4", {"a": 10, "b": 3}, True),
        ("a / b > 1", {"a": 1, "b": 0}, None),
        ("ABS(a - b) < 0.01", {"a": 1.005, "b": 1.0}, True),
        ("-a < 0", {"a": 3}, True),
        ("a BETWEEN 1 AND 3", {"a": 3}, True),
        ("a BETWEEN 1 AND 3", {"a": None}, None),
        ("channel = 'kol' OR gmv > 0", {"channel": "kol", "gmv": None}, True),
        ("(a > 1) = TRUE", {"a": 2}, True),
    ],
)
def test_three_valued_logic(text: str, row: dict[str, object], expected: bool | None) -> None:
    assert judge(text, **row) is expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("gmv >= (SELECT 1)", "Q003"),
        ("LOWER(channel) = 'kol'", "Q003"),
        ("gmv IN (1, 2)", "Q003"),
        ("gmv >= net_gmv; DROP TABLE x", "Q002"),
        ("gmv >=", "Q001"),
        ("SUM(gmv) > 0", "Q005"),
        ("pg_sleep(1) > 0", "Q004"),
    ],
)
def test_anything_else_is_refused_with_a_code(text: str, code: str) -> None:
    problems = invariant_problems(text)
    assert [p.code for p in problems] == [code]
    with pytest.raises(ValueError):
        parse_invariant(text)

"""catalog/compare/normalize.py: one spelling per meaning, for expressions and filters."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.compare.normalize import expression_sql, filter_terms, split_conjuncts


@pytest.mark.parametrize(
    ("written", "terms"),
    [
        ("status = 'paid' AND amount > 0", {"status = 'paid'", "amount > 0"}),
        ("0 < amount", {"amount > 0"}),
        ("NOT amount <= 0", {"amount > 0"}),
        ("status = 'b' OR status = 'a'", {"status IN ('a', 'b')"}),
        ("status IN ('b', 'a', 'b')", {"status IN ('a', 'b')"}),
        ("status IN ('a')", {"status = 'a'"}),
        ("x = 1 OR x IN (3, 2) OR y = 1", {"x IN (1, 2, 3) OR y = 1"}),
        ("x NOT IN (2, 1)", {"x <> 1", "x <> 2"}),
        ("x BETWEEN 1 AND 3", {"x >= 1", "x <= 3"}),
        ("x NOT BETWEEN 1 AND 3", {"x < 1 OR x > 3"}),
        ("x BETWEEN 1 AND 2 OR y = 1", {"x <= 2 OR y = 1", "x >= 1 OR y = 1"}),
        ("flag = TRUE", {"flag"}),
        ("flag = FALSE", {"NOT flag"}),
        ("flag <> TRUE", {"NOT flag"}),
        ("NOT x IS NULL", {"x IS NOT NULL"}),
        ("NOT (x IS NOT NULL)", {"x IS NULL"}),
        ("amount > CAST(100 AS INT)", {"amount > 100"}),
        ("amount > 1.50", {"amount > 1.5"}),
        ("status = 'paid'::varchar", {"status = 'paid'"}),
        ("\"Status\" = 'paid'", {"status = 'paid'"}),
        ("b = a", {"a = b"}),
        ("1 = x", {"x = 1"}),
        ("((a = 1))", {"a = 1"}),
        ("(a + b) * c > 1", {"(a + b) * c > 1"}),
        ("c * (b + a) > 1", {"(a + b) * c > 1"}),
        ("a - (b - c) > 0", {"a - (b - c) > 0"}),
        ("a = 1 AND TRUE", {"a = 1"}),
    ],
)
def test_filter_terms(written: str, terms: set[str]) -> None:
    assert filter_terms(written) == terms


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("a + b * c > 1", "(a + b) * c > 1"),  # precedence is kept, not flattened away
        ("a - b - c > 0", "a - (b - c) > 0"),
        ("status = 'paid'", "status = 'Paid'"),  # string literals keep their case
        ("x IN (1, 2)", "x IN (1, 2, 3)"),
        ("amount * 2 > 1", "amount > 1"),
    ],
)
def test_different_meanings_stay_apart(left: str, right: str) -> None:
    assert filter_terms(left) != filter_terms(right)


def test_no_filter_is_the_empty_set() -> None:
    assert filter_terms(None) == frozenset()


def test_written_qualifiers_are_dropped() -> None:
    # An atomic metric reads one table, which its canonical form names: `orders.amount` is `amount`.
    assert filter_terms("Orders.Amount > 0") == filter_terms("amount > 0") == {"amount > 0"}


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("IF(Paid, Amount * 1, NULL)", "CASE WHEN paid THEN amount END"),
        ("CASE WHEN paid THEN amount ELSE NULL END", "CASE WHEN paid THEN amount END"),
        ("IF(paid, amount, 0)", "CASE WHEN paid THEN amount ELSE 0 END"),
        ("amount + 0", "amount"),
        ("1 * amount", "amount"),
        ("amount / 1", "amount"),
        ("amount - 0", "amount"),
        ("coupon_amount + amount", "amount + coupon_amount"),
        ("amount - coupon_amount", "amount - coupon_amount"),
    ],
)
def test_expression_sql(written: str, canonical: str) -> None:
    assert expression_sql(written) == canonical


def test_normalising_twice_changes_nothing() -> None:
    for text in ("status IN ('b', 'a') AND NOT (x = 1 OR y = 2)", "x BETWEEN 1 AND 2 OR y = 1"):
        once = filter_terms(text)
        twice = frozenset().union(*(filter_terms(t) for t in once))
        assert twice == once


@pytest.mark.parametrize(
    ("text", "chunks"),
    [
        ("a = 1 AND b = 2", ["a = 1", "b = 2"]),
        ("a = 1 and (b = 2 OR c = 3)", ["a = 1", "(b = 2 OR c = 3)"]),
        ("x BETWEEN 1 AND 3 AND y = 'AND'", ["x BETWEEN 1 AND 3", "y = 'AND'"]),
        ("CASE WHEN a AND b THEN 1 END = 1 AND c", ["CASE WHEN a AND b THEN 1 END = 1", "c"]),
        ("status = 'x AND y'", None),  # one conjunct: nothing to cut
        ("a = 1 OR b = 2 AND c = 3", None),  # OR binds looser than AND: not a top-level conjunction
        ("a = 1 -- AND b = 2\nAND c = 3", None),  # a comment could hide an AND
        ("a = $$x$$ AND b = 1", None),
    ],
)
def test_split_conjuncts(text: str, chunks: list[str] | None) -> None:
    assert split_conjuncts(text) == chunks


def test_cutting_the_text_gives_the_same_terms_as_the_tree() -> None:
    text = "NOT (status = 'b' OR status = 'a') AND amount BETWEEN 1 AND 5 AND (kind = 'x' OR flag)"
    whole = filter_terms(f"({text})")  # parenthesised: one chunk, normalised as one tree
    assert filter_terms(text) == whole


_TERMS = [
    "status = 'paid'",
    "amount > 0",
    "kind IN ('a', 'b')",
    "(kind = 'c' OR flag)",
    "NOT flag",
    "x BETWEEN 1 AND 5",
    "paid_at IS NOT NULL",
    "status <> 'x'",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_TERMS), min_size=1, max_size=5, unique=True), st.randoms())
def test_conjunct_order_and_spacing_never_matter(terms: list[str], rng: random.Random) -> None:
    shuffled = terms[:]
    rng.shuffle(shuffled)
    assert filter_terms(" AND ".join(terms)) == filter_terms("  and\n".join(shuffled))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["'a'", "'b'", "'c'", "'d'"]), min_size=1, max_size=6))
def test_in_lists_and_or_chains_are_one_form(values: list[str]) -> None:
    as_in = filter_terms(f"s IN ({', '.join(values)})")
    as_or = filter_terms(" OR ".join(f"s = {v}" for v in reversed(values)))
    assert as_in == as_or

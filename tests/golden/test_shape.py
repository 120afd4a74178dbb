"""Lint checks the shape of `tests:` like any other section: codes at the key, suggestions for misspellings."""

from __future__ import annotations

from catalog.lint import lint_texts

VALID = """\
tests:
  gmv_by_month:
    data: ../_fixtures/shop
    query:
      metrics: [gmv]
      by: [channel]
      grain: month
      where: "city = '北京'"
      time_range: {start: 2024-01-01, end: 2024-03-01}
    expected:
      - {metric_time: 2024-01-01, channel: null, gmv: 10.5}
    tolerance: 0.001
  gmv_covers_refunds:
    data: {dw.fact_orders: orders.csv}
    query: {grain: month}
    invariant: gmv >= COALESCE(refund_amount, 0)
"""


def issues(text: str) -> list[tuple[str, int, int, str]]:
    result = lint_texts({"finance/tests.yaml": text})
    return [(i.code, i.location.line, i.location.col, i.hint) for i in result.issues]


def test_a_valid_tests_section_lints_clean() -> None:
    assert issues(VALID) == []


def test_an_unknown_field_suggests_the_closest_one() -> None:
    text = VALID.replace("    expected:\n", "    expect:\n", 1)
    assert ("S001", 10, 5, "did you mean `expected`?") in issues(text)


def test_an_unknown_field_of_the_query_suggests_the_closest_one() -> None:
    text = VALID.replace("      by: [channel]", "      by_: [channel]")
    assert issues(text) == [("S001", 6, 7, "did you mean `by`?")]


def test_a_test_needs_expected_rows_or_an_invariant_but_not_both() -> None:
    both = VALID.replace("    tolerance: 0.001\n", "    invariant: gmv > 0\n")
    neither = VALID.replace("    invariant: gmv >= COALESCE(refund_amount, 0)\n", "")
    assert [(c, line) for c, line, _, _ in issues(both)] == [("S002", 2)]
    assert [(c, line) for c, line, _, _ in issues(neither)] == [("S002", 13)]


def test_expected_rows_need_metrics_in_the_query() -> None:
    text = VALID.replace("      metrics: [gmv]\n", "")
    assert [(c, line) for c, line, _, _ in issues(text)] == [("S002", 4)]


def test_an_invariant_with_a_subquery_is_q003_at_the_invariant() -> None:
    text = VALID.replace("gmv >= COALESCE(refund_amount, 0)", "gmv >= (SELECT max(x) FROM y)")
    assert [(c, line) for c, line, _, _ in issues(text)] == [("Q003", 16)]


def test_a_date_that_is_not_a_date_and_a_grain_that_is_not_a_grain() -> None:
    text = VALID.replace("start: 2024-01-01", "start: 2024-13-01")
    text = text.replace("grain: month\n      where", "grain: monthly\n      where")
    found = [(c, line) for c, line, _, _ in issues(text)]
    assert found == [("S004", 7), ("S003", 9)]


def test_test_names_are_snake_case_and_a_section_is_a_mapping() -> None:
    assert [c for c, *_ in issues(VALID.replace("gmv_by_month:", "GmvByMonth:"))] == ["S005"]
    assert [c for c, *_ in issues("tests: [a, b]\n")] == ["S003"]
    assert [c for c, *_ in issues("tests:\n  a_test: 3\n")] == ["S003"]

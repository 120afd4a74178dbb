"""Expected rows against a query's rows: matched on their keys, numbers within tolerance, dates as text."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from catalog.golden.rows import differences, normalise, same

COLUMNS = ("metric_time", "channel", "gmv", "orders")


def test_equal_rows_in_another_order_and_other_number_types_agree() -> None:
    expected = [
        {"metric_time": "2024-01-01", "channel": "kol", "gmv": 10.5, "orders": 2},
        {"metric_time": "2024-02-01", "channel": None, "gmv": None, "orders": 0},
    ]
    got = [
        (datetime(2024, 2, 1), None, None, 0),
        (date(2024, 1, 1), "kol", Decimal("10.50"), 2.0),
    ]
    assert differences(expected, COLUMNS, got, keys=2) == []


def test_a_wrong_value_names_the_row_the_column_and_both_values() -> None:
    expected = [{"metric_time": "2024-01-01", "channel": "kol", "gmv": 10.5, "orders": 2}]
    got = [("2024-01-01", "kol", 10.25, 2)]
    assert differences(expected, COLUMNS, got, keys=2) == [
        "metric_time=2024-01-01 channel=kol: gmv expected 10.5, got 10.25"
    ]


def test_missing_and_unexpected_rows_are_listed() -> None:
    expected = [{"metric_time": "2024-01-01", "channel": "kol", "gmv": 1, "orders": 1}]
    got = [("2024-01-01", None, 1, 1)]
    assert differences(expected, COLUMNS, got, keys=2) == [
        "missing row: metric_time=2024-01-01 channel=kol gmv=1 orders=1",
        "unexpected row: metric_time=2024-01-01 channel=NULL gmv=1 orders=1",
    ]


def test_null_is_not_zero() -> None:
    expected = [{"metric_time": "2024-01-01", "channel": "kol", "gmv": 0, "orders": 1}]
    assert differences(expected, COLUMNS, [("2024-01-01", "kol", None, 1)], keys=2) == [
        "metric_time=2024-01-01 channel=kol: gmv expected 0, got NULL"
    ]


def test_numbers_agree_within_the_tolerance_only() -> None:
    assert same(0.6666667, 2 / 3)
    assert not same(0.66667, 2 / 3)
    assert same(0.66667, 2 / 3, tolerance=1e-4)
    assert same(12_345_678.9, 12_345_678.9000001)
    assert not same("1", 1)


def test_expected_rows_must_name_exactly_the_result_columns() -> None:
    expected = [{"metric_time": "2024-01-01", "channel": "kol", "gmv": 1, "revenue": 1}]
    (line,) = differences(expected, COLUMNS, [("2024-01-01", "kol", 1, 1)], keys=2)
    assert line == (
        "the query returns the columns metric_time, channel, gmv, orders; an expected row lacks orders; "
        "names revenue, which the query does not return"
    )


def test_two_expected_rows_with_one_key_are_refused() -> None:
    row = {"metric_time": "2024-01-01", "channel": "kol", "gmv": 1, "orders": 1}
    assert differences([row, row], COLUMNS, [], keys=2) == [
        "two expected rows have the same key (metric_time and dimensions): write each row once"
    ]


def test_a_query_without_keys_has_one_row() -> None:
    assert differences([{"gmv": 3}], ("gmv",), [(3,)], keys=0) == []
    assert differences([{"gmv": 3}], ("gmv",), [(4,)], keys=0) == ["the row: gmv expected 3, got 4"]
    assert differences([{"gmv": 3}], ("gmv",), [], keys=0) == ["missing row: gmv=3"]


def test_metric_time_text_from_sqlite_and_midnight_timestamps_read_as_dates() -> None:
    assert normalise("2024-03-01 00:00:00", "metric_time") == "2024-03-01"
    assert normalise(datetime(2024, 3, 1), "metric_time") == "2024-03-01"
    assert normalise(datetime(2024, 3, 1, 8, 30), "x") == "2024-03-01 08:30:00"
    assert normalise("2024-03-01 00:00:00", "channel") == "2024-03-01 00:00:00"

"""The rows behind every AARRR engine case, each placed on an edge the cases name.

Calendar: 2024-01-01 is a Monday, so weeks start on 01-08, 01-15, 01-22, 01-29, 02-05, 02-12, … 03-04.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from catalog.demo_data import Table
from catalog.lint import lint_paths
from catalog.model import Catalog

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "aarrr"


def fixture_catalog() -> Catalog:
    """The AARRR fixture catalog (tests/fixtures/aarrr), over the tables below."""
    result = lint_paths([FIXTURE])
    assert result.ok, [str(i) for i in result.errors]
    return result.catalog


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


USERS = Table(
    "aarrr.users",
    (("user_id", "integer"), ("signup_at", "timestamp"), ("channel", "string"), ("city", "string")),
    [
        (1, ts("2024-01-10 09:00"), "ads", "北京"),
        (2, ts("2024-01-20 12:00"), "ads", "上海"),
        (3, ts("2024-01-31 23:30"), None, "北京"),  # NULL channel: a group of its own
        (4, ts("2024-02-05 08:00"), "organic", "上海"),
        (5, ts("2024-02-14 10:00"), "organic", "北京"),
        (6, ts("2024-03-03 10:00"), "ads", "北京"),  # a cohort that never converts nor comes back
    ],
)

EVENTS = Table(
    "aarrr.events",
    (("event_id", "integer"), ("user_id", "integer"), ("event_name", "string"), ("event_time", "timestamp")),
    [
        # trial → paid within 7 days, [first trial, first trial + 7 days)
        (1, 1, "trial", ts("2024-01-10 10:00")),
        (2, 1, "paid", ts("2024-01-17 09:59:59")),  # one second inside the window: converts
        (3, 2, "trial", ts("2024-01-21 10:00")),
        (4, 2, "trial", ts("2024-01-25 10:00")),  # a second trial does not reopen the window
        (5, 2, "paid", ts("2024-01-28 10:00")),  # exactly at the window's end: does not convert
        (6, 3, "trial", ts("2024-01-31 23:00")),
        (7, 3, "paid", ts("2024-01-31 23:00")),  # at the same instant as the trial: converts
        (8, 4, "paid", ts("2024-02-01 09:00")),  # paid before the trial: does not convert
        (9, 4, "trial", ts("2024-02-06 09:00")),
        (10, 5, "trial", ts("2024-02-15 10:00")),  # never pays: February converts no one
        (11, 6, "trial", ts("2024-03-04 10:00")),
        (12, None, "trial", ts("2024-03-10 10:00")),  # no user: in no cohort
        # app opens, for retention from the signup day
        (20, 1, "open", ts("2024-01-11 00:00")),  # first instant of day 1
        (21, 1, "open", ts("2024-01-17 23:59:59")),  # last instant of day 7
        (22, 2, "open", ts("2024-01-22 00:00")),  # day 2 (not day 1), first instant of the next week
        (23, 2, "open", ts("2024-01-27 00:00")),  # first instant of day 7
        (24, 3, "open", ts("2024-02-01 00:10")),  # day 1 is in the next month
        (25, 4, "open", ts("2024-02-12 08:00")),  # day 7, and the week after a Monday signup
        (26, 6, "open", ts("2024-03-03 11:00")),  # the signup day itself: day 0 is not retention
    ],
)

ORDERS = Table(
    "aarrr.orders",
    (("order_id", "integer"), ("user_id", "integer"), ("paid_on", "date"), ("amount", "decimal")),
    [
        (1, 1, date(2024, 1, 5), Decimal("100.00")),
        (2, 2, date(2024, 1, 20), Decimal("50.00")),
        (3, 1, date(2024, 2, 10), Decimal("30.00")),
        # no order in March 2024: April has no previous period
        (4, 3, date(2024, 4, 2), Decimal("20.00")),
        (5, 1, date(2024, 4, 30), Decimal("10.00")),
        (6, 4, date(2025, 1, 15), Decimal("200.00")),
        (7, 2, date(2025, 2, 1), Decimal("0.00")),  # a zero period: growth after it divides by 0
        (8, 5, date(2025, 3, 31), Decimal("40.00")),
        (9, None, date(2025, 3, 1), Decimal("5.00")),  # no user: not a buyer, city NULL
        (10, None, date(2025, 2, 20), Decimal("0.00")),  # the NULL city's previous month, still 0 in total
    ],
)


def lead(lead_id: int, region: str | None, *times: str | None) -> tuple[object, ...]:
    return (lead_id, region, *(ts(t) if t else None for t in times))


LEADS = Table(
    "aarrr.leads",
    (
        ("lead_id", "integer"),
        ("region", "string"),
        ("reached_at", "timestamp"),
        ("trial_at", "timestamp"),
        ("signed_at", "timestamp"),
        ("paid_at", "timestamp"),
    ),
    [
        #        region   reached             trial                  signed              paid
        lead(1, "north", "2024-01-02 10:00", "2024-01-05 10:00", "2024-01-10 10:00", "2024-01-20 10:00"),
        lead(2, "north", "2024-01-03 10:00", None, "2024-01-08 10:00", "2024-01-09 10:00"),  # skips the trial
        lead(3, "south", "2024-01-15 10:00", "2024-01-15 10:00", None, None),  # trial at the reach instant
        lead(4, None, "2024-01-20 10:00", "2024-01-10 10:00", "2024-01-25 10:00", None),  # trial before reach
        lead(5, "south", "2024-02-01 10:00", "2024-02-10 10:00", "2024-03-20 10:00", "2024-03-21 10:00"),
        lead(6, "north", None, "2024-02-02 10:00", None, None),  # never reached: not in the funnel
        # trial one second inside 30 days of reach; signed exactly 30 days after reach
        lead(7, "south", "2024-02-28 23:00", "2024-03-29 22:59:59", "2024-03-29 23:00", "2024-04-01 10:00"),
    ],
)

TABLES = {t.name.split(".", 1)[1]: t for t in (USERS, EVENTS, ORDERS, LEADS)}

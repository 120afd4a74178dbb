"""The rows every engine in the matrix is loaded with: the seeded demo warehouse plus hand-made edge rows.

The edge rows make sure the matrix meets: text that looks like SQL (quotes, backslashes, `;`, comments,
keywords) and Chinese text as dimension values, NULL dimension values, facts whose dimension row is missing
(LEFT JOIN → NULL group), zero amounts, and days where a ratio's denominator is 0.

`fact_visits` is small and made by hand, so cases can state their rows: integer columns whose averages and
ratios repeat forever (5/3, 1/3), and a time column that is a DATE (2024-03-01 is a Friday; 03-04, 03-11 and
04-01 are Mondays).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from catalog.demo_data import Table, generate

TABLES = ("dw.dim_users", "dw.dim_teachers", "dw.fact_orders", "dw.fact_refunds", "dw.fact_lessons")
ROWS, SEED = 1_500, 11

HOSTILE_CITY = "O'Brien\\'; DROP TABLE dim_users; -- 北京"
HOSTILE_CHANNEL = "kol') OR 1=1 /* x */"
KEYWORD_CHANNEL = "SELECT"
MISSING_USER = 99_999
"""A user id with orders and lessons but no row in dim_users."""

_EXTRA_USERS = [
    # user_id, signup_at, signup_date, channel, city, segment, grade, device, first_lesson_at, days
    (9001, datetime(2024, 3, 4, 10), date(2024, 3, 4), None, HOSTILE_CITY, "adult", None, "pc", None, None),
    (9002, datetime(2024, 3, 5, 11), date(2024, 3, 5), HOSTILE_CHANNEL, None, "k12", "G3", "ios", None, None),
    (
        9003,
        datetime(2024, 3, 6, 12),
        date(2024, 3, 6),
        KEYWORD_CHANNEL,
        "上海",
        "adult",
        None,
        "pc",
        None,
        None,
    ),
]
_T = datetime(2024, 3, 10, 9, 30)
_EXTRA_ORDERS = [
    # order_id, user_id, created_at, paid_at, status, category, amount, coupon, is_renewal, seq
    (90001, 9001, _T, _T, "paid", "k12_math", Decimal("1999.00"), Decimal("0.00"), False, 1),
    (90002, 9001, _T, _T, "refunded", "k12_math", Decimal("0.00"), Decimal("0.00"), True, 2),
    (90003, 9002, _T, _T, "paid", "programming", Decimal("5999.00"), Decimal("100.00"), False, 1),
    (90004, 9003, _T, None, "pending", "programming", Decimal("2999.00"), Decimal("0.00"), False, None),
    (90005, MISSING_USER, _T, _T, "paid", "ielts_toefl", Decimal("8999.00"), Decimal("0.00"), False, 1),
]
_EXTRA_LESSONS = [
    # attendance_id, user_id, teacher_id, type, category, status, attended, minutes, rating, scheduled,
    # attended_at
    (90001, 9001, None, "trial", "k12_math", "attended", True, 40, 5, _T, _T),
    (90002, MISSING_USER, 1, "regular", "ielts_toefl", "cancelled", False, 0, None, _T, None),
    (90003, 9002, 1, "regular", "programming", "student_absent", False, 0, None, _T, None),
]
_EXTRA_REFUNDS = [(90001, 90002, 9001, Decimal("0.00"), datetime(2024, 3, 12, 8), "other")]
VISITS = Table(
    "dw.fact_visits",
    (
        ("visit_id", "integer"),
        ("user_id", "integer"),
        ("visit_date", "date"),
        ("pages", "integer"),
        ("seconds", "integer"),
        ("visit_kind", "string"),
    ),
    [
        (1, 9001, date(2024, 2, 29), 1, 40, "ad"),
        (2, 9002, date(2024, 3, 1), 2, 50, "ad"),
        (3, 9003, date(2024, 3, 1), 2, 70, "ad"),
        (4, 9001, date(2024, 3, 1), 1, 10, "search"),
        (5, 9002, date(2024, 3, 10), 1, 20, "search"),
        (6, MISSING_USER, date(2024, 3, 10), 2, 25, "search"),
        (7, 9003, date(2024, 3, 11), 4, 100, None),
        (8, 9001, date(2024, 4, 1), 3, 35, None),
    ],
)


@cache
def dataset() -> dict[str, Table]:
    """Short table name (`dim_users`) → table, with the edge rows appended."""
    tables = generate(ROWS, SEED)
    extras = {
        "dw.dim_users": _EXTRA_USERS,
        "dw.fact_orders": _EXTRA_ORDERS,
        "dw.fact_lessons": _EXTRA_LESSONS,
        "dw.fact_refunds": _EXTRA_REFUNDS,
    }
    return {
        **{
            name.split(".", 1)[1]: replace(tables[name], rows=[*tables[name].rows, *extras.get(name, [])])
            for name in TABLES
        },
        "fact_visits": VISITS,
    }

"""Five standard-library AARRR metrics computed in plain Python from the generated demo rows.

Written from docs/aarrr-types.md and the YAML definitions, with Python's datetime — never from the compiler's
SQL — so the compiled queries are checked against an independent reading of each definition.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from catalog.demo_data import Table

Rows = list[dict[str, Any]]
Reference = Callable[[dict[str, Table]], list[tuple[Any, ...]]]


def _rows(table: Table) -> Rows:
    names = [name for name, _ in table.columns]
    return [dict(zip(names, row, strict=True)) for row in table.rows]


def _month(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _paid(tables: dict[str, Table]) -> Rows:
    return [o for o in _rows(tables["dw.fact_orders"]) if o["status"] in ("paid", "refunded")]


def _cohort_share(firsts: dict[Any, datetime], hit: Callable[[Any, datetime], bool]) -> list[tuple[Any, ...]]:
    cohorts: dict[date, list[bool]] = defaultdict(list)
    for who, first in firsts.items():
        cohorts[_month(first)].append(hit(who, first))
    return [(m, sum(flags) / len(flags)) for m, flags in cohorts.items()]


def trial_to_paid_14d(tables: dict[str, Table]) -> list[tuple[Any, ...]]:
    firsts: dict[Any, datetime] = {}
    for lesson in _rows(tables["dw.fact_lessons"]):
        if lesson["lesson_type"] == "trial" and lesson["attended"] and lesson["user_id"] is not None:
            user = lesson["user_id"]
            firsts[user] = min(firsts.get(user, lesson["scheduled_at"]), lesson["scheduled_at"])
    payments: dict[Any, list[datetime]] = defaultdict(list)
    for order in _paid(tables):
        payments[order["user_id"]].append(order["paid_at"])
    return _cohort_share(
        firsts, lambda user, first: any(first <= paid < first + timedelta(days=14) for paid in payments[user])
    )


def d7_retention(tables: dict[str, Table]) -> list[tuple[Any, ...]]:
    firsts = {u["user_id"]: u["signup_at"] for u in _rows(tables["dw.dim_users"])}
    opens: dict[Any, set[date]] = defaultdict(set)
    for event in _rows(tables["dw.fact_app_events"]):
        if event["event_name"] == "app_open":
            opens[event["user_id"]].add(event["event_time"].date())
    return _cohort_share(firsts, lambda user, first: first.date() + timedelta(days=7) in opens[user])


def sales_funnel(tables: dict[str, Table]) -> list[tuple[Any, ...]]:
    steps = (
        "reached_at",
        "trial_at",
        "signed_at",
        "project_setup_at",
        "paid_at",
        "regular_use_at",
        "referred_at",
    )
    counts: dict[date, list[int]] = defaultdict(lambda: [0] * len(steps))
    for lead in _rows(tables["dw.fact_leads"]):
        entry = lead["reached_at"]
        if entry is None:
            continue
        previous = entry
        for k, step in enumerate(steps):
            at = lead[step]
            if at is None or at < previous or at >= entry + timedelta(days=365):
                break
            counts[_month(entry)][k] += 1
            previous = at
    return [
        (m, *c, *(c[k] / c[k - 1] if c[k - 1] else None for k in range(1, len(c)))) for m, c in counts.items()
    ]


def gmv_mom(tables: dict[str, Table]) -> list[tuple[Any, ...]]:
    gmv: dict[date, Decimal] = defaultdict(Decimal)
    for order in _paid(tables):
        gmv[_month(order["paid_at"])] += order["amount"]
    result = []
    for m, value in gmv.items():
        before = gmv.get(_add_months(m, -1))
        result.append((m, float(value - before) / float(before) if before else None))
    return result


def paying_users_90d(tables: dict[str, Table]) -> list[tuple[Any, ...]]:
    paid = _paid(tables)
    result = []
    for m in {_month(o["paid_at"]) for o in paid}:
        end = datetime.combine(_add_months(m, 1), datetime.min.time())
        users = {o["user_id"] for o in paid if end - timedelta(days=90) <= o["paid_at"] < end}
        result.append((m, len(users - {None})))
    return result


REFERENCES: dict[str, Reference] = {
    "trial_to_paid_conversion_14d": trial_to_paid_14d,
    "d7_retention": d7_retention,
    "sales_funnel": sales_funnel,
    "gmv_mom": gmv_mom,
    "paying_users_90d": paying_users_90d,
}
"""Library metric → its reference rows at the month grain, over all the data."""

"""The engine matrix: each case is a metric query and a hand-written reference query for the same rows.

References are written once in portable SQL, independently of the compiler (plain GROUP BY + CASE, and for
several sources a UNION ALL summed back together). The only per-engine parts are filled in by `reference()`:
`{s}` the schema, `{f}` the float type, and the date bucket `{month:o.paid_at}` (also day, week, quarter,
year), spelled by hand per engine in `BUCKETS` — not by the compiler.

Cases over the hand-made `fact_visits` rows state their `expected` rows instead, worked out by hand: an
engine's own AVG or `/` cannot be the reference when the point is that engines compute them differently.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .dataset import HOSTILE_CHANNEL

O_U = "{s}.fact_orders o LEFT JOIN {s}.dim_users u ON o.user_id = u.user_id"
L_U = "{s}.fact_lessons l LEFT JOIN {s}.dim_users u ON l.user_id = u.user_id"
R_U = "{s}.fact_refunds r LEFT JOIN {s}.dim_users u ON r.user_id = u.user_id"
PAID = "o.status IN ('paid', 'refunded')"
BIG = f"{PAID} AND o.amount >= 5000"


Row = tuple[Any, ...]


@dataclass(frozen=True)
class Case:
    id: str
    query: dict[str, Any]
    reference: str = ""
    ordered: bool = False
    """Compare rows in order (the query has order_by), not as a multiset."""
    notes: str = field(default="", compare=False)
    expected: list[Row] | None = None
    """The rows, worked out by hand, when there is no reference query."""


BUCKETS: dict[str, dict[str, str]] = {
    "duckdb": {
        "day": "CAST({x} AS DATE)",
        "week": "CAST(DATE_TRUNC('week', {x}) AS DATE)",
        "month": "CAST(DATE_TRUNC('month', {x}) AS DATE)",
        "quarter": "CAST(DATE_TRUNC('quarter', {x}) AS DATE)",
        "year": "CAST(DATE_TRUNC('year', {x}) AS DATE)",
    },
    "postgres": {
        "day": "CAST({x} AS DATE)",
        "week": "CAST(DATE_TRUNC('week', {x}) AS DATE)",
        "month": "CAST(DATE_TRUNC('month', {x}) AS DATE)",
        "quarter": "CAST(DATE_TRUNC('quarter', {x}) AS DATE)",
        "year": "CAST(DATE_TRUNC('year', {x}) AS DATE)",
    },
    "sqlite": {
        "day": "DATE({x})",
        "week": "DATE({x}, '-' || ((CAST(STRFTIME('%w', {x}) AS INTEGER) + 6) % 7) || ' days')",
        "month": "STRFTIME('%Y-%m-01', {x})",
        "quarter": "PRINTF('%s-%02d-01', STRFTIME('%Y', {x}), "
        "((CAST(STRFTIME('%m', {x}) AS INTEGER) - 1) / 3) * 3 + 1)",
        "year": "STRFTIME('%Y-01-01', {x})",
    },
    "mysql": {
        "day": "DATE({x})",
        "week": "DATE({x}) - INTERVAL WEEKDAY({x}) DAY",
        "month": "DATE_FORMAT({x}, '%Y-%m-01')",
        "quarter": "CONCAT(YEAR({x}), '-', LPAD((QUARTER({x}) - 1) * 3 + 1, 2, '0'), '-01')",
        "year": "CONCAT(YEAR({x}), '-01-01')",
    },
    # DAYOFWEEK is 1 on Sunday … 7 on Saturday: (d + 5) % 7 days back is the Monday.
    "spark": {
        "day": "TO_DATE({x})",
        "week": "DATE_SUB(TO_DATE({x}), (DAYOFWEEK({x}) + 5) % 7)",
        "month": "MAKE_DATE(YEAR({x}), MONTH({x}), 1)",
        "quarter": "MAKE_DATE(YEAR({x}), (QUARTER({x}) - 1) * 3 + 1, 1)",
        "year": "MAKE_DATE(YEAR({x}), 1, 1)",
    },
    # toStartOfWeek mode 1: weeks start on Monday.
    "clickhouse": {
        "day": "toDate({x})",
        "week": "toStartOfWeek({x}, 1)",
        "month": "toStartOfMonth({x})",
        "quarter": "toStartOfQuarter({x})",
        "year": "toStartOfYear({x})",
    },
}
FLOAT = {
    "duckdb": "DOUBLE",
    "postgres": "DOUBLE PRECISION",
    "sqlite": "REAL",
    "mysql": "DOUBLE",
    "spark": "DOUBLE",
    "clickhouse": "Nullable(Float64)",  # CAST(NULL AS Float64) is an error
}


class _Bucket:
    def __init__(self, engine: str, grain: str) -> None:
        self.template = BUCKETS[engine][grain]

    def __format__(self, column: str) -> str:
        return self.template.replace("{x}", column)


def reference(case: Case, engine: str, schema: str) -> str:
    """The case's reference SQL for one engine."""
    values: dict[str, Any] = {"s": schema, "f": FLOAT[engine]}
    values.update({grain: _Bucket(engine, grain) for grain in BUCKETS[engine]})
    return string.Formatter().vformat(case.reference, (), values)


def q(*metrics: str, by: tuple[str, ...] = (), grain: str | None = None, **more: Any) -> dict[str, Any]:
    return {"metrics": list(metrics), "dimensions": list(by), "grain": grain, **more}


CASES: list[Case] = [
    # --- atomic aggregations --------------------------------------------------------------------------------
    Case("sum_total", q("gmv"), f"SELECT SUM(o.amount) FROM {{s}}.fact_orders o WHERE {PAID}"),
    Case(
        "count_by_channel_null_groups",
        q("paid_orders", by=("channel",)),
        f"SELECT u.channel, COUNT(*) FROM {O_U} WHERE {PAID} GROUP BY u.channel",
        notes="NULL channel and a user missing from dim_users are both the NULL group",
    ),
    Case(
        "count_distinct_by_unicode_city",
        q("paying_users", by=("city",)),
        f"SELECT u.city, COUNT(DISTINCT o.user_id) FROM {O_U} WHERE {PAID} GROUP BY u.city",
    ),
    Case(
        "avg_by_segment",
        q("avg_paid_amount", by=("segment",)),
        f"SELECT u.segment, CAST(SUM(o.amount) AS {{f}}) / COUNT(o.amount) FROM {O_U} WHERE o.status = 'paid' "
        "GROUP BY u.segment",
        notes="the reference divides in floating point: MariaDB's own AVG keeps only 4 more decimals",
    ),
    Case(
        "min_max_same_source_dimension",
        q("max_amount", "min_amount", by=("course_category",)),
        "SELECT o.course_category, MAX(o.amount), MIN(o.amount) FROM {s}.fact_orders o "
        "GROUP BY o.course_category",
    ),
    Case(
        "case_expression_dimension",
        q("gmv", by=("order_kind",)),
        "SELECT CASE WHEN o.is_renewal THEN 'renewal' ELSE 'new_purchase' END, SUM(o.amount) "
        f"FROM {{s}}.fact_orders o WHERE {PAID} "
        "GROUP BY CASE WHEN o.is_renewal THEN 'renewal' ELSE 'new_purchase' END",
    ),
    Case(
        "metric_on_dimension_source",
        q("new_users", by=("channel",), grain="month"),
        "SELECT {month:u.signup_at}, u.channel, COUNT(*) FROM {s}.dim_users u "
        "GROUP BY {month:u.signup_at}, u.channel",
    ),
    # --- every grain ----------------------------------------------------------------------------------------
    Case(
        "grain_day",
        q("gmv", grain="day"),
        f"SELECT {{day:o.paid_at}}, SUM(o.amount) FROM {{s}}.fact_orders o WHERE {PAID} "
        "GROUP BY {day:o.paid_at}",
    ),
    Case(
        "grain_week_monday",
        q("paid_orders", grain="week"),
        f"SELECT {{week:o.paid_at}}, COUNT(*) FROM {{s}}.fact_orders o WHERE {PAID} "
        "GROUP BY {week:o.paid_at}",
    ),
    Case(
        "grain_month_by_channel",
        q("gmv", "paid_orders", by=("channel",), grain="month"),
        f"SELECT {{month:o.paid_at}}, u.channel, SUM(o.amount), COUNT(*) FROM {O_U} WHERE {PAID} "
        "GROUP BY {month:o.paid_at}, u.channel",
    ),
    Case(
        "grain_quarter_shorthand",
        q("paying_users", by=("metric_time__quarter",)),
        f"SELECT {{quarter:o.paid_at}}, COUNT(DISTINCT o.user_id) FROM {{s}}.fact_orders o WHERE {PAID} "
        "GROUP BY {quarter:o.paid_at}",
    ),
    Case(
        "grain_year_by_city",
        q("gmv", by=("city",), grain="year"),
        f"SELECT {{year:o.paid_at}}, u.city, SUM(o.amount) FROM {O_U} WHERE {PAID} "
        "GROUP BY {year:o.paid_at}, u.city",
    ),
    Case(
        "grain_week_on_date_column",
        q("new_users", by=("segment",), grain="week"),
        "SELECT {week:u.signup_date}, u.segment, COUNT(*) FROM {s}.dim_users u "
        "GROUP BY {week:u.signup_date}, u.segment",
    ),
    # --- several time columns and sources -------------------------------------------------------------------
    Case(
        "same_source_two_time_columns",
        q("orders_created", "paid_orders", grain="month"),
        "SELECT m, COALESCE(SUM(a), 0), COALESCE(SUM(b), 0) FROM ("
        " SELECT {month:o.created_at} AS m, COUNT(*) AS a, NULL AS b FROM {s}.fact_orders o"
        " GROUP BY {month:o.created_at}"
        " UNION ALL"
        f" SELECT {{month:o.paid_at}} AS m, NULL AS a, COUNT(*) AS b FROM {{s}}.fact_orders o WHERE {PAID}"
        " GROUP BY {month:o.paid_at}) x GROUP BY m",
    ),
    Case(
        "orders_and_lessons_by_city",
        q("gmv", "lessons_attended", "attendance_rate", by=("city",)),
        "SELECT city, SUM(g), COALESCE(SUM(a), 0),"
        " CAST(COALESCE(SUM(a), 0) AS {f}) / NULLIF(COALESCE(SUM(n), 0), 0)"
        " FROM ("
        f" SELECT u.city AS city, SUM(o.amount) AS g, NULL AS a, NULL AS n FROM {O_U} WHERE {PAID}"
        " GROUP BY u.city"
        " UNION ALL"
        " SELECT u.city, NULL, SUM(CASE WHEN l.attended = TRUE THEN 1 ELSE 0 END), COUNT(*)"
        f" FROM {L_U} GROUP BY u.city) x GROUP BY city",
    ),
    Case(
        "two_hop_join",
        q("refund_amount", by=("course_category",)),
        "SELECT o.course_category, SUM(r.amount) FROM {s}.fact_refunds r "
        "LEFT JOIN {s}.fact_orders o ON r.order_id = o.order_id GROUP BY o.course_category",
    ),
    Case(
        "null_join_key_group",
        q("lessons_scheduled", "minutes_taught", by=("teacher_subject", "channel")),
        "SELECT t.subject, u.channel, COUNT(*), SUM(l.minutes) FROM {s}.fact_lessons l "
        "LEFT JOIN {s}.dim_teachers t ON l.teacher_id = t.teacher_id "
        "LEFT JOIN {s}.dim_users u ON l.user_id = u.user_id GROUP BY t.subject, u.channel",
    ),
    # --- ratios and derived metrics -------------------------------------------------------------------------
    Case(
        "ratio_same_source",
        q("aov", by=("channel",), grain="month"),
        f"SELECT {{month:o.paid_at}}, u.channel, CAST(SUM(o.amount) AS {{f}}) / NULLIF(COUNT(*), 0) "
        f"FROM {O_U} "
        f"WHERE {PAID} GROUP BY {{month:o.paid_at}}, u.channel",
    ),
    Case(
        "ratio_division_by_zero",
        q("gmv", "big_aov", grain="day"),
        "SELECT {day:o.paid_at}, SUM(o.amount), "
        "CAST(SUM(CASE WHEN o.amount >= 5000 THEN o.amount END) AS {f}) "
        "/ NULLIF(SUM(CASE WHEN o.amount >= 5000 THEN 1 ELSE 0 END), 0) "
        f"FROM {{s}}.fact_orders o WHERE {PAID} GROUP BY {{day:o.paid_at}}",
        notes="days without a big order: 0 big orders, so NULL",
    ),
    Case(
        "ratio_across_sources",
        q("refund_rate", grain="month"),
        "SELECT m, CAST(COALESCE(SUM(r), 0) AS {f}) / NULLIF(COALESCE(SUM(p), 0), 0) FROM ("
        " SELECT {month:r.refunded_at} AS m, COUNT(*) AS r, NULL AS p FROM {s}.fact_refunds r"
        " GROUP BY {month:r.refunded_at}"
        " UNION ALL"
        f" SELECT {{month:o.paid_at}}, NULL, COUNT(*) FROM {{s}}.fact_orders o WHERE {PAID}"
        " GROUP BY {month:o.paid_at}) x GROUP BY m",
    ),
    Case(
        "derived_across_sources",
        q("net_revenue", by=("channel",), grain="quarter"),
        "SELECT m, channel, SUM(g) - SUM(r) FROM ("
        f" SELECT {{quarter:o.paid_at}} AS m, u.channel AS channel, SUM(o.amount) AS g, NULL AS r FROM {O_U}"
        f" WHERE {PAID} GROUP BY {{quarter:o.paid_at}}, u.channel"
        " UNION ALL"
        f" SELECT {{quarter:r.refunded_at}}, u.channel, NULL, SUM(r.amount) FROM {R_U}"
        " GROUP BY {quarter:r.refunded_at}, u.channel) x GROUP BY m, channel",
        notes="SQL arithmetic: a period with no refunds has NULL refund_amount, so NULL net_revenue",
    ),
    Case(
        "nested_derived",
        q("net_aov", "net_revenue", "paid_orders", grain="year"),
        "SELECT m, CAST(SUM(g) - SUM(r) AS {f}) / NULLIF(COALESCE(SUM(p), 0), 0), SUM(g) - SUM(r),"
        " COALESCE(SUM(p), 0) FROM ("
        " SELECT {year:o.paid_at} AS m, SUM(o.amount) AS g, NULL AS r, COUNT(*) AS p"
        " FROM {s}.fact_orders o"
        f" WHERE {PAID} GROUP BY {{year:o.paid_at}}"
        " UNION ALL"
        " SELECT {year:r.refunded_at}, NULL, SUM(r.amount), NULL FROM {s}.fact_refunds r"
        " GROUP BY {year:r.refunded_at}) x GROUP BY m",
    ),
    Case(
        "derived_count_over_count",
        q("orders_per_payer", by=("segment",)),
        f"SELECT u.segment, CAST(COUNT(*) AS {{f}}) / NULLIF(COUNT(DISTINCT o.user_id), 0) FROM {O_U} "
        f"WHERE {PAID} GROUP BY u.segment",
    ),
    Case(
        "derived_dividing_sources",
        q("gmv_per_lesson", by=("channel",), grain="month"),
        "SELECT m, channel, CAST(SUM(g) AS {f}) / NULLIF(COALESCE(SUM(a), 0), 0) FROM ("
        f" SELECT {{month:o.paid_at}} AS m, u.channel AS channel, SUM(o.amount) AS g, NULL AS a FROM {O_U}"
        f" WHERE {PAID} GROUP BY {{month:o.paid_at}}, u.channel"
        " UNION ALL"
        " SELECT {month:l.scheduled_at}, u.channel, NULL, COUNT(*)"
        f" FROM {L_U} WHERE l.attended = TRUE GROUP BY {{month:l.scheduled_at}}, u.channel) x"
        " GROUP BY m, channel",
        notes="a metric's own filter decides which groups it has data for",
    ),
    # --- every filter op ----------------------------------------------------------------------------------
    Case(
        "filter_eq",
        q("paid_orders", by=("channel",), filters=[{"dimension": "segment", "op": "=", "values": ["adult"]}]),
        f"SELECT u.channel, COUNT(*) FROM {O_U} WHERE {PAID} AND u.segment = 'adult' GROUP BY u.channel",
    ),
    Case(
        "filter_neq_drops_nulls",
        q("gmv", by=("channel",), filters=[{"dimension": "channel", "op": "!=", "values": ["kol"]}]),
        f"SELECT u.channel, SUM(o.amount) FROM {O_U} WHERE {PAID} AND u.channel <> 'kol' GROUP BY u.channel",
    ),
    Case(
        "filter_in_unicode",
        q(
            "gmv",
            "lessons_scheduled",
            by=("city",),
            filters=[{"dimension": "city", "op": "in", "values": ["北京", "上海"]}],
        ),
        "SELECT city, SUM(g), COALESCE(SUM(n), 0) FROM ("
        f" SELECT u.city AS city, SUM(o.amount) AS g, NULL AS n FROM {O_U}"
        f" WHERE {PAID} AND u.city IN ('北京', '上海') GROUP BY u.city"
        " UNION ALL"
        f" SELECT u.city, NULL, COUNT(*) FROM {L_U} WHERE u.city IN ('北京', '上海') GROUP BY u.city"
        ") x GROUP BY city",
    ),
    Case(
        "filter_not_in",
        q(
            "paid_orders",
            by=("course_category",),
            filters=[{"dimension": "course_category", "op": "not_in", "values": ["k12_math", "programming"]}],
        ),
        "SELECT o.course_category, COUNT(*) FROM {s}.fact_orders o "
        f"WHERE {PAID} AND o.course_category NOT IN ('k12_math', 'programming') GROUP BY o.course_category",
    ),
    Case(
        "filter_lt_gte_on_date_dimension",
        q(
            "paid_orders",
            by=("segment",),
            filters=[
                {"dimension": "signup_date", "op": ">=", "values": ["2024-03-01"]},
                {"dimension": "signup_date", "op": "<", "values": ["2024-09-01"]},
            ],
        ),
        f"SELECT u.segment, COUNT(*) FROM {O_U} WHERE {PAID} "
        "AND u.signup_date >= '2024-03-01' AND u.signup_date < '2024-09-01' GROUP BY u.segment",
    ),
    Case(
        "filter_lte_gt",
        q(
            "new_users",
            by=("channel",),
            filters=[
                {"dimension": "signup_date", "op": ">", "values": ["2024-02-15"]},
                {"dimension": "signup_date", "op": "<=", "values": ["2024-05-31"]},
            ],
        ),
        "SELECT u.channel, COUNT(*) FROM {s}.dim_users u "
        "WHERE u.signup_date > '2024-02-15' AND u.signup_date <= '2024-05-31' GROUP BY u.channel",
    ),
    Case(
        "filter_between",
        q(
            "gmv",
            by=("segment",),
            grain="month",
            filters=[{"dimension": "signup_date", "op": "between", "values": ["2024-01-01", "2024-06-30"]}],
        ),
        f"SELECT {{month:o.paid_at}}, u.segment, SUM(o.amount) FROM {O_U} WHERE {PAID} "
        "AND u.signup_date BETWEEN '2024-01-01' AND '2024-06-30' GROUP BY {month:o.paid_at}, u.segment",
    ),
    Case(
        "filter_like",
        q(
            "paid_orders",
            by=("course_category",),
            filters=[{"dimension": "course_category", "op": "like", "values": ["k12%"]}],
        ),
        "SELECT o.course_category, COUNT(*) FROM {s}.fact_orders o "
        f"WHERE {PAID} AND o.course_category LIKE 'k12%' GROUP BY o.course_category",
    ),
    Case(
        "filter_is_null",
        q("gmv", "paid_orders", by=("city",), filters=[{"dimension": "channel", "op": "is_null"}]),
        f"SELECT u.city, SUM(o.amount), COUNT(*) FROM {O_U} WHERE {PAID} AND u.channel IS NULL "
        "GROUP BY u.city",
    ),
    Case(
        "filter_matches_nothing",
        q(
            "gmv",
            "lessons_scheduled",
            by=("city",),
            grain="month",
            filters=[{"dimension": "city", "op": "=", "values": ["nowhere"]}],
        ),
        f"SELECT u.city, SUM(o.amount) FROM {O_U} WHERE u.city = 'nowhere' GROUP BY u.city",
        notes="no rows; the reference is any query with no rows",
    ),
    Case(
        "filter_on_metric_time",
        q("gmv", grain="month", filters=[{"dimension": "metric_time", "op": ">=", "values": ["2024-06-01"]}]),
        f"SELECT {{month:o.paid_at}}, SUM(o.amount) FROM {{s}}.fact_orders o WHERE {PAID} "
        "AND o.paid_at >= '2024-06-01' GROUP BY {month:o.paid_at}",
    ),
    Case(
        "where_text_two_sources",
        q(
            "gmv",
            "lessons_attended",
            by=("channel",),
            where="city IN ('北京', '上海') AND (channel IS NOT NULL OR segment = 'k12')",
        ),
        "SELECT channel, SUM(g), COALESCE(SUM(a), 0) FROM ("
        f" SELECT u.channel AS channel, SUM(o.amount) AS g, NULL AS a FROM {O_U} WHERE {PAID}"
        " AND u.city IN ('北京', '上海') AND (u.channel IS NOT NULL OR u.segment = 'k12') GROUP BY u.channel"
        " UNION ALL"
        " SELECT u.channel, NULL, COUNT(*) FROM"
        f" {L_U} WHERE l.attended = TRUE AND u.city IN ('北京', '上海')"
        " AND (u.channel IS NOT NULL OR u.segment = 'k12')"
        " GROUP BY u.channel) x GROUP BY channel",
    ),
    # --- time range, order, limit ---------------------------------------------------------------------------
    Case(
        "time_range_half_open",
        q("gmv", "lessons_scheduled", grain="day", time_range={"start": "2024-03-01", "end": "2024-03-11"}),
        "SELECT d, SUM(g), COALESCE(SUM(n), 0) FROM ("
        " SELECT {day:o.paid_at} AS d, SUM(o.amount) AS g, NULL AS n"
        f" FROM {{s}}.fact_orders o WHERE {PAID}"
        " AND o.paid_at >= '2024-03-01' AND o.paid_at < '2024-03-11' GROUP BY {day:o.paid_at}"
        " UNION ALL"
        " SELECT {day:l.scheduled_at}, NULL, COUNT(*) FROM {s}.fact_lessons l"
        " WHERE l.scheduled_at >= '2024-03-01' AND l.scheduled_at < '2024-03-11'"
        " GROUP BY {day:l.scheduled_at}"
        ") x GROUP BY d",
    ),
    Case(
        "time_range_of_one_second",
        q("paid_orders", "gmv", time_range={"start": "2024-03-10T09:30:00", "end": "2024-03-10T09:30:01"}),
        f"SELECT COUNT(*), SUM(o.amount) FROM {{s}}.fact_orders o WHERE {PAID}"
        " AND o.paid_at >= '2024-03-10 09:30:00' AND o.paid_at < '2024-03-10 09:30:01'",
        notes="the edge orders' time, and nothing a second later",
    ),
    Case(
        "order_desc_limit",
        q("gmv", by=("channel",), order_by=["-gmv"], limit=3),
        f"SELECT u.channel, SUM(o.amount) AS g FROM {O_U} WHERE {PAID} GROUP BY u.channel "
        "ORDER BY CASE WHEN SUM(o.amount) IS NULL THEN 1 ELSE 0 END, g DESC LIMIT 3",
        ordered=True,
    ),
    Case(
        "order_asc_nulls_last",
        q("paid_orders", by=("channel",), order_by=["channel"]),
        f"SELECT u.channel, COUNT(*) FROM {O_U} WHERE {PAID} GROUP BY u.channel "
        "ORDER BY CASE WHEN u.channel IS NULL THEN 1 ELSE 0 END, u.channel",
        ordered=True,
    ),
    # --- hand-made visits: exact averages and ratios, DATE time columns (typed and untyped) ---------------
    Case(
        "avg_of_integers_repeats_forever",
        q("avg_pages", by=("visit_kind",)),
        expected=[("ad", 5 / 3), ("search", 4 / 3), (None, 7 / 2)],
        notes="pages 1, 2, 2 | 1, 1, 2 | 4, 3: MariaDB's AVG of integers would stop at 1.6667",
    ),
    Case(
        "ratio_repeats_forever_by_month_of_a_date",
        q("ad_share", "visits", grain="month"),
        expected=[(date(2024, 2, 1), 1.0, 1), (date(2024, 3, 1), 1 / 3, 6), (date(2024, 4, 1), 0.0, 1)],
    ),
    Case(
        "division_inside_a_definition_is_in_floating_point",
        q("minutes_on_site", by=("visit_kind",)),
        expected=[("ad", 160 / 60), ("search", 55 / 60), (None, 135 / 60)],
        notes="seconds / 60 per row: PostgreSQL and SQLite would divide integers as integers (0)",
    ),
    Case(
        "avg_through_a_join",
        q("avg_pages", by=("channel",)),
        expected=[(None, 7 / 4), (HOSTILE_CHANNEL, 3 / 2), ("SELECT", 3.0)],
        notes="users 9001 and 99999 (missing) are the NULL channel",
    ),
    Case(
        "time_range_on_a_date_column",
        q("visits", "avg_pages", grain="week", time_range={"start": "2024-03-01", "end": "2024-03-11"}),
        expected=[(date(2024, 2, 26), 3, 5 / 3), (date(2024, 3, 4), 2, 3 / 2)],
        notes="02-29 is before the range, 03-11 is its end: both out",
    ),
    Case(
        "time_range_on_an_untyped_date_column",
        q("visits_untyped", grain="day", time_range={"start": "2024-03-01", "end": "2024-03-11"}),
        expected=[(date(2024, 3, 1), 3), (date(2024, 3, 10), 2)],
        notes="SQLite stores the DATE as text '2024-03-01', which must not be compared as a timestamp text",
    ),
    Case(
        "grain_week_on_an_untyped_date_column",
        q("visits_untyped", "avg_pages_untyped", grain="week"),
        expected=[
            (date(2024, 2, 26), 4, 6 / 4),
            (date(2024, 3, 4), 2, 3 / 2),
            (date(2024, 3, 11), 1, 4.0),
            (date(2024, 4, 1), 1, 3.0),
        ],
    ),
    Case(
        "time_range_with_offsets_is_converted_to_the_warehouse_zone",
        q(
            "visits",
            "visits_untyped",
            grain="day",
            time_range={"start": "2024-03-01T08:00:00+08:00", "end": "2024-03-11T08:00:00+08:00"},
        ),
        expected=[(date(2024, 3, 1), 3, 3), (date(2024, 3, 10), 2, 2)],
        notes="08:00 at +08:00 is midnight UTC, the default warehouse time zone",
    ),
    Case(
        "time_range_in_utc_read_in_a_named_warehouse_zone",
        q(
            "visits_untyped",
            grain="day",
            time_zone="Asia/Shanghai",
            time_range={"start": "2024-02-29T16:00:00Z", "end": "2024-03-10T16:00:00Z"},
        ),
        expected=[(date(2024, 3, 1), 3), (date(2024, 3, 10), 2)],
    ),
    Case(
        "where_conditions_in_a_list_all_hold",
        q("visits", by=("visit_kind",), where=["visit_kind = 'ad' OR visit_kind IS NULL", "channel IS NULL"]),
        expected=[("ad", 1), (None, 1)],
        notes="either condition alone gives more rows: ad 3 and NULL 2, or search 2 as well",
    ),
]

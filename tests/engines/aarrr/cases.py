"""The AARRR engine cases: a query over the rows of `dataset`, and the rows it returns, worked out by hand.

Each expected row follows from the comments in `dataset.py` and the semantics in docs/aarrr-types.md; they are
written out, not computed, so a change of meaning fails here on every engine at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

Row = tuple[Any, ...]
FUNNEL = (
    "lead_funnel__step_1",
    "lead_funnel__step_2",
    "lead_funnel__step_3",
    "lead_funnel__step_4",
    "lead_funnel__rate_2",
    "lead_funnel__rate_3",
    "lead_funnel__rate_4",
)


@dataclass(frozen=True)
class Case:
    id: str
    query: dict[str, Any]
    columns: tuple[str, ...]
    rows: list[Row]


def month(y: int, m: int) -> date:
    return date(y, m, 1)


JAN, FEB, MAR, APR = month(2024, 1), month(2024, 2), month(2024, 3), month(2024, 4)
JAN25, FEB25, MAR25 = month(2025, 1), month(2025, 2), month(2025, 3)
MONTHLY_REVENUE = {JAN: 150, FEB: 30, APR: 30, JAN25: 200, FEB25: 0, MAR25: 45}

CASES = [
    # conversion: first trial → payment within [trial, trial + 7 days)
    Case(
        "conversion_edges_by_month",
        {"metrics": ["trial_to_paid_7d"], "grain": "month"},
        ("metric_time", "trial_to_paid_7d"),
        [(JAN, 2 / 3), (FEB, 0.0), (MAR, 0.0)],
    ),  # u1 (1 s inside) and u3 (same instant); u2 at the edge
    Case(
        "conversion_null_channel_is_a_group",
        {"metrics": ["trial_to_paid_7d"], "grain": "month", "dimensions": ["channel"]},
        ("metric_time", "channel", "trial_to_paid_7d"),
        [(JAN, "ads", 0.5), (JAN, None, 1.0), (FEB, "organic", 0.0), (MAR, "ads", 0.0)],
    ),
    Case(
        "conversion_count_of_empty_cohorts_is_zero",
        {"metrics": ["trial_to_paid_count_7d"], "grain": "month"},
        ("metric_time", "trial_to_paid_count_7d"),
        [(JAN, 2), (FEB, 0), (MAR, 0)],
    ),
    Case(
        "conversion_cohort_within_time_range",
        {
            "metrics": ["trial_to_paid_7d"],
            "grain": "month",
            "time_range": {"start": "2024-01-15", "end": "2024-03-01"},
        },
        ("metric_time", "trial_to_paid_7d"),
        [(JAN, 0.5), (FEB, 0.0)],
    ),  # u1's trial (01-10) is before the range: u2 and u3 only
    Case(
        "conversion_without_grain",
        {"metrics": ["trial_to_paid_7d", "trial_to_paid_count_7d"]},
        ("trial_to_paid_7d", "trial_to_paid_count_7d"),
        [(2 / 6, 2)],
    ),  # the trial without a user is in no cohort
    Case(
        "conversion_filtered_by_dimension",
        {
            "metrics": ["trial_to_paid_7d"],
            "grain": "month",
            "filters": [{"dimension": "channel", "op": "=", "values": ["ads"]}],
        },
        ("metric_time", "trial_to_paid_7d"),
        [(JAN, 0.5), (MAR, 0.0)],
    ),
    # retention: cohort = signup period; active in the offset's calendar unit
    Case(
        "retention_day_1",
        {"metrics": ["d1_ret"], "grain": "month"},
        ("metric_time", "d1_ret"),
        [(JAN, 2 / 3), (FEB, 0.0), (MAR, 0.0)],
    ),  # u1 at 00:00 of day 1, u3 across the month end
    Case(
        "retention_day_7_edges",
        {"metrics": ["d7_ret"], "grain": "month"},
        ("metric_time", "d7_ret"),
        [(JAN, 2 / 3), (FEB, 0.5), (MAR, 0.0)],
    ),  # u1 at 23:59:59 of day 7, u2 at 00:00 of day 7
    Case(
        "retention_week_1_mondays",
        {"metrics": ["w1_ret"], "grain": "month"},
        ("metric_time", "w1_ret"),
        [(JAN, 2 / 3), (FEB, 0.5), (MAR, 0.0)],
    ),
    Case(
        "retention_month_1",
        {"metrics": ["m1_ret"], "grain": "month"},
        ("metric_time", "m1_ret"),
        [(JAN, 1 / 3), (FEB, 0.0), (MAR, 0.0)],
    ),
    Case(
        "retention_by_channel",
        {"metrics": ["d7_ret"], "grain": "month", "dimensions": ["channel"]},
        ("metric_time", "channel", "d7_ret"),
        [(JAN, "ads", 1.0), (JAN, None, 0.0), (FEB, "organic", 0.5), (MAR, "ads", 0.0)],
    ),
    Case(
        "retention_weekly_cohorts",
        {"metrics": ["d1_ret"], "grain": "week"},
        ("metric_time", "d1_ret"),
        [
            (date(2024, 1, 8), 1.0),
            (date(2024, 1, 15), 0.0),
            (date(2024, 1, 29), 1.0),
            (date(2024, 2, 5), 0.0),
            (date(2024, 2, 12), 0.0),
            (date(2024, 2, 26), 0.0),
        ],
    ),
    # cumulative: recomputed over [range start, end of period) or a trailing window
    Case(
        "cumulative_running_total",
        {"metrics": ["revenue_running"], "grain": "month"},
        ("metric_time", "revenue_running"),
        [(JAN, 150), (FEB, 180), (APR, 210), (JAN25, 410), (FEB25, 410), (MAR25, 455)],
    ),
    Case(
        "cumulative_starts_at_range_start",
        {
            "metrics": ["revenue_running"],
            "grain": "month",
            "time_range": {"start": "2024-02-01", "end": "2025-02-01"},
        },
        ("metric_time", "revenue_running"),
        [(FEB, 30), (APR, 60), (JAN25, 260)],
    ),
    Case(
        "cumulative_distinct_is_recounted",
        {"metrics": ["buyers_running"], "grain": "month"},
        ("metric_time", "buyers_running"),
        [(JAN, 2), (FEB, 2), (APR, 3), (JAN25, 4), (FEB25, 4), (MAR25, 5)],
    ),  # not 2+1+2+1+1+1
    Case(
        "cumulative_trailing_window",
        {"metrics": ["buyers_2m"], "grain": "month"},
        ("metric_time", "buyers_2m"),
        [(JAN, 2), (FEB, 2), (APR, 2), (JAN25, 1), (FEB25, 2), (MAR25, 2)],
    ),
    Case(
        "cumulative_window_looks_back_before_range",
        {
            "metrics": ["buyers_2m"],
            "grain": "month",
            "time_range": {"start": "2024-02-01", "end": "2025-01-01"},
        },
        ("metric_time", "buyers_2m"),
        [(FEB, 2), (APR, 2)],
    ),
    Case(
        "cumulative_null_city_group",
        {"metrics": ["revenue_running"], "grain": "month", "dimensions": ["city"]},
        ("metric_time", "city", "revenue_running"),
        [
            (JAN, "北京", 100),
            (FEB, "北京", 130),
            (APR, "北京", 160),
            (MAR25, "北京", 200),
            (JAN, "上海", 50),
            (JAN25, "上海", 250),
            (FEB25, "上海", 250),
            (FEB25, None, 0),
            (MAR25, None, 5),
        ],
    ),
    Case(
        "cumulative_seven_days_at_day_grain",
        {"metrics": ["signups_7d"], "grain": "day"},
        ("metric_time", "signups_7d"),
        [
            (date(2024, 1, 10), 1),
            (date(2024, 1, 20), 1),
            (date(2024, 1, 31), 1),
            (date(2024, 2, 5), 2),
            (date(2024, 2, 14), 1),
            (date(2024, 3, 3), 1),
        ],
    ),
    # period over period: the period one grain (or a year) earlier; none there → NULL
    Case(
        "pop_previous_value",
        {"metrics": ["revenue_prev"], "grain": "month"},
        ("metric_time", "revenue_prev"),
        [(JAN, None), (FEB, 150), (APR, None), (JAN25, None), (FEB25, 200), (MAR25, 0)],
    ),
    Case(
        "pop_growth_null_without_previous_or_on_zero",
        {"metrics": ["revenue_growth"], "grain": "month"},
        ("metric_time", "revenue_growth"),
        [(JAN, None), (FEB, -0.8), (APR, None), (JAN25, None), (FEB25, -1.0), (MAR25, None)],
    ),
    Case(
        "pop_difference",
        {"metrics": ["revenue_diff"], "grain": "month"},
        ("metric_time", "revenue_diff"),
        [(JAN, None), (FEB, -120), (APR, None), (JAN25, None), (FEB25, -200), (MAR25, 45)],
    ),
    Case(
        "pop_year_over_year_ratio",
        {"metrics": ["revenue_yoy"], "grain": "month"},
        ("metric_time", "revenue_yoy"),
        [(JAN, None), (FEB, None), (APR, None), (JAN25, 200 / 150), (FEB25, 0.0), (MAR25, None)],
    ),
    Case(
        "pop_previous_reaches_before_range",
        {
            "metrics": ["revenue_prev", "revenue"],
            "grain": "month",
            "time_range": {"start": "2024-02-01", "end": "2024-05-01"},
        },
        ("metric_time", "revenue_prev", "revenue"),
        [(FEB, 150, 30), (APR, None, 30)],
    ),
    Case(
        "pop_quarters",
        {"metrics": ["revenue_growth"], "grain": "quarter"},
        ("metric_time", "revenue_growth"),
        [(JAN, None), (APR, (30 - 180) / 180), (JAN25, None)],
    ),
    Case(
        "pop_week_over_52_weeks_keeps_mondays",
        {"metrics": ["revenue_yoy"], "grain": "week"},
        ("metric_time", "revenue_yoy"),
        [
            (date(2024, 1, 1), None),
            (date(2024, 1, 15), None),
            (date(2024, 2, 5), None),
            (date(2024, 4, 1), None),
            (date(2024, 4, 29), None),
            (date(2025, 1, 13), 200 / 50),
            (date(2025, 1, 27), None),
            (date(2025, 2, 17), None),
            (date(2025, 2, 24), None),
            (date(2025, 3, 31), 40 / 20),
        ],
    ),
    Case(
        "pop_by_city_with_null_group",
        {"metrics": ["revenue_diff"], "grain": "month", "dimensions": ["city"]},
        ("metric_time", "city", "revenue_diff"),
        [
            (JAN, "北京", None),
            (FEB, "北京", -70),
            (APR, "北京", None),
            (MAR25, "北京", None),
            (JAN, "上海", None),
            (JAN25, "上海", None),
            (FEB25, "上海", -200),
            (FEB25, None, None),
            (MAR25, None, 5),
        ],
    ),
    # funnel: strictly ordered steps; a skipped or out-of-order step ends the path
    Case(
        "funnel_skips_and_ties",
        {"metrics": ["lead_funnel"], "grain": "month"},
        ("metric_time", *FUNNEL),
        [(JAN, 4, 2, 1, 1, 0.5, 0.5, 1.0), (FEB, 2, 2, 2, 2, 1.0, 1.0, 1.0)],
    ),
    Case(
        "funnel_window_edges",
        {"metrics": ["lead_funnel_30d"], "grain": "month"},
        ("metric_time", *(c.replace("lead_funnel", "lead_funnel_30d") for c in FUNNEL)),
        [(JAN, 4, 2, 1, 1, 0.5, 0.5, 1.0), (FEB, 2, 2, 0, 0, 1.0, 0.0, None)],
    ),
    Case(
        "funnel_by_region_with_null",
        {"metrics": ["lead_funnel"], "grain": "month", "dimensions": ["region"]},
        ("metric_time", "region", *FUNNEL),
        [
            (JAN, "north", 2, 1, 1, 1, 0.5, 1.0, 1.0),
            (JAN, "south", 1, 1, 0, 0, 1.0, 0.0, None),
            (JAN, None, 1, 0, 0, 0, 0.0, None, None),
            (FEB, "south", 2, 2, 2, 2, 1.0, 1.0, 1.0),
        ],
    ),
    Case("funnel_without_grain", {"metrics": ["lead_funnel"]}, FUNNEL, [(6, 4, 3, 3, 4 / 6, 0.75, 1.0)]),
    Case(
        "funnel_entry_within_range",
        {
            "metrics": ["lead_funnel"],
            "grain": "month",
            "time_range": {"start": "2024-01-10", "end": "2024-03-01"},
        },
        ("metric_time", *FUNNEL),
        [(JAN, 2, 1, 0, 0, 0.5, 0.0, None), (FEB, 2, 2, 2, 2, 1.0, 1.0, 1.0)],
    ),
    # blocks combine with each other and with atomic metrics on the same keys
    Case(
        "combined_with_atomic",
        {"metrics": ["revenue", "revenue_running", "revenue_growth"], "grain": "month"},
        ("metric_time", "revenue", "revenue_running", "revenue_growth"),
        [
            (JAN, 150, 150, None),
            (FEB, 30, 180, -0.8),
            (APR, 30, 210, None),
            (JAN25, 200, 410, None),
            (FEB25, 0, 410, -1.0),
            (MAR25, 45, 455, None),
        ],
    ),
    Case(
        "combined_cohort_types",
        {"metrics": ["signups", "trial_to_paid_7d", "d7_ret"], "grain": "month"},
        ("metric_time", "signups", "trial_to_paid_7d", "d7_ret"),
        [(JAN, 3, 2 / 3, 2 / 3), (FEB, 2, 0.0, 0.5), (MAR, 1, 0.0, 0.0)],
    ),
    Case(
        "combined_funnel_with_atomic",
        {"metrics": ["leads_reached", "lead_funnel"], "grain": "month"},
        ("metric_time", "leads_reached", *FUNNEL),
        [(JAN, 4, 4, 2, 1, 1, 0.5, 0.5, 1.0), (FEB, 2, 2, 2, 2, 2, 1.0, 1.0, 1.0)],
    ),
]

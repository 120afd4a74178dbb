"""Evaluate one monitor on the warehouse: one compiled query, then its rule on each segment's series.

The evaluated period is the last complete one at `at`: the period of the monitor's grain that holds the day
before `at` (a monthly monitor run on 2025-02-01 judges January). The query asks for that period and the
`rule.history` periods before it, by metric_time and the monitor's dimensions, with its filters.

    >>> period_start(date(2025, 2, 1), "month", -1)
    datetime.date(2025, 1, 1)
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from catalog.compile import compile_query
from catalog.model import Catalog
from catalog.monitors.spec import Monitor, Rule, period_start, query_of

State = Literal["ok", "alert", "no_data", "error"]
Runner = Callable[[str], Sequence[Sequence[Any]]]


@dataclass(frozen=True, slots=True)
class Evaluation:
    segment: tuple[Any, ...]
    """The dimension values, in the monitor's order (empty without dimensions)."""
    value: float | None
    low: float | None
    high: float | None
    state: State
    message: str


def evaluated_period(at: date, grain: str) -> date:
    """The start of the last complete period at `at`."""
    return period_start(at - timedelta(days=1), grain)


def evaluate(monitor: Monitor, catalog: Catalog, run: Runner, dialect: str, period: date) -> list[Evaluation]:
    """The monitor's rule on each segment for `period`; raises CompileError, or the runner's error."""
    compiled = compile_query(query_of(monitor, period, dialect), catalog)
    series: dict[tuple[Any, ...], dict[date, float | None]] = {}
    for row in run(compiled.sql):
        when, *segment, value = row
        series.setdefault(tuple(segment), {})[date.fromisoformat(str(when)[:10])] = (
            None if value is None else float(value)
        )
    if not series:
        series[()] = {}
    grain = monitor.spec.grain
    return [
        judge(monitor.spec.rule, values, period, lambda n: period_start(period, grain, -n), segment)
        for segment, values in sorted(series.items(), key=lambda kv: [str(v) for v in kv[0]])
    ]


def judge(
    rule: Rule,
    values: dict[date, float | None],
    period: date,
    before: Callable[[int], date],
    segment: tuple[Any, ...] = (),
) -> Evaluation:
    """Apply `rule` to one segment's values by period start; `before(n)` is the start n periods back."""
    value = values.get(period)
    if value is None:
        return Evaluation(segment, None, None, None, "no_data", "no value for the period")
    if rule.threshold is not None:
        low, high = rule.threshold.below, rule.threshold.above
        return _bounded(segment, value, low, high)
    if rule.change is not None:
        previous = values.get(before(1))
        if not previous:
            return Evaluation(segment, value, None, None, "no_data", "no previous value to compare with")
        low = previous - abs(previous) * rule.change.drop if rule.change.drop is not None else None
        high = previous + abs(previous) * rule.change.rise if rule.change.rise is not None else None
        return _bounded(segment, value, low, high, inclusive=True)
    assert rule.band is not None
    history = [v for n in range(1, rule.band.periods + 1) if (v := values.get(before(n))) is not None]
    if len(history) < 2:
        return Evaluation(segment, value, None, None, "no_data", f"{len(history)} trailing value(s), need 2")
    mean, spread = statistics.fmean(history), statistics.stdev(history)
    return _bounded(segment, value, mean - rule.band.sigmas * spread, mean + rule.band.sigmas * spread)


def _bounded(
    segment: tuple[Any, ...], value: float, low: float | None, high: float | None, inclusive: bool = False
) -> Evaluation:
    under = low is not None and (value <= low if inclusive else value < low)
    over = high is not None and (value >= high if inclusive else value > high)
    if under or over:
        bound = f"below {low:,.6g}" if under else f"above {high:,.6g}"
        return Evaluation(segment, value, low, high, "alert", f"{value:,.6g} is {bound}")
    return Evaluation(segment, value, low, high, "ok", "within bounds")

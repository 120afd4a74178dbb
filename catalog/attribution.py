"""Why a metric changed between two periods: its change split into each dimension value's contribution.

For each dimension asked, ONE compiled SELECT runs on the warehouse: the metric (or, for a ratio, its
numerator and denominator) sliced by the dimension, compiled by `catalog.compile` once per period with that
period as `time_range`, the two joined by `UNION ALL`. The warehouse aggregates; Python only does exact
arithmetic (`fractions.Fraction`) over the per-segment aggregates that come back. `docs/explain-change.md`
gives the formulas.

    >>> from catalog.lint import lint_paths
    >>> catalog = lint_paths(["metric_defs"]).catalog
    >>> rows = {"2025-01": [("app", 10), (None, 5)], "2025-02": [("app", 16), ("web", 1)]}
    >>> def run(sql):  # a stand-in warehouse: the period label is the first column of each row
    ...     return [(p, *r) for p in ("from", "to") for r in rows["2025-01" if p == "from" else "2025-02"]]
    >>> found = explain_change(catalog, "gmv", "2025-01", "2025-02", ["channel"], run, "duckdb")
    >>> found.total_change, [(c.value, c.contribution) for c in found.contributions]
    (2.0, [('app', 6.0), (None, -5.0), ('web', 1.0)])

Only metrics whose value over a period is the sum of its values over the segments can be split exactly:
atomic `sum` and `count` metrics, and ratios of two of them. Anything else is refused with A002.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any, Literal

import sqlglot
from sqlglot import exp

from catalog.compile import CompileError, compile_query
from catalog.issues import Location, issue
from catalog.metric_types.atomic import Atomic
from catalog.metric_types.ratio import Ratio
from catalog.model import Catalog, Metric

Kind = Literal["additive", "ratio"]
Runner = Callable[[str], Sequence[Sequence[Any]]]
"""Runs one SELECT on the warehouse and returns its rows."""

PERIOD_COLUMN = "caliber_period"
ADDITIVE_AGGS = ("sum", "count")
MAX_DIMENSIONS = 5
PERIOD_FORMS = (
    "2025 (year), 2025Q1 (quarter), 2025-01 (month), 2025-W03 (ISO week, from Monday), "
    "2025-01-15 (day), or 2025-01-01..2025-02-15 (days from the first, up to but excluding the second)"
)


class AttributionError(CompileError):
    """The change cannot be explained as asked; `issues` says why (codes A001–A004)."""


def _fail(code: str, message: str, hint: str, where: str = "") -> AttributionError:
    return AttributionError([issue(code, message, Location(where) if where else None, hint)])


@dataclass(frozen=True, slots=True)
class Period:
    """A named span of days, half-open: `[start, end)`.

    >>> Period.parse("2025-W03")
    Period(text='2025-W03', start=datetime.date(2025, 1, 13), end=datetime.date(2025, 1, 20))
    """

    text: str
    start: date
    end: date

    @classmethod
    def parse(cls, text: str, where: str = "period") -> Period:
        span = _span(text.strip())
        if span is None:
            raise _fail("A001", f"{where}: {text[:40]!r} is not a period", f"write {PERIOD_FORMS}", where)
        return cls(text.strip(), *span)


def _span(text: str) -> tuple[date, date] | None:
    try:
        if m := re.fullmatch(r"(\d{4})", text):
            year = int(m[1])
            return date(year, 1, 1), date(year + 1, 1, 1)
        if m := re.fullmatch(r"(\d{4})-?Q([1-4])", text, re.IGNORECASE):
            start = date(int(m[1]), 3 * int(m[2]) - 2, 1)
            return start, _add_months(start, 3)
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            start = date(int(m[1]), int(m[2]), 1)
            return start, _add_months(start, 1)
        if m := re.fullmatch(r"(\d{4})-W(\d{2})", text, re.IGNORECASE):
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return start, start + timedelta(days=7)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
            return day, day + timedelta(days=1)
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            return (start, end) if start < end else None
    except ValueError:
        return None
    return None


def _add_months(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class Contribution:
    dimension: str
    value: Any
    contribution: float
    from_value: float | None
    to_value: float | None
    rate_effect: float | None = None
    """Ratios only: the part due to the segment's own ratio moving (None for additive metrics)."""
    mix_effect: float | None = None
    """Ratios only: the part due to the segment's share of the denominator moving."""

    def as_dict(self) -> dict[str, Any]:
        found = {
            "dimension": self.dimension,
            "value": self.value,
            "contribution": self.contribution,
            "from_value": self.from_value,
            "to_value": self.to_value,
        }
        if self.rate_effect is not None:
            found |= {"rate_effect": self.rate_effect, "mix_effect": self.mix_effect}
        return found


@dataclass(frozen=True, slots=True)
class Explanation:
    metric: str
    kind: Kind
    from_period: Period
    to_period: Period
    from_total: float | None
    to_total: float | None
    total_change: float
    contributions: tuple[Contribution, ...]
    """Grouped by dimension in the order asked; within one, largest absolute contribution first."""
    sql: tuple[str, ...]
    """The SELECT run for each dimension."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "from": self.from_period.text,
            "to": self.to_period.text,
            "total_change": self.total_change,
            "contributions": [c.as_dict() for c in self.contributions],
            "kind": self.kind,
            "from_value": self.from_total,
            "to_value": self.to_total,
            "periods": {
                "from": {
                    "start": self.from_period.start.isoformat(),
                    "end": self.from_period.end.isoformat(),
                },
                "to": {"start": self.to_period.start.isoformat(), "end": self.to_period.end.isoformat()},
            },
            "sql": list(self.sql),
        }


def explain_change(
    catalog: Catalog,
    metric: str,
    from_period: str,
    to_period: str,
    by: Sequence[str],
    run: Runner,
    dialect: str,
) -> Explanation:
    """Split `metric`'s change from `from_period` to `to_period` by each dimension of `by` (see module doc)."""
    periods = Period.parse(from_period, "from"), Period.parse(to_period, "to")
    if not by:
        raise _fail("A003", "name at least one dimension to split the change by", "add --by DIM", "by")
    if len(by) > MAX_DIMENSIONS:
        raise _fail("A003", f"at most {MAX_DIMENSIONS} dimensions at once", "ask again for the rest", "by")
    key, kind, parts = _parts(catalog, metric)
    explained: list[Contribution] = []
    statements: list[str] = []
    totals: tuple[Fraction | None, Fraction | None] | None = None
    for dimension in by:
        sql = segment_sql(catalog, parts, dimension, periods, dialect)
        statements.append(sql)
        segments = _segments(run(sql), len(parts))
        if kind == "additive":
            found, totals = _additive(dimension, segments)
        else:
            found, totals = _ratio(dimension, segments, key)
        explained += sorted(found, key=lambda c: (-abs(c.contribution), _order(c.value)))
    assert totals is not None
    before, after = totals
    change = (after or 0) - (before or 0)
    return Explanation(
        key,
        kind,
        *periods,
        _float(before),
        _float(after),
        float(change),
        tuple(explained),
        tuple(statements),
    )


def _parts(catalog: Catalog, name: str) -> tuple[str, Kind, tuple[str, ...]]:
    found = catalog.find("metrics", name)
    if len(found) != 1:
        raise AttributionError(
            [
                issue(
                    "E001",
                    f"unknown metric {name!r}"
                    + (f" (ambiguous: {', '.join(sorted(found))})" if found else ""),
                    Location("metric"),
                    "qualify it as namespace.name" if found else "ask for a metric the catalog defines",
                )
            ]
        )
    metric = catalog.metrics[found[0]]
    if _additive_metric(metric):
        return metric.key, "additive", (metric.key,)
    spec = metric.spec
    if isinstance(spec, Ratio) and all(
        _additive_metric(catalog.metrics[k]) for k in (spec.numerator, spec.denominator)
    ):
        return metric.key, "ratio", (spec.numerator, spec.denominator)
    raise _fail(
        "A002",
        f"{metric.key} ({_describe(metric)}) is not a sum over segments, so its change cannot be split exactly",
        "explain an atomic sum or count metric, or a ratio of two such metrics (e.g. its numerator)",
        "metric",
    )


def _additive_metric(metric: Metric) -> bool:
    return isinstance(metric.spec, Atomic) and metric.spec.agg in ADDITIVE_AGGS


def _describe(metric: Metric) -> str:
    if isinstance(metric.spec, Atomic):
        return f"atomic {metric.spec.agg}"
    if isinstance(metric.spec, Ratio):
        return "a ratio whose numerator or denominator is not a sum or count"
    return metric.type


def segment_sql(
    catalog: Catalog, metrics: Sequence[str], dimension: str, periods: Sequence[Period], dialect: str
) -> str:
    """One SELECT: `caliber_period` ('from'/'to'), the dimension, then each metric, for both periods."""
    selects = []
    for label, period in zip(("from", "to"), periods, strict=True):
        query = {
            "metrics": list(metrics),
            "dimensions": [dimension],
            "dialect": dialect,
            "time_range": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        }
        try:
            compiled = compile_query(query, catalog)
        except CompileError as err:
            raise err.at("by") from None
        parsed = [e for e in sqlglot.parse(compiled.sql, read=compiled.dialect) if e is not None]
        assert len(parsed) == 1 and isinstance(parsed[0], exp.Query), "the compiler returns one SELECT"
        alias = f"caliber_{label}"
        columns = [exp.column(name, table=alias, quoted=True) for name in compiled.columns]
        selects.append(
            exp.select(exp.alias_(exp.Literal.string(label), PERIOD_COLUMN, quoted=True), *columns).from_(
                parsed[0].subquery(alias, copy=False)
            )
        )
    tree = exp.union(selects[0], selects[1], distinct=False)
    return tree.sql(dialect=compiled.dialect, identify=True, comments=False)


Segments = dict[Any, dict[str, tuple[Fraction | None, ...]]]
"""Dimension value → period label → the aggregates, in the order of the metrics asked."""


def _segments(rows: Sequence[Sequence[Any]], width: int) -> Segments:
    found: Segments = {}
    for row in rows:
        period, value, *numbers = row
        assert len(numbers) == width
        found.setdefault(_plain(value), {})[str(period)] = tuple(_exact(n) for n in numbers)
    return found


def _additive(
    dimension: str, segments: Segments
) -> tuple[list[Contribution], tuple[Fraction | None, Fraction | None]]:
    values = {v: (_get(s, "from", 0), _get(s, "to", 0)) for v, s in segments.items()}
    out = [
        Contribution(dimension, v, float((b or 0) - (a or 0)), _float(a), _float(b))
        for v, (a, b) in values.items()
    ]
    return out, (_total(a for a, _ in values.values()), _total(b for _, b in values.values()))


def _ratio(
    dimension: str, segments: Segments, key: str
) -> tuple[list[Contribution], tuple[Fraction | None, Fraction | None]]:
    n = {q: {v: _get(s, q, 0) or Fraction(0) for v, s in segments.items()} for q in ("from", "to")}
    d = {q: {v: _get(s, q, 1) or Fraction(0) for v, s in segments.items()} for q in ("from", "to")}
    big_d = {q: sum(d[q].values(), Fraction(0)) for q in ("from", "to")}
    for q in ("from", "to"):
        if big_d[q] == 0:
            raise _fail(
                "A004",
                f"{key}'s denominator is 0 (or has no rows) in the {q!r} period, so the ratio is undefined",
                "pick periods in which the denominator has data",
                q,
            )
    ratio = {q: sum(n[q].values(), Fraction(0)) / big_d[q] for q in ("from", "to")}
    mean = (ratio["from"] + ratio["to"]) / 2
    out = []
    for value in segments:
        p = {q: n[q][value] / big_d[q] for q in ("from", "to")}
        w = {q: d[q][value] / big_d[q] for q in ("from", "to")}
        contribution = p["to"] - p["from"] - mean * (w["to"] - w["from"])
        if w["from"] and w["to"]:
            r = {q: n[q][value] / d[q][value] for q in ("from", "to")}
            rate = (r["to"] - r["from"]) * (w["from"] + w["to"]) / 2
        elif w["from"] or w["to"]:
            rate = Fraction(0)
        else:
            rate = p["to"] - p["from"]
        out.append(
            Contribution(
                dimension,
                value,
                float(contribution),
                _segment_ratio(n["from"][value], d["from"][value]),
                _segment_ratio(n["to"][value], d["to"][value]),
                float(rate),
                float(contribution - rate),
            )
        )
    return out, (ratio["from"], ratio["to"])


def _get(segment: dict[str, tuple[Fraction | None, ...]], period: str, index: int) -> Fraction | None:
    numbers = segment.get(period)
    return None if numbers is None else numbers[index]


def _total(values: Any) -> Fraction | None:
    present = [v for v in values if v is not None]
    return sum(present, Fraction(0)) if present else None


def _segment_ratio(n: Fraction, d: Fraction) -> float | None:
    return float(n / d) if d else None


def _exact(number: Any) -> Fraction | None:
    if number is None:
        return None
    if isinstance(number, bool):
        return Fraction(int(number))
    return Fraction(number)


def _float(number: Fraction | None) -> float | None:
    return None if number is None else float(number)


def _plain(value: Any) -> Any:
    """A dimension value as JSON shows it: dates as ISO text, decimals as numbers."""
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "is_finite") and not isinstance(value, float):
        return float(value)
    return value


def _order(value: Any) -> tuple[int, str]:
    return (1, "") if value is None else (0, str(value))

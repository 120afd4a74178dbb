"""A metric's default series: the metric alone by month, or alone without `metric_time` when it has no time.

The API's default SQL of a metric and of each version in a diff, the web page's SQL and its preview of recent
values all show this one query, so a metric without a time column reads the same everywhere: its total.

    >>> from catalog.lint import lint_paths
    >>> catalog = lint_paths(["metric_defs"]).catalog
    >>> series_query(catalog, catalog.metrics["finance.gmv"], newest=12).model_dump(include={"grain", "limit"})
    {'grain': 'month', 'limit': 12}
"""

from __future__ import annotations

from catalog.lineage import has_time
from catalog.model import Catalog, Metric
from catalog.query import METRIC_TIME, MetricQuery


def series_query(
    catalog: Catalog,
    metric: Metric,
    label: str | None = None,
    dialect: str = "duckdb",
    newest: int | None = None,
) -> MetricQuery:
    """`metric` (asked as `label`, e.g. `key@2` for a past version; default its key) by month — the `newest`
    months only, newest first, when given — or alone when it has no time column. Components are read from
    `catalog`."""
    name = label or metric.key
    if not has_time(catalog, metric):
        return MetricQuery(metrics=[name], dialect=dialect)
    if newest is None:
        return MetricQuery(metrics=[name], grain="month", dialect=dialect)
    return MetricQuery(
        metrics=[name], grain="month", order_by=[f"-{METRIC_TIME}"], limit=newest, dialect=dialect
    )

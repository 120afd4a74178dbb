"""A MetricFlow query (metrics, `group_by` names, `where` templates) as a Caliber metric query over
definitions imported with `caliber import dbt`, whose dimensions keep MetricFlow's `entity__dim` names.

    >>> caliber_query({"metrics": ["gmv"], "group_by": ["metric_time__month", "user__channel"],
    ...                "where": ["{{ Dimension('user__channel') }} = 'kol'"]})
    {'metrics': ['gmv'], 'dimensions': ['user__channel'], 'grain': 'month', 'where': "user__channel = 'kol'"}
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from catalog.interchange import naming
from catalog.interchange.dbt_templates import Template, TemplateError, split_templates
from catalog.model import GRAINS
from catalog.query import METRIC_TIME


class UnsupportedQuery(ValueError):
    """A MetricFlow query with no Caliber equivalent (a sub-day grain, a filter on a metric…)."""


def caliber_query(spec: dict[str, Any]) -> dict[str, Any]:
    """`{"metrics", "group_by", "where", "start", "end"}` (MetricFlow's names) → a Caliber query mapping."""
    query: dict[str, Any] = {"metrics": list(spec["metrics"]), "dimensions": []}
    for name in spec.get("group_by") or []:
        base, _, grain = name.rpartition("__")
        if name.startswith(f"{METRIC_TIME}__") and grain in GRAINS and base == METRIC_TIME:
            query["grain"] = grain
        elif name == METRIC_TIME:
            query["grain"] = "day"
        else:
            query["dimensions"].append(name)
    conditions = [_condition(text) for text in spec.get("where") or []]
    if conditions:
        query["where"] = (
            " AND ".join(conditions) if len(conditions) == 1 else " AND ".join(f"({c})" for c in conditions)
        )
    if spec.get("start") or spec.get("end"):
        query["time_range"] = {"start": spec["start"], "end": spec["end"]}
    return query


def _condition(text: str) -> str:
    try:
        sql, templates = split_templates(text)
    except TemplateError as err:
        raise UnsupportedQuery(str(err)) from None
    rendered = naming.rename_columns(sql, {t.placeholder: _column(t) for t in templates})
    if rendered is None:
        raise UnsupportedQuery(f"where `{text}` is not SQL")
    return rendered


def _column(template: Template) -> exp.Expr:
    if template.kind == "Metric":
        raise UnsupportedQuery(f"a filter on metric {template.name!r}")
    if template.grain not in (None, "day") or (
        template.kind == "TimeDimension" and template.name != METRIC_TIME
    ):
        raise UnsupportedQuery(f"a filter on {template.name!r} at a grain")
    return exp.column("__".join((*template.path, template.name)))

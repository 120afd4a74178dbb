"""What an import or export left out, and why: findings with a reason code, rendered as text or JSON.

>>> report = Report("dbt", "caliber")
>>> report.add("unsupported_agg", "metric", "p99", "metrics.yaml", "percentile has no Caliber equivalent")
>>> report.count("metric", "translated")
>>> report.count("metric", "skipped")
>>> print(render_report(report, "text"))
metrics.yaml: unsupported_agg metric p99 (skipped): percentile has no Caliber equivalent
dbt → caliber: metrics 1 translated, 0 partly, 1 not translated
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Literal

Status = Literal["skipped", "partial"]
FORMATS = ("text", "json")

# reason code → what it means; docs/interchange.md lists the same table (tests/interchange checks them).
REASONS: dict[str, str] = {
    "bad_yaml": "the file is not readable YAML (or uses tags)",
    "invalid_definition": "a required field is missing or has the wrong shape",
    "unknown_document": "a YAML document that is not a semantic model, metric or project configuration",
    "unknown_metric_type": "the metric type is not one the source format defines",
    "unresolved_reference": "a measure, metric, dimension, entity or dataset named is not defined",
    "duplicate_name": "two objects would get the same Caliber name",
    "renamed": "the name was not snake_case and was rewritten",
    "unsupported_agg": "the aggregation (median, percentile, …) has no Caliber equivalent",
    "semi_additive": "non_additive_dimension (semi-additive measure) has no Caliber equivalent",
    "expression_not_allowed": "the SQL is outside what a Caliber definition may contain",
    "entity_expression": "an entity whose key is an expression, not a column",
    "natural_entity": "natural (SCD) entity: its joins need validity windows Caliber does not model",
    "composite_key": "a key or relationship over several columns",
    "time_expression": "a time dimension that is an expression, so it cannot be a metric's time column",
    "filter_metric": "a filter on a metric value (`{{ Metric(...) }}`)",
    "filter_outside_source": "a metric filter on a dimension of another semantic model (Caliber filters "
    "read the metric's own source)",
    "filter_time_grain": "a filter on a time dimension at a grain other than day",
    "filter_syntax": "a filter template that cannot be read",
    "input_filter_on_derived": "a filter on an input metric that is not a simple metric",
    "offset_window": "an input metric shifted in time (offset_window / offset_to_grain)",
    "grain_to_date": "a cumulative metric reset at each grain (grain_to_date)",
    "custom_granularity": "a window in a custom or sub-day granularity",
    "conversion_without_window": "a conversion metric without a window",
    "constant_properties": "a conversion metric holding properties constant",
    "conversion_filter": "a filter on a conversion metric",
    "depends_on_untranslated": "built on a metric that was not translated",
    "fill_nulls": "fill_nulls_with / join_to_timespine: Caliber returns no row (or NULL) instead",
    "default_grain": "the metric's default time_granularity is not kept",
    "cumulative_period_agg": "at grains coarser than a day MetricFlow reports the first day's running "
    "value (period_agg), Caliber the value at the end of the period",
    "cumulative_all_time": "a cumulative metric without window: MetricFlow counts from the first row even "
    "with a time range, Caliber from the range start",
    "table_from_ref": "the table is the dbt model name from ref(); check the warehouse schema",
    "schema_assumed": "the table had no schema (or a `$template` one): it is put in `--schema`",
    "saved_query": "saved queries and exports are not definitions",
    "no_target_equivalent": "the metric type has no equivalent in the target format",
    "cross_dataset_aggregate": "one aggregate reads columns of several datasets",
    "unrecognized_expression": "the metric expression is not an aggregate Caliber can read",
    "no_primary_entity": "a semantic model without a primary entity cannot carry dimensions",
    "lint": "the written definitions do not pass `caliber lint`",
}


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    kind: str
    """semantic_model, entity, dimension, measure, metric, dataset, field, relationship, file…"""
    name: str
    file: str
    message: str
    status: Status = "skipped"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(slots=True)
class Report:
    source_format: str
    target_format: str
    findings: list[Finding] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(kind, outcome) → how many, outcome being translated | partial | skipped."""

    def add(
        self, code: str, kind: str, name: str, file: str, message: str, status: Status = "skipped"
    ) -> None:
        if code not in REASONS:
            raise ValueError(f"unknown reason code {code!r}")
        self.findings.append(Finding(code, kind, name, file, message, status))

    def count(self, kind: str, outcome: str) -> None:
        self.counts[(kind, outcome)] += 1

    def metric_outcomes(self) -> dict[str, int]:
        return {o: self.counts[("metric", o)] for o in ("translated", "partial", "skipped")}

    def as_dict(self) -> dict[str, object]:
        return {
            "from": self.source_format,
            "to": self.target_format,
            "metrics": self.metric_outcomes(),
            "findings": [f.as_dict() for f in self.findings],
        }


def render_report(report: Report, fmt: str) -> str:
    """The report as `text` (one line per finding and a summary) or `json`."""
    if fmt == "json":
        return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)
    lines = [
        f"{f.file}: {f.code} {f.kind} {f.name} ({f.status}): {f.message}"
        for f in sorted(report.findings, key=lambda f: (f.file, f.kind, f.name, f.code))
    ]
    outcomes = report.metric_outcomes()
    lines.append(
        f"{report.source_format} → {report.target_format}: metrics {outcomes['translated']} translated, "
        f"{outcomes['partial']} partly, {outcomes['skipped']} not translated"
    )
    return "\n".join(lines)

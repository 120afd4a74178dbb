"""The definition language: what a YAML file under `metric_defs/` may say, as pydantic models.

These models are the boundary: they check the shape (fields, types, enum values) of one file. References
between definitions and the SQL inside them are checked later (`catalog.resolve`, `catalog.sqlexpr`).
`docs/definitions.md` documents every field; keep the two together.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
SqlText = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]


class Stage(StrEnum):
    ACQUISITION = "acquisition"
    ACTIVATION = "activation"
    RETENTION = "retention"
    REVENUE = "revenue"
    REFERRAL = "referral"


class Agg(StrEnum):
    SUM = "sum"
    COUNT = "count"
    COUNT_DISTINCT = "count_distinct"
    AVG = "avg"
    MIN = "min"
    MAX = "max"


class ColumnType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"


class Status(StrEnum):
    ACTIVE = "active"
    DEPRECATED = "deprecated"


# Enums accept their plain string values; everything else is strict (no "yes" for a bool, no 3 for a name).
StageField = Annotated[Stage, Field(strict=False)]
AggField = Annotated[Agg, Field(strict=False)]
ColumnTypeField = Annotated[ColumnType, Field(strict=False)]
StatusField = Annotated[Status, Field(strict=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class LabelDef(_Strict):
    en: Text
    zh: Text


class EntityDef(_Strict):
    column: Name
    primary: bool = False


class SourceDef(_Strict):
    table: Name
    description: Text | None = None
    time: Name | None = None
    columns: dict[Name, ColumnTypeField] | None = None
    entities: dict[Name, EntityDef] = Field(default_factory=dict)


class DimensionDef(_Strict):
    source: Name
    expr: SqlText
    label: LabelDef
    description: Text | None = None
    type: Literal["categorical", "time"] = "categorical"


class OverrideDef(_Strict):
    metric: Name
    reason: Text


class _MetricBase(_Strict):
    label: LabelDef
    description: Text
    stage: StageField
    owner: Name
    unit: Text | None = None
    status: StatusField = Status.ACTIVE
    standard: bool = False
    overrides: OverrideDef | None = None
    tags: list[Name] = Field(default_factory=list)
    dimensions: list[Name] = Field(default_factory=list)
    """Dimensions the metric promises to be sliceable by; lint checks each has a many-to-one join path."""


class AtomicDef(_MetricBase):
    """One aggregation over one source: `agg(expr)` over the rows that pass `filter`."""

    type: Literal["atomic"]
    source: Name
    agg: AggField
    expr: SqlText | None = None
    filter: SqlText | None = None
    time: Name | None = None


class RatioDef(_MetricBase):
    """`numerator / denominator`, both metrics, computed in floating point with division by zero as NULL."""

    type: Literal["ratio"]
    numerator: Name
    denominator: Name


class DerivedDef(_MetricBase):
    """Arithmetic over other metrics, e.g. `gmv - refund_amount`."""

    type: Literal["derived"]
    expr: SqlText


class CumulativeDef(_MetricBase):
    """Running total of an atomic metric from the start of the range, or over a trailing `window`."""

    type: Literal["cumulative"]
    metric: Name
    window: Name | None = None


class ConversionDef(_MetricBase):
    """Entities that did `base` and then `conversion` within `window`, per cohort of the base event."""

    type: Literal["conversion"]
    entity: Name
    base: Name
    conversion: Name
    window: Name
    calculation: Literal["rate", "count"] = "rate"


class FunnelDef(_MetricBase):
    """Ordered steps (atomic metrics over event sources) done by the same entity within `window`."""

    type: Literal["funnel"]
    entity: Name
    steps: Annotated[list[Name], Field(min_length=2, max_length=20)]
    window: Name | None = None


class RetentionDef(_MetricBase):
    """Share of a cohort (first `cohort` event at the grain) active again (`activity`) at `offset`."""

    type: Literal["retention"]
    entity: Name
    cohort: Name
    activity: Name
    offset: Name


class PeriodOverPeriodDef(_MetricBase):
    """A metric against the previous period or the same period a year earlier."""

    type: Literal["period_over_period"]
    metric: Name
    compare_to: Literal["previous_period", "previous_year"] = "previous_period"
    calculation: Literal["difference", "ratio", "growth", "previous"] = "growth"


MetricDef = Annotated[
    AtomicDef
    | RatioDef
    | DerivedDef
    | CumulativeDef
    | ConversionDef
    | FunnelDef
    | RetentionDef
    | PeriodOverPeriodDef,
    Field(discriminator="type"),
]

METRIC_TYPES: dict[str, type[_MetricBase]] = {
    "atomic": AtomicDef,
    "ratio": RatioDef,
    "derived": DerivedDef,
    "cumulative": CumulativeDef,
    "conversion": ConversionDef,
    "funnel": FunnelDef,
    "retention": RetentionDef,
    "period_over_period": PeriodOverPeriodDef,
}


class GoldenRangeDef(_Strict):
    """Half-open `[start, end)`, dates written `2024-01-01`."""

    start: Annotated[date, Field(strict=False)]
    end: Annotated[date, Field(strict=False)]


class GoldenQueryDef(_Strict):
    """The metric query a golden test runs (`caliber test`), as `caliber compile` takes it."""

    metrics: list[Name] = Field(default_factory=list)
    by: list[Name] = Field(default_factory=list)
    grain: Literal["day", "week", "month", "quarter", "year"] | None = None
    where: SqlText | None = None
    time_range: GoldenRangeDef | None = None


GoldenValue = str | int | float | bool | None


class GoldenTestDef(_Strict):
    """A query over data the definitions ship, with the rows it must return or an invariant of its rows."""

    description: Text | None = None
    data: Name | dict[Name, Name]
    """A folder of `<table>.csv` files, a `.sql` file, or `{table: file.csv}`; relative to the YAML file."""
    query: GoldenQueryDef
    expected: list[dict[Name, GoldenValue]] | None = None
    invariant: SqlText | None = None
    tolerance: Annotated[float, Field(ge=0, le=1, strict=False)] = 1e-6


class FileDef(_Strict):
    """One definition file. The namespace defaults to the folder the file sits in."""

    namespace: Name | None = None
    sources: dict[Name, SourceDef] = Field(default_factory=dict)
    dimensions: dict[Name, DimensionDef] = Field(default_factory=dict)
    metrics: dict[Name, MetricDef] = Field(default_factory=dict)
    tests: dict[Name, GoldenTestDef] = Field(default_factory=dict)
    """Golden tests (`caliber test`); lint checks their shape only."""

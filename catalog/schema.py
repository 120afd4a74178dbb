"""The definition language: what a YAML file under `metric_defs/` may say, as pydantic models.

These models are the boundary: they check the shape (fields, types, enum values) of one file. References
between definitions and the SQL inside them are checked later (`catalog.resolve`, `catalog.sqlexpr`).
Each metric type's own fields are in its module (`catalog.metric_types`, built on `MetricBase`), and the
model of a whole file is `catalog.metric_types.registry.file_definition()`. `docs/definitions.md`
documents every field; keep them together.
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


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class LabelDef(Strict):
    en: Text
    zh: Text


class EntityDef(Strict):
    column: Name
    primary: bool = False


class SourceDef(Strict):
    table: Name
    description: Text | None = None
    time: Name | None = None
    columns: dict[Name, ColumnTypeField] | None = None
    entities: dict[Name, EntityDef] = Field(default_factory=dict)


class DimensionDef(Strict):
    source: Name
    expr: SqlText
    label: LabelDef
    description: Text | None = None
    type: Literal["categorical", "time"] = "categorical"


class OverrideDef(Strict):
    metric: Name
    reason: Text


class MetricBase(Strict):
    """The fields every metric has; each metric type adds its own (`catalog.metric_types`)."""

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


class GoldenRangeDef(Strict):
    """Half-open `[start, end)`, dates written `2024-01-01`."""

    start: Annotated[date, Field(strict=False)]
    end: Annotated[date, Field(strict=False)]


class GoldenQueryDef(Strict):
    """The metric query a golden test runs (`caliber test`), as `caliber compile` takes it."""

    metrics: list[Name] = Field(default_factory=list)
    by: list[Name] = Field(default_factory=list)
    grain: Literal["day", "week", "month", "quarter", "year"] | None = None
    where: SqlText | None = None
    time_range: GoldenRangeDef | None = None


GoldenValue = str | int | float | bool | None


class GoldenTestDef(Strict):
    """A query over data the definitions ship, with the rows it must return or an invariant of its rows."""

    description: Text | None = None
    data: Name | dict[Name, Name]
    """A folder of `<table>.csv` files, a `.sql` file, or `{table: file.csv}`; relative to the YAML file."""
    query: GoldenQueryDef
    expected: list[dict[Name, GoldenValue]] | None = None
    invariant: SqlText | None = None
    tolerance: Annotated[float, Field(ge=0, le=1, strict=False)] = 1e-6

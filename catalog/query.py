"""A metric query: which metrics, sliced by which dimensions, at which time grain, over which rows.

This is the boundary model shared by the Python API, the CLI and the HTTP service; `catalog.compile` turns
it into SQL. Sizes are bounded so a request cannot ask the compiler for unbounded work.

    >>> q = MetricQuery(metrics=["gmv", "finance.paid_orders@3"], dimensions=["channel"], grain="month",
    ...                 filters=[Filter(dimension="city", op="in", values=["北京", "上海"])])
    >>> q.metric_refs()[1], q.time_grain()
    (('finance.paid_orders', 3), 'month')

Time grain: the primary form is the `grain` field; the shorthand `metric_time__month` in `dimensions` means
the same thing. `metric_time` alone in `dimensions` needs `grain`. With a grain, `metric_time` is always the
first output column.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, model_validator

from catalog.model import GRAINS, Grain

METRIC_TIME = "metric_time"
MAX_METRICS = 100
MAX_DIMENSIONS = 20
MAX_FILTERS = 50
MAX_VALUES = 1000
MAX_LIMIT = 1_000_000
MAX_WHERE = 10_000

Op = Literal["=", "!=", "in", "not_in", "<", "<=", ">", ">=", "between", "like", "is_null"]
Value = str | bool | int | float | date | datetime | None
RefName = Annotated[str, StringConstraints(min_length=1, max_length=200)]

_PINNED = re.compile(r"^(?P<name>[^@]+)@(?P<version>[1-9][0-9]{0,8})$")
# How many values each operator takes: (min, max); None = no upper bound beyond MAX_VALUES.
VALUE_COUNTS: dict[str, tuple[int, int | None]] = {
    "=": (1, 1),
    "!=": (1, 1),
    "<": (1, 1),
    "<=": (1, 1),
    ">": (1, 1),
    ">=": (1, 1),
    "like": (1, 1),
    "in": (1, None),
    "not_in": (1, None),
    "between": (2, 2),
    "is_null": (0, 0),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Filter(_Model):
    """`dimension op values`, e.g. `city in ['北京', '上海']`; `is_null` takes no value."""

    dimension: RefName
    op: Op
    values: Annotated[list[Value], Field(max_length=MAX_VALUES)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _value_count(self) -> Filter:
        low, high = VALUE_COUNTS[self.op]
        if len(self.values) < low or (high is not None and len(self.values) > high):
            wanted = f"{low}" if low == high else f"at least {low}"
            raise ValueError(f"op {self.op!r} takes {wanted} value(s), got {len(self.values)}")
        if self.op == "like" and not isinstance(self.values[0], str):
            raise ValueError("op 'like' takes a text pattern")
        return self


class TimeRange(_Model):
    """Half-open `[start, end)` on each metric's own time column, applied before truncation."""

    start: date | datetime
    end: date | datetime

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        start, end = _as_datetime(self.start), _as_datetime(self.end)
        # Python cannot order a naive and a zoned time (TypeError, a 500 in the service): refuse the mix.
        if (start.tzinfo is None) != (end.tzinfo is None):
            raise ValueError("time_range start and end must both have a time zone, or neither")
        if start >= end:
            raise ValueError(f"time_range start {self.start} must be before end {self.end}")
        return self


class MetricQuery(_Model):
    metrics: Annotated[list[RefName], Field(min_length=1, max_length=MAX_METRICS)]
    dimensions: Annotated[list[RefName], Field(max_length=MAX_DIMENSIONS)] = Field(default_factory=list)
    grain: Grain | None = None
    filters: Annotated[list[Filter], Field(max_length=MAX_FILTERS)] = Field(default_factory=list)
    where: Annotated[str, StringConstraints(max_length=MAX_WHERE)] | None = None
    time_range: TimeRange | None = None
    order_by: Annotated[list[RefName], Field(max_length=MAX_METRICS + MAX_DIMENSIONS + 1)] = Field(
        default_factory=list
    )
    # Strict: JSON `true` or `1.0` is not a row count.
    limit: Annotated[StrictInt, Field(ge=0, le=MAX_LIMIT)] | None = None
    dialect: Annotated[str, StringConstraints(min_length=1, max_length=40)] = "duckdb"

    @model_validator(mode="after")
    def _one_grain(self) -> MetricQuery:
        shorthand = {_grain_of(d) for d in self.dimensions} - {None}
        if len(shorthand) > 1 or (shorthand and self.grain is not None and shorthand != {self.grain}):
            raise ValueError("ask for one time grain (metric_time__<grain> and `grain` disagree)")
        if METRIC_TIME in self.dimensions and self.time_grain() is None:
            raise ValueError("metric_time needs a grain: set `grain` or write metric_time__month")
        return self

    def time_grain(self) -> Grain | None:
        """The grain asked, from `grain` or a `metric_time__<grain>` dimension."""
        return self.grain or next((g for d in self.dimensions if (g := _grain_of(d))), None)

    def dimension_names(self) -> list[str]:
        """Requested dimensions other than metric_time, in the order asked, without repeats."""
        names = (d for d in self.dimensions if d != METRIC_TIME and _grain_of(d) is None)
        return list(dict.fromkeys(names))

    @property
    def pinned(self) -> bool:
        """Whether any metric is pinned to a stored version (`gmv@3`)."""
        return any(_PINNED.match(text) for text in self.metrics)

    def metric_refs(self) -> list[tuple[str, int | None]]:
        """Each requested metric as `(name, pinned version or None)`: `gmv@3` → `("gmv", 3)`."""
        refs: list[tuple[str, int | None]] = []
        for text in self.metrics:
            match = _PINNED.match(text)
            refs.append((match["name"], int(match["version"])) if match else (text, None))
        return refs


def _grain_of(dimension: str) -> Grain | None:
    prefix, _, grain = dimension.partition("__")
    if prefix == METRIC_TIME and grain in GRAINS:
        return grain  # type: ignore[return-value]
    return None


def _as_datetime(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)

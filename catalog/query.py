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

Times: both ends of `time_range` are of one kind — dates, local date-times, or date-times with a UTC offset.
Dates and local date-times are read as the warehouse's own time; a bound with an offset is converted to
`time_zone`, the zone the warehouse's dates and times are in (default UTC):

    >>> q = MetricQuery(metrics=["gmv"], time_zone="Asia/Shanghai",
    ...                 time_range={"start": "2025-01-01T00:00:00Z", "end": "2025-01-02T00:00:00Z"})
    >>> q.local_time_range().start
    datetime.datetime(2025, 1, 1, 8, 0)
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, tzinfo
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    field_validator,
    model_validator,
)

from catalog.model import GRAINS, Grain

METRIC_TIME = "metric_time"
MAX_METRICS = 100
MAX_DIMENSIONS = 20
MAX_FILTERS = 50
MAX_VALUES = 1000
MAX_LIMIT = 1_000_000
MAX_WHERE = 10_000

Op = Literal["=", "!=", "in", "not_in", "<", "<=", ">", ">=", "between", "like", "is_null"]


def _finite(value: object) -> object:
    # JSON readers turn 1e999 into infinity and accept NaN: no engine compares with them, and sqlglot would
    # render infinity as the identifier `inf`.
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"numbers must be finite, got {value} (1e999 and larger overflow to infinity)")
    return value


Value = Annotated[str | bool | int | float | date | datetime | None, AfterValidator(_finite)]
RefName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
WhereText = Annotated[str, StringConstraints(max_length=MAX_WHERE)]

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


_ISO_BOUND = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?$"
)
_BOUND_FORMS = "an ISO date (2025-01-01) or date-time (2025-01-01T08:00:00, with Z or +08:00 for an offset)"


def _bound(value: object) -> date | datetime:
    """A bound exactly as written: pydantic alone would read `2025-01-01T00:00:00+08:00` as the date 01-01."""
    parsed: date | None = value if isinstance(value, date) else None
    if isinstance(value, str) and _ISO_BOUND.match(value):
        try:
            parsed = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValueError(f"write {_BOUND_FORMS}, got {str(value)[:40]!r}")
    if isinstance(parsed, datetime) and parsed.microsecond:
        # SQLite's DATETIME() drops a fraction and MySQL's CAST rounds it: the rows selected would differ.
        raise ValueError("time_range bounds are whole seconds: engines drop or round fractions differently")
    return parsed


Bound = Annotated[date | datetime, BeforeValidator(_bound), Field(examples=["2025-01-01"])]
_KINDS = {"date": "a date", "local": "a local date-time", "offset": "a date-time with an offset"}


def _kind(value: date | datetime) -> str:
    if not isinstance(value, datetime):
        return "date"
    return "local" if value.utcoffset() is None else "offset"


class TimeRange(_Model):
    """Half-open `[start, end)` on each metric's own time column, applied before truncation.

    Both bounds are of one kind: dates, local date-times (the warehouse's own time), or date-times with an
    offset (converted to the query's `time_zone`). A mix has no single meaning, so it is refused.
    """

    start: Bound
    end: Bound

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        kinds = _kind(self.start), _kind(self.end)
        if kinds[0] != kinds[1]:
            raise ValueError(
                "time_range start and end must be of the same kind: both dates, both local date-times, or "
                f"both date-times with an offset; got {_KINDS[kinds[0]]} and {_KINDS[kinds[1]]}"
            )
        if self.start >= self.end:  # type: ignore[operator]
            raise ValueError(f"time_range start {self.start} must be before end {self.end}")
        return self


class MetricQuery(_Model):
    metrics: Annotated[list[RefName], Field(min_length=1, max_length=MAX_METRICS)]
    dimensions: Annotated[list[RefName], Field(max_length=MAX_DIMENSIONS)] = Field(default_factory=list)
    grain: Grain | None = None
    filters: Annotated[list[Filter], Field(max_length=MAX_FILTERS)] = Field(default_factory=list)
    where: WhereText | Annotated[list[WhereText], Field(max_length=MAX_FILTERS)] | None = None
    """A condition over dimensions, or a list of conditions that must all hold."""
    time_range: TimeRange | None = None
    order_by: Annotated[list[RefName], Field(max_length=MAX_METRICS + MAX_DIMENSIONS + 1)] = Field(
        default_factory=list
    )
    # Strict: JSON `true` or `1.0` is not a row count.
    limit: Annotated[StrictInt, Field(ge=0, le=MAX_LIMIT)] | None = None
    dialect: Annotated[str, StringConstraints(min_length=1, max_length=40)] = "duckdb"
    time_zone: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "UTC"
    """The IANA time zone the warehouse's dates and times are in; bounds with an offset are converted to it."""

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in _zones():
            raise ValueError(
                f"unknown time zone {value[:64]!r}: use an IANA name such as UTC or Asia/Shanghai"
            )
        return value

    @model_validator(mode="after")
    def _bounded_where(self) -> MetricQuery:
        if sum(len(text) for text in self.where_conditions()) > MAX_WHERE:
            raise ValueError(f"where conditions are longer than {MAX_WHERE:,} characters in all")
        return self

    @model_validator(mode="after")
    def _one_grain(self) -> MetricQuery:
        shorthand = {_grain_of(d) for d in self.dimensions} - {None}
        if len(shorthand) > 1 or (shorthand and self.grain is not None and shorthand != {self.grain}):
            raise ValueError("ask for one time grain (metric_time__<grain> and `grain` disagree)")
        if METRIC_TIME in self.dimensions and self.time_grain() is None:
            raise ValueError("metric_time needs a grain: set `grain` or write metric_time__month")
        return self

    def where_conditions(self) -> list[str]:
        """The `where` conditions, each to hold: one text, or each text of a list."""
        if self.where is None:
            return []
        return [self.where] if isinstance(self.where, str) else list(self.where)

    def local_time_range(self) -> TimeRange | None:
        """`time_range` in the warehouse's time: bounds with an offset converted to `time_zone`."""
        if self.time_range is None:
            return None
        zone = ZoneInfo(self.time_zone)
        return TimeRange(
            start=local_time(self.time_range.start, zone), end=local_time(self.time_range.end, zone)
        )

    def cache_key(self) -> tuple[Any, ...]:
        """The query as typed, hashable values: equal keys mean the same SQL.

        JSON text is not such a key: a date and the equal text, or NaN, infinity and null, dump alike; and
        as Python values `True == 1 == 1.0`. Each value here carries its type.
        """
        return _typed(self)  # type: ignore[return-value]

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


def local_time(value: Any, zone: tzinfo) -> Any:
    """A date-time with an offset as the wall-clock time in `zone` (no offset); any other value unchanged."""
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value.astimezone(zone).replace(tzinfo=None)
    return value


@cache
def _zones() -> frozenset[str]:
    # Only names of the time zone database: ZoneInfo itself would open any file under its search path.
    return frozenset(available_timezones())


def _typed(value: object) -> object:
    if isinstance(value, BaseModel):
        return (type(value).__name__, *(_typed(getattr(value, name)) for name in type(value).model_fields))
    if isinstance(value, list | tuple):
        return ("list", *(_typed(v) for v in value))
    if isinstance(value, date):  # and datetime, with its offset
        return (type(value).__name__, value.isoformat())
    if isinstance(value, float):
        return ("float", repr(value))  # -0.0 renders apart from 0.0, yet they compare equal
    return (type(value).__name__, value)

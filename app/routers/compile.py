"""`/v1/compile`: a metric query in, one SELECT for a dialect out.

`POST` takes the full query model (`catalog.query.MetricQuery`); `GET` takes the common part as query
parameters so a BI tool can use a plain URL:

    GET /v1/compile?metric=gmv&metric=arppu&by=channel&grain=month&dialect=hive&where=city='北京'

A metric may be pinned to a stored version, `gmv@2`. An unknown metric is a 404, an unknown dialect or any
other query error a 422, each with the close names in the hint.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from app.deps import READ_SECURITY, Compiling, ReadContext
from app.problems import problem_responses
from catalog.compile import CompiledQuery, compile_query
from catalog.model import Grain
from catalog.query import MAX_DIMENSIONS, MAX_FILTERS, MAX_METRICS, MetricQuery

router = APIRouter(prefix="/v1/compile", tags=["compile"])

_EXAMPLE_QUERY = {
    "metrics": ["finance.gmv", "finance.paid_orders@1"],
    "dimensions": ["channel"],
    "grain": "month",
    "filters": [{"dimension": "city", "op": "in", "values": ["北京", "上海"]}],
    "time_range": {"start": "2025-01-01", "end": "2025-07-01"},
    "order_by": ["metric_time", "-gmv"],
    "limit": 1000,
    "dialect": "postgres",
}


class CompiledPublic(BaseModel):
    sql: str = Field(examples=["SELECT ... FROM dw.fact_orders ..."])
    dialect: str = Field(examples=["postgres"])
    columns: list[str] = Field(
        description="Output columns in order: metric_time, dimensions, metrics.",
        examples=[["metric_time", "channel", "gmv"]],
    )
    metrics: list[str] = Field(
        description="Every metric used; pinned ones as `key@N`.",
        examples=[["finance.gmv", "finance.paid_orders@1"]],
    )
    warnings: list[str] = Field(examples=[["metric finance.paid_orders@1 is deprecated"]])

    @classmethod
    def of(cls, compiled: CompiledQuery) -> CompiledPublic:
        return cls(
            sql=compiled.sql,
            dialect=compiled.dialect,
            columns=list(compiled.columns),
            metrics=list(compiled.metrics),
            warnings=list(compiled.warnings),
        )


_EXAMPLES = {"monthly": {"summary": "Two metrics by channel and month, one pinned", "value": _EXAMPLE_QUERY}}


@router.post(
    "",
    response_model=CompiledPublic,
    responses=problem_responses(400, 401, 404, 413),
    openapi_extra=READ_SECURITY,
)
async def compile_post(
    query: Annotated[MetricQuery, Body(openapi_examples=_EXAMPLES)],
    read: Compiling,
) -> CompiledPublic:
    """Compile a metric query to one SELECT."""
    return CompiledPublic.of(await compiled(query, read))


@router.get(
    "", response_model=CompiledPublic, responses=problem_responses(401, 404), openapi_extra=READ_SECURITY
)
async def compile_get(
    read: Compiling,
    metric: Annotated[
        list[str],
        Query(
            min_length=1,
            max_length=MAX_METRICS,
            examples=[["gmv"]],
            description="A metric, maybe pinned (`gmv@2`); repeat for several.",
        ),
    ],
    by: Annotated[
        list[str] | None,
        Query(
            max_length=MAX_DIMENSIONS, examples=[["channel"]], description="A dimension; repeat for several."
        ),
    ] = None,
    grain: Grain | None = None,
    dialect: Annotated[str, Query(min_length=1, max_length=40, examples=["hive"])] = "duckdb",
    where: Annotated[
        list[str] | None,
        Query(
            max_length=MAX_FILTERS,
            description="A filter over dimensions in SQL; repeat for several, which must all hold.",
            examples=[["city = '北京'"]],
        ),
    ] = None,
    start: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Time range start (inclusive): a date, or a date-time with or without an offset.",
            examples=["2025-01-01"],
        ),
    ] = None,
    end: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Time range end (exclusive), of the same kind as start.",
            examples=["2025-07-01"],
        ),
    ] = None,
    time_zone: Annotated[
        str,
        Query(
            min_length=1,
            max_length=64,
            description="IANA time zone of the warehouse's times; bounds with an offset are converted to it.",
        ),
    ] = "UTC",
    order_by: Annotated[
        list[str] | None,
        Query(
            max_length=MAX_METRICS + MAX_DIMENSIONS + 1, description="`name` or `-name`; repeat for several."
        ),
    ] = None,
    limit: Annotated[int | None, Query(ge=0)] = None,
) -> CompiledPublic:
    """Compile a query given as URL parameters (`start` and `end` go together)."""
    fields: dict[str, object] = {
        "metrics": metric,
        "dimensions": by or [],
        "grain": grain,
        "where": where or None,
        "dialect": dialect,
        "order_by": order_by or [],
        "limit": limit,
        "time_zone": time_zone,
    }
    if start is not None or end is not None:
        fields["time_range"] = {"start": start, "end": end}
    try:
        query = MetricQuery.model_validate(fields)
    except ValidationError as err:
        raise RequestValidationError(
            [{**e, "loc": ("query", *e["loc"])} for e in err.errors(include_url=False)]
        ) from err
    return CompiledPublic.of(await compiled(query, read))


INLINE = {"metrics": 8, "dimensions": 4, "filters": 8, "filter_values": 200, "where": 1_000}
"""Largest query compiled on the event loop, where a compile is short enough not to hold up other requests
(bench/RESULTS.md has the figures). Every filter value is a literal to build and render, so the values of all
filters count too. Anything larger compiles in a thread."""


async def compiled(query: MetricQuery, read: ReadContext) -> CompiledQuery:
    """Compile a usual query on the event loop: it is short CPU work, which a worker thread would only make
    wait for the GIL (a thread hop doubled the time of a request). Two kinds go to a thread so the loop keeps
    serving meanwhile: a large query (every metric of the standard library by month would stall every other
    request of the worker), and a pinned one (`gmv@2`), which reads its version from the store. Thread jobs
    are heavy jobs, limited in number (`app.heavy`)."""
    if query.pinned or not inline(query):
        return await read.heavy.run(compile_query, query, read.catalog, pins=read.repo.pin)
    return compile_query(query, read.catalog, pins=read.repo.pin)


def inline(query: MetricQuery) -> bool:
    return (
        len(query.metrics) <= INLINE["metrics"]
        and len(query.dimensions) <= INLINE["dimensions"]
        and len(query.filters) <= INLINE["filters"]
        and sum(len(f.values) for f in query.filters) <= INLINE["filter_values"]
        and sum(len(text) for text in query.where_conditions()) <= INLINE["where"]
    )

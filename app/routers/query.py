"""`/v1/query`: compile a metric query for DuckDB and run it on the service's warehouse.

The rows answer "what does this metric say?" without a BI tool; the SQL that produced them is returned with
them, so anyone can re-run it. Only the compiled SELECT ever runs, on a connection that can read the
warehouse's tables and nothing else (`app.warehouse`), in a worker thread, within the server's timeout and
row cap (`CALIBER_QUERY_TIMEOUT_SECONDS`, `CALIBER_QUERY_MAX_ROWS`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from app.deps import READ_SECURITY, Querying
from app.problems import ApiProblem, problem_responses
from app.warehouse import MAX_ROWS, Warehouse, WarehouseError, WarehouseTimeout
from catalog.compile import compile_query
from catalog.issues import issue
from catalog.query import MetricQuery

router = APIRouter(prefix="/v1/query", tags=["query"])

_EXAMPLE = {
    "metrics": ["gmv", "paid_orders"],
    "grain": "month",
    "time_range": {"start": "2025-01-01", "end": "2025-07-01"},
}


class QueryResult(BaseModel):
    columns: list[str] = Field(examples=[["metric_time", "gmv", "paid_orders"]])
    rows: list[list[Any]] = Field(examples=[[["2025-01-01", 123456.5, 880]]])
    truncated: bool = Field(
        description=f"More rows than the server's cap (CALIBER_QUERY_MAX_ROWS, {MAX_ROWS:,} by default): "
        "only the first ones are returned."
    )
    sql: str = Field(description="The DuckDB SQL that was run.")
    metrics: list[str] = Field(examples=[["finance.gmv", "finance.paid_orders"]])
    warnings: list[str]


def service_warehouse(request: Request) -> Warehouse:
    """The service's warehouse; 404 (H004) when it has none."""
    warehouse: Warehouse | None = getattr(request.app.state, "warehouse", None)
    if warehouse is None:
        raise ApiProblem(
            404,
            "No warehouse",
            [
                issue(
                    "H004",
                    "this service has no warehouse to run queries on",
                    hint="set CALIBER_WAREHOUSE_PATH to a DuckDB file, or compile with /v1/compile",
                )
            ],
        )
    return warehouse


@router.post(
    "",
    response_model=QueryResult,
    responses=problem_responses(400, 401, 404, 413),
    openapi_extra=READ_SECURITY,
)
def run_query(  # sync: FastAPI runs it in a worker thread, off the event loop
    query: Annotated[
        MetricQuery,
        Body(
            openapi_examples={
                "monthly": {"summary": "Two metrics by month over a half year", "value": _EXAMPLE}
            }
        ),
    ],
    request: Request,
    read: Querying,
) -> QueryResult:
    """Compile the query for DuckDB (whatever `dialect` says) and return its rows from the warehouse."""
    warehouse = service_warehouse(request)
    compiled = compile_query(query.model_copy(update={"dialect": "duckdb"}), read.catalog, pins=read.repo.pin)
    try:
        result = warehouse.run(compiled.sql)
    except WarehouseError as err:
        hint = (
            "ask for less: fewer metrics or dimensions, a coarser grain or a shorter time_range"
            if isinstance(err, WarehouseTimeout)
            else "the warehouse may lack a table or column the definitions name"
        )
        raise ApiProblem(
            422,
            "The warehouse refused the query",
            [issue("H010", f"the warehouse could not run the query: {err}", hint=hint)],
        ) from err
    return QueryResult(
        columns=list(result.columns),
        rows=result.rows,
        truncated=result.truncated,
        sql=compiled.sql,
        metrics=list(compiled.metrics),
        warnings=list(compiled.warnings),
    )

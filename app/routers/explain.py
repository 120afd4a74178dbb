"""`POST /v1/explain-change`: why a metric moved between two periods, by dimension value.

The attribution (`catalog.attribution`) compiles one SELECT per dimension for DuckDB and runs it on the
service's warehouse, like `/v1/query`; reading the warehouse is the `query` right.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field

from app.deps import READ_SECURITY, Querying
from app.problems import ApiProblem, problem_responses
from app.routers.query import service_warehouse
from app.warehouse import WarehouseError
from catalog.attribution import MAX_DIMENSIONS, PERIOD_FORMS, explain_change
from catalog.issues import issue

router = APIRouter(prefix="/v1/explain-change", tags=["query"])


class ExplainChangeBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    metric: Annotated[str, Field(min_length=1, max_length=200, examples=["gmv"])]
    from_period: Annotated[
        str, Field(alias="from", min_length=1, max_length=40, description=PERIOD_FORMS, examples=["2024-02"])
    ]
    to_period: Annotated[str, Field(alias="to", min_length=1, max_length=40, examples=["2024-03"])]
    by: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=MAX_DIMENSIONS)]


class ContributionOut(BaseModel):
    dimension: str
    value: Any
    contribution: float
    from_value: float | None
    to_value: float | None
    rate_effect: float | None = None
    mix_effect: float | None = None


class ExplanationOut(BaseModel):
    metric: str
    from_: str = Field(alias="from")
    to: str
    total_change: float
    contributions: list[ContributionOut]
    kind: str = Field(description="additive | ratio (docs/explain-change.md)")
    from_value: float | None
    to_value: float | None
    periods: dict[str, dict[str, str]]
    sql: list[str] = Field(description="The DuckDB SELECT run for each dimension.")


@router.post(
    "",
    response_model=ExplanationOut,
    response_model_by_alias=True,
    responses=problem_responses(401, 404, 422),
    openapi_extra=READ_SECURITY,
)
def explain(  # sync: FastAPI runs it in a worker thread, off the event loop
    body: Annotated[
        ExplainChangeBody,
        Body(
            openapi_examples={
                "gmv": {
                    "summary": "GMV, March against February, by channel",
                    "value": {"metric": "gmv", "from": "2024-02", "to": "2024-03", "by": ["channel"]},
                }
            }
        ),
    ],
    request: Request,
    read: Querying,
) -> dict[str, Any]:
    """Split the metric's change into each dimension value's contribution, largest first."""
    warehouse = service_warehouse(request)

    def run(sql: str) -> list[list[Any]]:
        result = warehouse.run(sql)
        if result.truncated:
            raise ApiProblem(
                422,
                "Too many segments",
                [
                    issue(
                        "H010",
                        f"a dimension has more than {warehouse.max_rows:,} values over the two periods",
                        hint="split by a dimension with fewer values",
                    )
                ],
            )
        return result.rows

    try:
        found = explain_change(
            read.catalog, body.metric, body.from_period, body.to_period, body.by, run, "duckdb"
        )
    except WarehouseError as err:
        raise ApiProblem(
            422,
            "The warehouse refused the query",
            [
                issue(
                    "H010", f"the warehouse could not run the query: {err}", hint="see docs/explain-change.md"
                )
            ],
        ) from err
    return found.as_dict()

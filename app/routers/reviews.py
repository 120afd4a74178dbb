"""`/v1/reviews`: changes waiting for an owner before they go live (`catalog.store.review`), and
`/v1/metrics/{key}/lineage`: what a metric is computed from and what is computed from it.

    GET  /v1/reviews                  pending reviews (`?state=` approved | rejected | superseded | all)
    GET  /v1/reviews/{id}             one review: the caliber diff, the SQL before and after, the impact
    POST /v1/reviews/{id}/approve     an owner of the namespace (not the author, for a standard metric)
    POST /v1/reviews/{id}/reject      the same, with a reason
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.deps import READ_SECURITY, Approver, Read, RepoDep
from app.problems import ApiProblem, not_found, problem_responses
from catalog.compile import CompileError, compile_query
from catalog.issues import issue
from catalog.lineage import lineage
from catalog.query import MetricQuery
from catalog.store.records import ReviewRecord
from catalog.store.repository import Repository

router = APIRouter(tags=["reviews"])

ReviewId = Annotated[int, Path(ge=1, le=2**31 - 1, examples=[1], description="The review's id.")]
RejectedId = Annotated[int, Path(ge=1, le=2**31 - 1, examples=[2], description="The review's id.")]
StateQuery = Literal["in_review", "approved", "rejected", "superseded", "all"]


class ReviewPublic(BaseModel):
    id: int = Field(examples=[1])
    kind: str = Field(examples=["metric"])
    key: str = Field(examples=["finance.gmv"])
    namespace: str = Field(examples=["finance"])
    version: int = Field(description="The proposed version.", examples=[3])
    base: int = Field(description="The live version when it was proposed.", examples=[2])
    author: str = Field(examples=["ann"])
    state: str = Field(description="in_review | approved | rejected | superseded", examples=["in_review"])
    standard: bool = Field(description="A change to a standard metric: its author may not approve it.")
    note: str
    reason: str = Field(description="Why it was rejected.")
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, r: ReviewRecord) -> ReviewPublic:
        return cls(
            id=r.id,
            kind=r.kind,
            key=r.key,
            namespace=r.namespace,
            version=r.number,
            base=r.base,
            author=r.author,
            state=r.state,
            standard=r.standard,
            note=r.note,
            reason=r.reason,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            created_at=r.created_at,
        )


class ChangePublic(BaseModel):
    path: str
    before: Any
    after: Any
    caliber: bool


class ReviewDetail(ReviewPublic):
    caliber_changed: bool = Field(description="False: only metadata (labels, description, owner…) changed.")
    changes: list[ChangePublic]
    dialect: str
    sql_before: str | None = Field(description="The live version's SQL (metrics only).")
    sql_after: str | None = Field(description="The proposed version's SQL (metrics only).")
    impact: list[str] = Field(description="Every metric computed from this one: approving changes them too.")


class RejectBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "keep refunds in"}]})
    reason: Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]


class LineagePublic(BaseModel):
    key: str = Field(examples=["finance.arppu"])
    upstream: list[str] = Field(description="Metrics it is computed from, directly or not.")
    sources: list[str] = Field(description="Sources under it.")
    downstream: list[str] = Field(description="Metrics computed from it, directly or not.")


@router.get(
    "/v1/reviews",
    response_model=list[ReviewPublic],
    responses=problem_responses(401),
    openapi_extra=READ_SECURITY,
)
def list_reviews(
    read: Read,
    state: StateQuery = "in_review",
    namespace: Annotated[str | None, Query(max_length=200)] = None,
) -> list[ReviewPublic]:
    """Reviews in `state` (default: pending), oldest first."""
    found = read.repo.reviews.list(None if state == "all" else state, namespace)
    return [ReviewPublic.of(r) for r in found]


@router.get(
    "/v1/reviews/{review_id}",
    response_model=ReviewDetail,
    responses=problem_responses(401, 404),
    openapi_extra=READ_SECURITY,
)
def get_review(
    review_id: ReviewId,
    read: Read,
    dialect: Annotated[str, Query(min_length=1, max_length=40, examples=["duckdb"])] = "duckdb",
) -> ReviewDetail:
    """The review with what it changes: field by field, the SQL before and after, the downstream metrics."""
    return review_detail(read.repo, _review(read.repo, review_id), read.catalog, dialect)


@router.post(
    "/v1/reviews/{review_id}/approve",
    response_model=ReviewPublic,
    responses=problem_responses(401, 403, 404, 409),
)
def approve(review_id: ReviewId, repo: RepoDep, who: Approver) -> ReviewPublic:
    """Make the proposed version live. 403 unless an owner of the namespace (or an admin) who, for a standard
    metric, is not the author; 409 when the review is closed or the change no longer fits the catalog."""
    return ReviewPublic.of(repo.reviews.approve(review_id, who))


@router.post(
    "/v1/reviews/{review_id}/reject",
    response_model=ReviewPublic,
    responses=problem_responses(401, 403, 404, 409),
)
def reject(review_id: RejectedId, body: RejectBody, repo: RepoDep, who: Approver) -> ReviewPublic:
    """Close the review with a reason; the live version stays."""
    return ReviewPublic.of(repo.reviews.reject(review_id, who, body.reason))


@router.get(
    "/v1/metrics/{key}/lineage",
    response_model=LineagePublic,
    responses=problem_responses(401, 404),
    openapi_extra=READ_SECURITY,
)
def metric_lineage(
    key: Annotated[str, Path(max_length=401, examples=["finance.arppu"])], read: Read
) -> LineagePublic:
    """Upstream and downstream of the metric, from the resolved references of the live catalog."""
    keys = read.catalog.find("metrics", key)
    if len(keys) != 1:
        raise not_found("metric", key, read.catalog.metrics)
    found = lineage(read.catalog, keys[0])
    return LineagePublic(
        key=found.key,
        upstream=list(found.upstream_metrics),
        sources=list(found.sources),
        downstream=list(found.downstream),
    )


def review_detail(repo: Repository, record: ReviewRecord, catalog: Any, dialect: str) -> ReviewDetail:
    """What the review page and `GET /v1/reviews/{id}` show."""
    found = repo.diff(record.key, record.base, record.number, record.kind)
    assert found is not None  # both versions of a review are stored
    sql: list[str | None] = [None, None]
    impact: list[str] = []
    if record.kind == "metric" and record.key in catalog.metrics:
        impact = list(lineage(catalog, record.key).downstream)
        for i, number in enumerate((record.base, record.number)):
            query = MetricQuery(metrics=[f"{record.key}@{number}"], grain="month", dialect=dialect)
            try:
                sql[i] = compile_query(query, catalog, pins=repo.pin).sql
            except CompileError as err:
                if any(e.code == "E004" for e in err.issues):
                    raise
    return ReviewDetail(
        **ReviewPublic.of(record).model_dump(),
        caliber_changed=found.caliber_changed,
        changes=[
            ChangePublic(path=c.path, before=c.before, after=c.after, caliber=c.caliber)
            for c in found.changes
        ],
        dialect=dialect,
        sql_before=sql[0],
        sql_after=sql[1],
        impact=impact,
    )


def _review(repo: Repository, review_id: int) -> ReviewRecord:
    record = repo.reviews.get(review_id)
    if record is None:
        raise ApiProblem(
            404, "Unknown review", [issue("G004", f"no review {review_id}", hint="see `GET /v1/reviews`")]
        )
    return record

"""`/v1/metrics`: search, read one metric with what it can be sliced by and its default SQL, its versions,
the diff between two versions, and deprecation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.deps import READ_SECURITY, CurrentDep, Deprecator, Read, Reader, RepoDep, require
from app.problems import ApiProblem, not_found, problem_responses
from app.routers.catalog_objects import LabelPublic
from catalog.compare.conflicts import findings_of_metric
from catalog.compare.lint_check import issue_of
from catalog.compile import CompileError, compile_query
from catalog.issues import Issue, issue
from catalog.lineage import allowed_dimensions
from catalog.lint import LintResult
from catalog.model import Metric
from catalog.schema import Stage, Status
from catalog.series import series_query
from catalog.store.records import DefinitionRecord, VersionRecord

router = APIRouter(prefix="/v1/metrics", tags=["metrics"])

KeyPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        examples=["finance.gmv"],
        description="`namespace.name`, or a bare name that is unique",
    ),
]
VersionNumber = Annotated[int, Path(ge=1, le=1_000_000_000, examples=[2])]


class MetricSummary(BaseModel):
    key: str = Field(examples=["finance.gmv"])
    namespace: str = Field(examples=["sales"])
    name: str = Field(examples=["gmv"])
    type: str = Field(examples=["atomic"])
    label: LabelPublic
    description: str = Field(examples=["Paid order amount, on payment time."])
    stage: str = Field(examples=["revenue"])
    owner: str = Field(examples=["sales-team"])
    status: str = Field(examples=["active"])
    unit: str | None = Field(default=None, examples=["CNY"])
    version: int = Field(description="The current version number.", examples=[2])
    updated_at: datetime

    @classmethod
    def of(cls, record: DefinitionRecord) -> MetricSummary:
        d = record.definition
        label = d.get("label") or {}
        return cls(
            key=record.key,
            namespace=record.namespace,
            name=record.name,
            type=str(d.get("type", "")),
            label=LabelPublic(en=str(label.get("en", "")), zh=str(label.get("zh", ""))),
            description=str(d.get("description", "")),
            stage=str(d.get("stage", "")),
            owner=str(d.get("owner", "")),
            status=record.status,
            unit=d.get("unit"),
            version=record.version,
            updated_at=record.updated_at,
        )


class MetricPage(BaseModel):
    items: list[MetricSummary]
    total: int = Field(description="Matches before paging.", examples=[12])
    offset: int = Field(examples=[0])
    limit: int = Field(examples=[50])


class ConflictPublic(BaseModel):
    """Another metric that shares this one's name or label with a different caliber, or the reverse."""

    code: str = Field(examples=["C001"])
    message: str
    hint: str


class MetricDetail(MetricSummary):
    definition: dict[str, Any] = Field(description="The definition as published (YAML as JSON).")
    allowed_dimensions: list[str] = Field(
        description="Dimensions this metric can be sliced by.", examples=[["common.channel", "common.city"]]
    )
    default_sql: str | None = Field(
        description="The metric alone by month for DuckDB (alone, without metric_time, when it has no time "
        "column); null when it cannot be compiled (see warnings)."
    )
    warnings: list[str] = Field(examples=[["deprecated: use finance.net_gmv"]])
    conflicts: list[ConflictPublic]


class VersionPublic(BaseModel):
    number: int = Field(examples=[2])
    status: str = Field(examples=["active"])
    author: str = Field(examples=["ci-bot"])
    note: str = Field(examples=["exclude test orders"])
    created_at: datetime
    content_hash: str
    semantic_hash: str = Field(description="Equal hashes: the same caliber (SQL meaning).")

    @classmethod
    def of(cls, record: VersionRecord) -> VersionPublic:
        return cls(
            number=record.number,
            status=record.status,
            author=record.author,
            note=record.note,
            created_at=record.created_at,
            content_hash=record.content_hash,
            semantic_hash=record.semantic_hash,
        )


class VersionDetail(VersionPublic):
    key: str = Field(examples=["finance.gmv"])
    definition: dict[str, Any]


class FieldChangePublic(BaseModel):
    path: str = Field(examples=["filter"])
    before: Any = Field(examples=["status = 'paid'"])
    after: Any = Field(examples=["status = 'paid' AND NOT is_test"])
    caliber: bool = Field(description="The field decides the SQL meaning (not a label, owner…).")


class DiffPublic(BaseModel):
    key: str = Field(examples=["finance.gmv"])
    from_version: int = Field(examples=[1])
    to_version: int = Field(examples=[2])
    caliber_changed: bool = Field(description="False: only metadata changed, the numbers stay the same.")
    changes: list[FieldChangePublic]
    dialect: str = Field(examples=["duckdb"])
    sql_from: str | None = Field(description="The metric by month at `from_version` (see default_sql).")
    sql_to: str | None = Field(description="The metric by month at `to_version` (see default_sql).")
    warnings: list[str]


class DeprecateBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "use finance.net_gmv"}]}
    )

    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


@router.get("", response_model=MetricPage, responses=problem_responses(401))
def list_metrics(
    repo: RepoDep,
    _who: Reader,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Text in the name, the English or Chinese label, or the description.",
            examples=["订单"],
        ),
    ] = None,
    stage: Stage | None = None,
    namespace: Annotated[str | None, Query(max_length=200, examples=["finance"])] = None,
    owner: Annotated[str | None, Query(max_length=200, examples=["finance"])] = None,
    status: Status | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> MetricPage:
    """Current metrics matching every filter given, sorted by key."""
    page = repo.list_metrics(
        q, stage.value if stage else None, namespace, owner, status.value if status else None, offset, limit
    )
    return MetricPage(
        items=[MetricSummary.of(r) for r in page.items], total=page.total, offset=offset, limit=limit
    )


@router.get(
    "/{key}", response_model=MetricDetail, responses=problem_responses(401, 404), openapi_extra=READ_SECURITY
)
def get_metric(key: KeyPath, read: Read) -> MetricDetail:
    """The current definition with its allowed dimensions, default SQL, warnings and conflicts."""
    repo, current = read.repo, read.current
    metric = _metric(current, key)
    record = repo.get_metric(metric.key)
    if record is None:
        raise not_found("metric", key, current.catalog.metrics)
    warnings: list[str] = []
    sql: str | None = None
    try:
        compiled = compile_query(series_query(current.catalog, metric), current.catalog, pins=repo.pin)
        sql = compiled.sql
        warnings.extend(compiled.warnings)
    except CompileError as err:
        warnings.extend(f"no default SQL: {i.message}" for i in err.issues)
    if metric.deprecated:
        # The compiler says that it is deprecated; the version that deprecated it says why.
        said = f"metric {metric.key} is deprecated"
        current_version = repo.version(metric.key, record.version)
        reason = current_version.note if current_version else ""
        warnings = [said + (f": {reason}" if reason else ""), *(w for w in warnings if w != said)]
    return MetricDetail(
        **MetricSummary.of(record).model_dump(),
        definition=dict(record.definition),
        allowed_dimensions=allowed_dimensions(current.catalog, metric.key),
        default_sql=sql,
        warnings=warnings,
        conflicts=[
            ConflictPublic(code=i.code, message=i.message, hint=i.hint) for i in _conflicts(current, metric)
        ],
    )


@router.get(
    "/{key}/versions",
    response_model=list[VersionPublic],
    responses=problem_responses(401, 404),
    openapi_extra=READ_SECURITY,
)
def list_versions(key: KeyPath, read: Read) -> list[VersionPublic]:
    """Every version, oldest first."""
    return [VersionPublic.of(v) for v in read.repo.versions(_metric(read.current, key).key)]


@router.get(
    "/{key}/versions/{number}",
    response_model=VersionDetail,
    responses=problem_responses(401, 404),
    openapi_extra=READ_SECURITY,
)
def get_version(key: KeyPath, number: VersionNumber, read: Read) -> VersionDetail:
    """One version with its definition as published."""
    repo, current = read.repo, read.current
    metric = _metric(current, key)
    record = repo.version(metric.key, number)
    if record is None:
        raise _no_version(repo, metric.key, number)
    return VersionDetail(
        **VersionPublic.of(record).model_dump(), key=metric.key, definition=dict(record.definition)
    )


@router.get(
    "/{key}/diff",
    response_model=DiffPublic,
    responses=problem_responses(401, 404),
    openapi_extra=READ_SECURITY,
)
def diff_versions(
    key: KeyPath,
    read: Read,
    from_version: Annotated[int, Query(alias="from", ge=1, le=1_000_000_000, examples=[1])],
    to_version: Annotated[int, Query(alias="to", ge=1, le=1_000_000_000, examples=[2])],
    dialect: Annotated[str, Query(min_length=1, max_length=40, examples=["duckdb"])] = "duckdb",
) -> DiffPublic:
    """Field-by-field changes, whether the caliber changed, and the SQL of both versions (compiled pinned)."""
    repo, current = read.repo, read.current
    metric = _metric(current, key)
    found = repo.diff(metric.key, from_version, to_version)
    if found is None:
        missing = to_version if repo.version(metric.key, from_version) else from_version
        raise _no_version(repo, metric.key, missing)
    sql: list[str | None] = []
    warnings: list[str] = []
    for number in (from_version, to_version):
        # Compiles the metric as of each version; a dialect the compiler does not know is the client's error.
        label = f"{metric.key}@{number}"
        try:
            query = series_query(current.catalog, repo.pin(metric.key, number) or metric, label, dialect)
            compiled = compile_query(query, current.catalog, pins=repo.pin)
        except CompileError as err:
            if any(i.code == "E004" for i in err.issues):
                raise
            sql.append(None)
            warnings.extend(f"v{number}: {i.message}" for i in err.issues)
            continue
        sql.append(compiled.sql)
        warnings.extend(f"v{number}: {w}" for w in compiled.warnings)
    return DiffPublic(
        key=metric.key,
        from_version=from_version,
        to_version=to_version,
        caliber_changed=found.caliber_changed,
        dialect=dialect,
        changes=[
            FieldChangePublic(path=c.path, before=c.before, after=c.after, caliber=c.caliber)
            for c in found.changes
        ],
        sql_from=sql[0],
        sql_to=sql[1],
        warnings=warnings,
    )


@router.post(
    "/{key}/deprecate", response_model=VersionPublic, responses=problem_responses(400, 401, 403, 404, 413)
)
def deprecate(
    key: KeyPath,
    body: DeprecateBody,
    repo: RepoDep,
    current: CurrentDep,
    who: Deprecator,
) -> VersionPublic:
    """Mark the metric deprecated in a new version: it still compiles, with a warning. Idempotent."""
    metric = _metric(current, key)
    require(who, "deprecate", metric.namespace)
    record = repo.deprecate(metric.key, body.reason, author=who.name, actor=who)
    if record is None:
        raise not_found("metric", key, current.catalog.metrics)
    return VersionPublic.of(record)


def _conflicts(current: LintResult, metric: Metric) -> list[Issue]:
    """The metric's conflicts as `caliber lint` reports them (C001–C004), in its order."""
    found = [issue_of(f) for f in findings_of_metric(current.catalog, metric.key)]
    return sorted(found, key=lambda i: (i.location.file, i.location.line, i.location.col, i.code))


def _metric(current: LintResult, key: str) -> Metric:
    keys = current.catalog.find("metrics", key)
    if not keys:
        raise not_found("metric", key, current.catalog.metrics)
    if len(keys) > 1:
        raise ApiProblem(
            404,
            "Ambiguous metric name",
            [
                issue(
                    "H008", f"`{key}` names {len(keys)} metrics", hint=f"use one of {', '.join(sorted(keys))}"
                )
            ],
        )
    return current.catalog.metrics[keys[0]]


def _no_version(repo: RepoDep, key: str, number: int) -> ApiProblem:
    count = len(repo.versions(key))
    return ApiProblem(
        404,
        "Unknown version",
        [issue("H004", f"{key} has no version {number}", hint=f"versions are 1 to {count}")],
    )

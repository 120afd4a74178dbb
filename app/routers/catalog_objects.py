"""`GET /v1/dimensions` and `GET /v1/sources`: what metrics can be sliced by, and where they are computed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.deps import READ_SECURITY, Read
from app.problems import problem_responses
from catalog.model import Dimension, Source

router = APIRouter(prefix="/v1", tags=["catalog"])

NamespaceQuery = Annotated[str | None, Query(max_length=200, description="Only this namespace.")]


class LabelPublic(BaseModel):
    en: str = Field(examples=["Acquisition channel"])
    zh: str = Field(examples=["获客渠道"])


class DimensionPublic(BaseModel):
    key: str = Field(examples=["common.channel"])
    namespace: str = Field(examples=["common"])
    name: str = Field(examples=["channel"])
    source: str = Field(examples=["common.users"])
    expr: str = Field(examples=["channel"])
    type: str = Field(examples=["categorical"])
    label: LabelPublic
    description: str | None = None

    @classmethod
    def of(cls, dimension: Dimension) -> DimensionPublic:
        return cls(
            key=dimension.key,
            namespace=dimension.namespace,
            name=dimension.name,
            source=dimension.source,
            expr=dimension.expr,
            type=dimension.type,
            description=dimension.description,
            label=LabelPublic(en=dimension.label.en, zh=dimension.label.zh),
        )


class EntityPublic(BaseModel):
    name: str = Field(examples=["user"])
    column: str = Field(examples=["user_id"])
    primary: bool = Field(examples=[True])


class SourcePublic(BaseModel):
    key: str = Field(examples=["common.users"])
    namespace: str = Field(examples=["common"])
    name: str = Field(examples=["users"])
    table: str = Field(examples=["dw.dim_users"])
    time: str | None = Field(examples=["signup_at"])
    columns: dict[str, str] | None = Field(examples=[{"user_id": "integer", "signup_at": "timestamp"}])
    entities: list[EntityPublic]
    description: str | None = None

    @classmethod
    def of(cls, source: Source) -> SourcePublic:
        return cls(
            key=source.key,
            namespace=source.namespace,
            name=source.name,
            table=source.table,
            time=source.time,
            columns=dict(source.columns) if source.columns is not None else None,
            entities=[EntityPublic(name=e.name, column=e.column, primary=e.primary) for e in source.entities],
            description=source.description,
        )


@router.get(
    "/dimensions",
    response_model=list[DimensionPublic],
    responses=problem_responses(401),
    openapi_extra=READ_SECURITY,
)
def list_dimensions(
    read: Read,
    namespace: NamespaceQuery = None,
    source: Annotated[
        str | None, Query(max_length=200, description="Only dimensions of this source (qualified key).")
    ] = None,
) -> list[DimensionPublic]:
    """Every dimension of the current catalog, sorted by key."""
    return [
        DimensionPublic.of(d)
        for key, d in sorted(read.catalog.dimensions.items())
        if (namespace is None or d.namespace == namespace) and (source is None or d.source == source)
    ]


@router.get(
    "/sources",
    response_model=list[SourcePublic],
    responses=problem_responses(401),
    openapi_extra=READ_SECURITY,
)
def list_sources(read: Read, namespace: NamespaceQuery = None) -> list[SourcePublic]:
    """Every source (warehouse table) of the current catalog, sorted by key."""
    return [
        SourcePublic.of(s)
        for key, s in sorted(read.catalog.sources.items())
        if namespace is None or s.namespace == namespace
    ]

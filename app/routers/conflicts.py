"""`GET /v1/conflicts`: conflicts and duplicates across teams in the current catalog (`caliber conflicts`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.deps import READ_SECURITY, Read
from app.problems import problem_responses
from catalog.compare.conflicts import KINDS, Finding, Kind, findings_for
from catalog.compare.report import summary
from catalog.issues import Location

router = APIRouter(prefix="/v1/conflicts", tags=["catalog"])


class DifferencePublic(BaseModel):
    aspect: str = Field(
        description="source table | aggregation | expression | filter | time column "
        "| formula | type | a parameter (window, entity…)",
        examples=["time column"],
    )
    part: str = Field(
        description="Which component differs (`denominator`, `step 2`); empty for the metric.", examples=[""]
    )
    left: str | None = Field(
        description="Left side's value; null when only the right side has it.", examples=["paid_at"]
    )
    right: str | None = Field(examples=["created_at"])


class LocationPublic(BaseModel):
    file: str = Field(examples=["finance/revenue.yaml"])
    line: int = Field(examples=[8])
    col: int = Field(examples=[3])

    @classmethod
    def of(cls, location: Location) -> LocationPublic:
        return cls(file=location.file, line=location.line, col=location.col)


class FindingPublic(BaseModel):
    kind: Kind
    left: str = Field(
        description="The reference side: the standard metric, or the first key.", examples=["finance.gmv"]
    )
    right: str = Field(description="The side that should change.", examples=["bi.gmv"])
    reasons: list[str] = Field(
        description="What they share: name, label_en, label_zh, same caliber.",
        examples=[["name", "label_en"]],
    )
    differences: list[DifferencePublic]
    message: str
    message_zh: str
    hint: str
    left_location: LocationPublic
    right_location: LocationPublic

    @classmethod
    def of(cls, finding: Finding) -> FindingPublic:
        return cls(
            kind=finding.kind,
            left=finding.left,
            right=finding.right,
            reasons=list(finding.reasons),
            differences=[
                DifferencePublic(aspect=d.aspect, part=d.part, left=d.left, right=d.right)
                for d in finding.differences
            ],
            message=finding.message,
            message_zh=finding.message_zh,
            hint=finding.hint,
            left_location=LocationPublic.of(finding.left_location),
            right_location=LocationPublic.of(finding.right_location),
        )


class ConflictReport(BaseModel):
    findings: list[FindingPublic]
    summary: dict[str, int] = Field(
        description="Findings per kind (before the filters).", examples=[dict.fromkeys(KINDS, 0)]
    )


@router.get("", response_model=ConflictReport, responses=problem_responses(401), openapi_extra=READ_SECURITY)
def conflicts(
    read: Read,
    metric: Annotated[
        str | None,
        Query(max_length=200, examples=["finance.gmv"], description="Only findings naming this key."),
    ] = None,
    kind: Annotated[Kind | None, Query(description="Only findings of this kind.")] = None,
) -> ConflictReport:
    """Every conflict, duplicate and override problem of the current catalog, each explained."""
    found = findings_for(read.catalog)  # found once per catalog revision
    shown = [
        f
        for f in found
        if (metric is None or metric in (f.left, f.right)) and (kind is None or f.kind == kind)
    ]
    return ConflictReport(findings=[FindingPublic.of(f) for f in shown], summary=summary(found))

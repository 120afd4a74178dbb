"""`POST /v1/publish`: store a bundle of definition files as new versions (a token of a role that may publish).

The bundle is merged with the stored catalog and linted as a whole; any error rejects all of it (422 with the
issues), so the catalog never holds a broken state. Unchanged definitions get no new version. Source tables
must be plain `[catalog.]schema.table` names (in `CALIBER_ALLOWED_SCHEMAS` when set), or the bundle is refused
(S008). The work runs as a heavy job in a worker thread (`app.heavy`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.deps import HeavyDep, Publisher, RepoDep
from app.problems import problem_responses
from app.schemas import EXAMPLE_FILES, FileBundle, IssuePublic

router = APIRouter(prefix="/v1/publish", tags=["publish"])


class PublishBody(FileBundle):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"files": EXAMPLE_FILES, "note": "signups: count on signup time"}]},
    )

    note: Annotated[str, StringConstraints(max_length=2000)] = ""


class CreatedPublic(BaseModel):
    kind: str = Field(examples=["metric"])
    key: str = Field(examples=["growth.signups"])
    version: int = Field(examples=[2])


class ProposedPublic(BaseModel):
    kind: str = Field(examples=["metric"])
    key: str = Field(examples=["finance.gmv"])
    version: int = Field(examples=[3])
    review: int = Field(description="The review it waits for: `GET /v1/reviews/{id}`.", examples=[12])


class PublishPublic(BaseModel):
    created: list[CreatedPublic] = Field(description="Versions that went live.")
    in_review: list[ProposedPublic] = Field(
        description="Versions stored but not live: each waits for an owner of its namespace to approve it."
    )
    unchanged: int = Field(description="Definitions in the bundle identical to their current version.")
    warnings: list[IssuePublic]


@router.post("", response_model=PublishPublic, responses=problem_responses(400, 401, 403, 409, 413))
async def publish(body: PublishBody, repo: RepoDep, who: Publisher, heavy: HeavyDep) -> PublishPublic:
    """Publish the files; each changed definition gets its next version number. A change to a published
    definition by an analyst of its namespace, and any change to a standard metric, waits for review
    (`in_review`); the caller must be an analyst or more in every namespace the bundle changes (403)."""
    result = await heavy.run(repo.publish, body.files, author=who.name, note=body.note, actor=who)
    created = [CreatedPublic(kind=c.kind, key=c.key, version=c.version) for c in result.created]
    return PublishPublic(
        created=created,
        in_review=[
            ProposedPublic(kind=p.kind, key=p.key, version=p.version, review=p.review)
            for p in result.proposed
        ],
        unchanged=result.unchanged,
        warnings=[IssuePublic.of(w) for w in result.warnings],
    )

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


class PublishPublic(BaseModel):
    created: list[CreatedPublic]
    unchanged: int = Field(description="Definitions in the bundle identical to their current version.")
    warnings: list[IssuePublic]


@router.post("", response_model=PublishPublic, responses=problem_responses(400, 401, 403, 409, 413))
async def publish(body: PublishBody, repo: RepoDep, who: Publisher, heavy: HeavyDep) -> PublishPublic:
    """Publish the files; each changed definition gets its next version number."""
    result = await heavy.run(repo.publish, body.files, author=who.name, note=body.note)
    created = [CreatedPublic(kind=c.kind, key=c.key, version=c.version) for c in result.created]
    return PublishPublic(
        created=created, unchanged=result.unchanged, warnings=[IssuePublic.of(w) for w in result.warnings]
    )

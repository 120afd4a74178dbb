"""Request and response bodies shared by several routers (each router keeps the ones only it uses)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints

from catalog.issues import Issue
from catalog.lint import MAX_FILES

FileName = Annotated[str, StringConstraints(min_length=1, max_length=300)]

EXAMPLE_FILES: dict[str, JsonValue] = {
    "growth/acquisition.yaml": (
        "metrics:\n"
        "  signups:\n"
        "    type: atomic\n"
        "    source: common.users\n"
        "    agg: count\n"
        "    label: {en: Signups, zh: 注册用户数}\n"
        "    description: Registered users, on signup time.\n"
        "    stage: acquisition\n"
        "    owner: growth-team\n"
    ),
}


class FileBundle(BaseModel):
    """Definition files by path; the folder of each path is its namespace (`growth/x.yaml` → `growth`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"files": EXAMPLE_FILES}]})

    files: Annotated[dict[FileName, str], Field(max_length=MAX_FILES)]


class IssuePublic(BaseModel):
    """One diagnostic, exactly as `caliber lint --format json` prints it."""

    code: str = Field(examples=["R001"])
    level: str = Field(examples=["error"])
    message: str = Field(examples=["unknown source `user`"])
    file: str = Field(examples=["growth/acquisition.yaml"])
    line: int = Field(examples=[5])
    col: int = Field(examples=[13])
    hint: str = Field(examples=["did you mean common.users?"])

    @classmethod
    def of(cls, found: Issue) -> IssuePublic:
        return cls.model_validate(found.as_dict())

"""`GET /v1/audit`: who published, deprecated, created or revoked tokens, newest first (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.deps import Auditor, RepoDep
from app.problems import problem_responses

router = APIRouter(prefix="/v1/audit", tags=["audit"])


class AuditPublic(BaseModel):
    id: int = Field(examples=[7])
    at: datetime
    actor: str = Field(examples=["ci-bot"])
    action: str = Field(examples=["publish"])
    target: str = Field(examples=["finance.gmv"])
    detail: dict[str, Any] = Field(examples=[{"version": 2}])


@router.get("", response_model=list[AuditPublic], responses=problem_responses(401, 403))
def list_audit(
    repo: RepoDep, _who: Auditor, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[AuditPublic]:
    """The latest `limit` audit records."""
    return [
        AuditPublic(id=r.id, at=r.at, actor=r.actor, action=r.action, target=r.target, detail=dict(r.detail))
        for r in repo.audit(limit)
    ]

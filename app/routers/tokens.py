"""`/v1/tokens`: list the service's tokens and revoke them (admin only). Tokens are created with
`caliber token create`, which prints the secret once; nothing here ever shows a secret or its hash.

    GET    /v1/tokens        every token, oldest first: id, name, user, created_at, revoked_at
    DELETE /v1/tokens/{id}   revoke it: it fails from the next request on (audited as token.revoke)
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from app.deps import RepoDep, TokenAdmin
from app.problems import not_found, problem_responses
from catalog.store.records import TokenRecord

router = APIRouter(prefix="/v1/tokens", tags=["tokens"])

TokenId = Annotated[
    int, Path(ge=1, le=2**31 - 1, examples=[3], description="The token's id (`GET /v1/tokens`).")
]


class TokenPublic(BaseModel):
    id: int = Field(examples=[3])
    name: str = Field(description="What the token is for.", examples=["ci-bot"])
    user: str = Field(description="The user it acts as: the author of what it writes.", examples=["ann"])
    created_at: datetime
    revoked_at: datetime | None = Field(description="Null while the token is valid.")

    @classmethod
    def of(cls, record: TokenRecord) -> TokenPublic:
        return cls(
            id=record.id,
            name=record.name,
            user=record.user,
            created_at=record.created_at,
            revoked_at=record.revoked_at,
        )


@router.get("", response_model=list[TokenPublic], responses=problem_responses(401, 403))
def list_tokens(repo: RepoDep, _who: TokenAdmin) -> list[TokenPublic]:
    """Every token, oldest first, revoked ones included."""
    return [TokenPublic.of(t) for t in repo.list_tokens()]


@router.delete("/{token_id}", response_model=TokenPublic, responses=problem_responses(401, 403, 404))
def revoke_token(token_id: TokenId, repo: RepoDep, who: TokenAdmin) -> TokenPublic:
    """Revoke the token; revoking it again changes nothing. The caller's own token may be revoked too."""
    repo.revoke_token(token_id, actor=who.name)
    record = repo.get_token(token_id)
    if record is None:
        raise not_found("token", str(token_id), [])
    return TokenPublic.of(record)

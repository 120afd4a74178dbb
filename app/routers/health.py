"""`GET /healthz`: the process is up and the catalog database answers.

The number of metrics is shown to whoever may read the catalog: to everyone while reads are open, to token
holders only when they are closed (it would otherwise tell anonymous callers about a closed catalog).
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.deps import CatalogDep, Principal, SettingsDep
from app.problems import problem_responses
from catalog.store.roles import may

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    metrics: int | None = Field(
        default=None,
        description="Metrics in the current catalog; left out for anonymous callers when reads are closed.",
        examples=[42],
    )


@router.get(
    "/healthz",
    response_model=Health,
    response_model_exclude_none=True,
    responses={401: problem_responses(401)[401]},
)
def healthz(catalog: CatalogDep, who: Principal, settings: SettingsDep) -> Health:
    """Reads the current catalog, so a database that does not answer fails the check."""
    shown = may(who.grants if who else None, "read", open_reads=settings.open_reads)
    return Health(status="ok", metrics=len(catalog.metrics) if shown else None)

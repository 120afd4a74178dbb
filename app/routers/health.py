"""`GET /healthz`: the process is up and the catalog database answers."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.deps import CatalogDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    metrics: int = Field(description="Metrics in the current catalog.", examples=[42])


@router.get("/healthz", response_model=Health)
def healthz(catalog: CatalogDep) -> Health:
    """Reads the current catalog, so a database that does not answer fails the check."""
    return Health(status="ok", metrics=len(catalog.metrics))

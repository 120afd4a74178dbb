"""Service settings, read from the environment (prefix `CALIBER_`) by pydantic-settings.

Defaults are the embedded ones `caliber serve` runs on: a SQLite catalog next to you, the bundled
definitions, a DuckDB demo warehouse.

    >>> Settings(database_url="postgresql+psycopg://postgres@127.0.0.1/test").open_reads
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from catalog.table_names import PART

MIB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALIBER_", frozen=True, extra="ignore")

    database_url: str = "sqlite:///./caliber.db"
    """SQLAlchemy URL of the catalog store, e.g. `postgresql+psycopg://user@host/db`."""
    defs_path: Path = Path("metric_defs")
    """Definitions published on first start, when the store holds no metric yet."""
    warehouse_path: Path | None = Path("demo.duckdb")
    """DuckDB demo warehouse, generated on first start when missing; empty disables it."""
    monitors_path: Path = Path("monitors")
    """Monitor files (`docs/monitors.md`) shown by `/v1/monitors`; a missing folder means no monitors."""
    demo_rows: Annotated[int, Field(ge=100, le=50_000_000)] = 20_000
    allowed_schemas: Annotated[frozenset[str] | None, NoDecode] = None
    """Comma-separated schemas (`dw,mart`, or `catalog.schema`) source tables must be in, for lint and publish
    and for the catalog the service serves; unset allows any schema that is not a system one."""
    query_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 30
    """A warehouse query running longer is interrupted (`/v1/query`, the metric page's preview)."""
    query_max_rows: Annotated[int, Field(ge=1, le=1_000_000)] = 10_000
    """Rows a warehouse query returns at most; the answer says when there were more."""
    heavy_jobs: Annotated[int, Field(ge=1, le=64)] = 2
    """CPU-heavy requests (lint, publish, large compiles) running at once in worker threads; more wait for a
    turn, and the event loop keeps serving meanwhile."""
    open_reads: bool = True
    """Reads need no token; writes always need one."""
    metrics_public: bool = False
    """`GET /metrics` answers everyone; otherwise an admin token is needed (Prometheus sends it with
    `authorization: {credentials: ...}` in its scrape configuration)."""
    access_log: bool = False
    """One JSON line per request (method, route, status, duration, request id) on the `caliber.access` logger."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """Level of the service's JSON log lines (`caliber serve`)."""
    max_body_bytes: Annotated[int, Field(ge=1024, le=64 * MIB)] = MIB
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65_535)] = 8000
    workers: Annotated[int, Field(ge=1, le=64)] = 1
    prepare_on_start: bool = True
    """Migrate and seed in the app's lifespan. `caliber serve` does it once before starting workers and turns
    this off for them, so several workers never race on the same migration."""

    @field_validator("allowed_schemas", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            names = [part.strip() for part in value.split(",") if part.strip()]
            return frozenset(names) if names else None
        return value

    @field_validator("allowed_schemas")
    @classmethod
    def _schema_names(cls, value: frozenset[str] | None) -> frozenset[str] | None:
        for name in value or ():
            parts = name.split(".")
            if len(parts) > 2 or not all(PART.fullmatch(p) for p in parts):
                raise ValueError(f"{name!r} is not a schema name (`dw` or `catalog.dw`)")
        return value

    @field_validator("warehouse_path", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        # An empty environment variable means "no warehouse", not the current directory.
        return None if value == "" else value

"""Service settings, read from the environment (prefix `CALIBER_`) by pydantic-settings.

Defaults are the embedded ones `caliber serve` runs on: a SQLite catalog next to you, the bundled
definitions, a DuckDB demo warehouse.

    >>> Settings(database_url="postgresql+psycopg://postgres@127.0.0.1/test").open_reads
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALIBER_", frozen=True, extra="ignore")

    database_url: str = "sqlite:///./caliber.db"
    """SQLAlchemy URL of the catalog store, e.g. `postgresql+psycopg://user@host/db`."""
    defs_path: Path = Path("metric_defs")
    """Definitions published on first start, when the store holds no metric yet."""
    warehouse_path: Path | None = Path("demo.duckdb")
    """DuckDB demo warehouse, generated on first start when missing; empty disables it."""
    demo_rows: Annotated[int, Field(ge=100, le=50_000_000)] = 20_000
    open_reads: bool = True
    """Reads need no token; writes always need one."""
    max_body_bytes: Annotated[int, Field(ge=1024, le=64 * MIB)] = MIB
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65_535)] = 8000
    workers: Annotated[int, Field(ge=1, le=64)] = 1
    prepare_on_start: bool = True
    """Migrate and seed in the app's lifespan. `caliber serve` does it once before starting workers and turns
    this off for them, so several workers never race on the same migration."""

    @field_validator("warehouse_path", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        # An empty environment variable means "no warehouse", not the current directory.
        return None if value == "" else value

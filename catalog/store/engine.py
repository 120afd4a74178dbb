"""Database connections for the store: the URL setting and engines tuned for concurrent publishers.

SQLite gets WAL (readers never wait for a writer), a busy timeout (writers queue instead of failing) and
foreign keys. Its driver opens transactions lazily and cannot take the write lock up front, so transactions
are begun by hand: `BEGIN IMMEDIATE` for a connection marked `caliber_write`, which serialises publishers
before they read what they are about to change.

    >>> engine = make_engine("sqlite://")
    >>> engine.dialect.name
    'sqlite'
"""

from __future__ import annotations

from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

DEFAULT_URL = "sqlite:///./caliber.db"
SQLITE_BUSY_MS = 30_000


class StoreSettings(BaseSettings):
    """`CALIBER_DATABASE_URL` chooses the catalog database (also read by `migrations/env.py`)."""

    model_config = SettingsConfigDict(env_prefix="CALIBER_", extra="ignore")
    database_url: str = DEFAULT_URL


def database_url(url: str | None = None) -> str:
    """The URL given, else `CALIBER_DATABASE_URL`, else `sqlite:///./caliber.db`."""
    return normalise_url(url or StoreSettings().database_url)


def normalise_url(url: str) -> str:
    """Plain `postgresql://` URLs use psycopg 3, the driver installed with Caliber."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    memory = make_url(url).database in (None, "", ":memory:")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000},
        # One shared connection keeps an in-memory database alive across sessions and threads.
        poolclass=StaticPool if memory else None,
    )
    _tune_sqlite(engine, memory)
    return engine


def _tune_sqlite(engine: Engine, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see the module docstring)
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get("caliber_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

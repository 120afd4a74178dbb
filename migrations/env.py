"""Alembic environment for the catalog store.

`Repository.upgrade()` hands over an open connection (`config.attributes["connection"]`); the `alembic`
command line connects to `sqlalchemy.url` when set, else to CALIBER_DATABASE_URL (default SQLite file).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from catalog.store.engine import database_url, make_engine
from catalog.store.models import Base

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = make_engine(database_url(config.get_main_option("sqlalchemy.url") or None))
    try:
        with engine.begin() as own:
            _migrate(own)
    finally:
        engine.dispose()


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=database_url(config.get_main_option("sqlalchemy.url") or None),
        target_metadata=Base.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run()

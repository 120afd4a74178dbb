"""Which warehouse a command runs on: `--warehouse URL`, else the configured DuckDB file.

The configured one is `CALIBER_WAREHOUSE_PATH` (the service's setting), else `demo.duckdb`. A bare path is a
DuckDB file.

    >>> warehouse_url("shop.duckdb")
    'duckdb:///shop.duckdb'
    >>> warehouse_url("postgresql+psycopg://ro@db/dw")
    'postgresql+psycopg://ro@db/dw'
"""

from __future__ import annotations

import os

DEFAULT_PATH = "demo.duckdb"


def warehouse_url(given: str | None) -> str:
    """The SQLAlchemy URL of `given`, or of the configured warehouse when `given` is None."""
    text = given or os.environ.get("CALIBER_WAREHOUSE_PATH") or DEFAULT_PATH
    return text if "://" in text else f"duckdb:///{text}"

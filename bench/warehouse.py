"""The benchmark warehouse: the demo tables of `catalog.demo_data` in a DuckDB file, plus MetricFlow's spine.

>>> con = open_warehouse(build("/tmp/bench.duckdb", rows=2_000))
>>> con.execute("SELECT COUNT(*) FROM dw.mf_time_spine").fetchone()[0] > 0
True
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from catalog.demo_data import generate, write_duckdb

ROWS = 20_000
SEED = 7

# MetricFlow refuses to build without a day-grain time spine; it covers the demo data with a margin.
_SPINE = """
CREATE OR REPLACE TABLE dw.mf_time_spine AS
SELECT CAST(d AS DATE) AS ds FROM range(DATE '2023-01-01', DATE '2027-01-01', INTERVAL 1 DAY) t(d)
"""


def build(path: str | Path, rows: int = ROWS, seed: int = SEED) -> Path:
    """Write the demo tables (same `rows` and `seed` → same data) and the time spine to a fresh file."""
    path = Path(path)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    write_duckdb(generate(rows, seed), str(path))
    con = duckdb.connect(str(path))
    try:
        con.execute(_SPINE)
    finally:
        con.close()
    return path


def open_warehouse(path: str | Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)

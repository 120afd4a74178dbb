"""`caliber test --warehouse URL`: the standard library's golden tests pass on each real engine too.

The same hand-worked expected rows, compiled for PostgreSQL, MariaDB, SQLite and a DuckDB file, and run
there on the CSV data loaded into a scratch schema that is dropped afterwards.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog.cli import app
from catalog.connect import open_warehouse

from .scratch import SERVER_URLS

pytestmark = pytest.mark.engines

ROOT = Path(__file__).resolve().parents[2]
LEFTOVERS = {
    "postgres": "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'caliber_test_%'",
    "mysql": "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'caliber_test_%'",
}


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["test", *map(str, args)])
    return result.exit_code, result.output


def scratch_schemas(url: str, engine: str) -> set[str]:
    with open_warehouse(url) as connection:
        return {row[0] for row in connection.execute(LEFTOVERS[engine])}


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_the_standard_library_passes_on_the_server_and_leaves_nothing_behind(engine: str) -> None:
    url = SERVER_URLS[engine]
    before = scratch_schemas(url, engine)
    code, output = run(ROOT / "metric_defs", "--warehouse", url)
    assert code == 0, output
    assert output.splitlines()[-1].endswith(" passed, 0 failed, 0 error(s)")
    # Other runs may be using their own scratch schemas; none of this run's may remain.
    assert scratch_schemas(url, engine) <= before


def test_the_standard_library_passes_on_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    sqlite3.connect(path).close()
    code, output = run(ROOT / "metric_defs", "--warehouse", f"sqlite:///{path}")
    assert code == 0, output


def test_the_standard_library_passes_on_a_duckdb_file_and_its_tables_are_untouched(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with open_warehouse(f"duckdb:///{path}", read_only=False) as connection:
        connection.execute("CREATE TABLE keep (a INTEGER)")
    code, output = run(ROOT / "metric_defs", "--warehouse", f"duckdb:///{path}")
    assert code == 0, output
    with open_warehouse(f"duckdb:///{path}") as connection:
        schemas = connection.execute("SELECT schema_name FROM information_schema.schemata")
        assert connection.columns("keep") is not None
    assert not [s for (s,) in schemas if s.startswith("caliber_test_")]


def test_a_wrong_number_fails_on_postgres_too(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "metric_defs"
    shutil.copytree(ROOT / "metric_defs", copy)
    lessons = copy / "teaching" / "lessons.yaml"
    text = lessons.read_text("utf-8")
    lessons.write_text(text.replace("attendance_rate: 0.6,", "attendance_rate: 0.7,"), "utf-8")
    code, output = run(copy, "--warehouse", SERVER_URLS["postgres"])
    assert code == 1
    assert "metric_time=2024-01-01: attendance_rate expected 0.7, got 0.6" in output
    assert 'FROM "caliber_test_' in output  # the SQL that ran, on the scratch schema


def test_a_hostile_table_name_is_refused_and_never_run(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with open_warehouse(f"duckdb:///{path}", read_only=False) as connection:
        connection.execute("CREATE TABLE keep (a INTEGER)")
    folder = tmp_path / "defs" / "shop"
    folder.mkdir(parents=True)
    hostile = "shop.orders (a INT); DROP TABLE keep; --"
    (folder / "defs.yaml").write_text(
        f"""\
sources:
  orders:
    table: "{hostile}"
    time: paid_at
    columns: {{order_id: integer, paid_at: timestamp}}
metrics:
  orders_count:
    type: atomic
    source: orders
    agg: count
    label: {{en: Orders, zh: 订单数}}
    description: Every order.
    stage: revenue
    owner: finance
tests:
  counts:
    data: {{"{hostile}": orders.csv}}
    query: {{metrics: [orders_count]}}
    expected: [{{orders_count: 2}}]
""",
        "utf-8",
    )
    (folder / "orders.csv").write_text("order_id,paid_at\n1,2024-01-01\n2,2024-01-02\n", "utf-8")
    # Lint refuses the name before anything reaches the warehouse (S008); the loader would quote it anyway.
    for warehouse in ([], ["--warehouse", f"duckdb:///{path}"]):
        code, output = run(tmp_path / "defs", *warehouse)
        assert code == 1 and "S008" in output, output
    with open_warehouse(f"duckdb:///{path}") as connection:
        assert connection.columns("keep") is not None

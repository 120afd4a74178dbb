"""`caliber lint --warehouse URL` on DuckDB, PostgreSQL and MariaDB: a clean library, then a broken warehouse."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog.cli import app
from catalog.connect import WarehouseConnection
from catalog.demo_data import create_table_sql, ddl_type, engine_rows, generate, write_duckdb

from .scratch import WAREHOUSES, scratch

pytestmark = pytest.mark.engines

ROOT = Path(__file__).resolve().parents[2]

# Every mistake the check knows, one per line of the definitions (line numbers are the YAML's).
BROKEN = """\
sources:
  orders:
    table: {schema}.orders
    time: paid_at
    columns:
      order_id: integer
      user_id: integer
      paid_at: timestamp
      amount: decimal
      status: string
      coupon_code: string
    entities:
      order: {{column: order_id, primary: true}}
      user: {{column: user_id}}
  users:
    table: {schema}.users
    time: signup_at
    columns:
      user_id: integer
      signup_at: timestamp
      city: string
    entities:
      user: {{column: user_id, primary: true}}
  refunds:
    table: {schema}.refunds
    columns:
      refund_id: integer
      amount: decimal
metrics:
  gmv:
    type: atomic
    source: orders
    agg: sum
    expr: amount
    filter: "status = 'paid'"
    label: {{en: GMV, zh: 成交总额}}
    description: Paid amount.
    stage: revenue
    owner: finance
"""
EXPECTED = [
    # (line, col, code, what the message says)
    (9, 7, "D003", "column 'amount' of source shop.orders is declared decimal but is"),
    (11, 7, "D002", "column 'coupon_code' of source shop.orders is not in the warehouse table"),
    (17, 5, "D004", "time column 'signup_at' of"),
    (25, 5, "D001", "of source shop.refunds is not in the warehouse"),
    (34, 5, "D005", "sum over 'amount', which is"),
]


def lint(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["lint", *map(str, args)])
    return result.exit_code, result.output


def load_demo(engine: str) -> object:
    """Set-up that loads the demo warehouse's tables (every standard source) into the scratch schema."""

    def setup(connection: WarehouseConnection, schema: str) -> None:
        for table in generate(rows=100, seed=7).values():
            moved = replace(table, name=f"{schema}.{table.name.split('.', 1)[1]}")
            connection.execute(create_table_sql(moved, engine))
            connection.insert(moved.name, list(engine_rows(moved, engine)))

    return setup


def repointed_library(tmp_path: Path, schema: str) -> Path:
    """A copy of metric_defs/ whose sources read `schema` instead of `dw`."""
    defs = tmp_path / "defs"
    shutil.copytree(ROOT / "metric_defs", defs)
    changed = 0
    for file in defs.rglob("*.yaml"):
        text = file.read_text("utf-8")
        changed += text.count("table: dw.")
        file.write_text(text.replace("table: dw.", f"table: {schema}."), "utf-8")
    assert changed == 8
    return defs


@pytest.mark.parametrize("engine", WAREHOUSES)
def test_the_standard_library_lints_clean_against_the_demo_warehouse(engine: str, tmp_path: Path) -> None:
    if engine == "duckdb":
        # The very file `caliber demo-data` writes, and the library unchanged (its tables are dw.*).
        path = tmp_path / "demo.duckdb"
        write_duckdb(generate(rows=100, seed=7), str(path))
        code, output = lint(ROOT / "metric_defs", "--warehouse", f"duckdb:///{path}")
        assert (code, output.strip()) == (0, "0 error(s), 0 warning(s)")
        return
    with scratch(engine, tmp_path, load_demo(engine)) as (url, schema):  # type: ignore[arg-type]
        code, output = lint(repointed_library(tmp_path, schema), "--warehouse", url)
    assert (code, output.strip()) == (0, "0 error(s), 0 warning(s)")


@pytest.mark.parametrize("engine", WAREHOUSES)
def test_a_missing_table_and_column_and_wrong_types_are_errors_at_file_line_col(
    engine: str, tmp_path: Path
) -> None:
    text, timestamp, integer = (ddl_type(t, engine) for t in ("string", "timestamp", "integer"))

    def setup(connection: WarehouseConnection, schema: str) -> None:
        connection.execute(
            f"CREATE TABLE {schema}.orders (order_id {integer}, user_id {integer}, paid_at {timestamp}, "
            f"amount {text}, status {text})"
        )
        connection.execute(f"CREATE TABLE {schema}.users (user_id {integer}, signup_at {text}, city {text})")

    folder = tmp_path / "shop"
    folder.mkdir()
    with scratch(engine, tmp_path, setup) as (url, schema):
        (folder / "defs.yaml").write_text(BROKEN.format(schema=schema), "utf-8")
        assert lint(folder) == (0, "0 error(s), 0 warning(s)\n")  # the definitions alone are fine
        code, output = lint(folder, "--warehouse", url)
    lines = [line for line in output.splitlines() if ": D0" in line]
    found = [(int(line.split(":")[1]), int(line.split(":")[2])) for line in lines]
    assert code == 1, output
    assert found == [(line, col) for line, col, _, _ in EXPECTED], output
    for line, (_, _, expected_code, words) in zip(lines, EXPECTED, strict=True):
        assert f": {expected_code} " in line and words in line, line
    assert output.splitlines()[-1] == "5 error(s), 0 warning(s)"
    assert "hint: " in output


def test_an_unreachable_warehouse_exits_2_without_showing_its_password() -> None:
    code, output = lint(ROOT / "metric_defs", "--warehouse", "postgresql+psycopg://u:s3cret@127.0.0.1:1/dw")
    assert code == 2
    assert ": D007 cannot connect to the warehouse" in output
    assert "s3cret" not in output and "u:***@127.0.0.1:1/dw" in output


def test_a_url_without_an_installed_driver_exits_2_with_a_hint() -> None:
    code, output = lint(ROOT / "metric_defs", "--warehouse", "snowflake://u@account/db")
    assert code == 2
    assert "D007 no driver for this warehouse URL" in output and "hint: install the driver" in output


def test_a_malformed_url_exits_2() -> None:
    code, output = lint(ROOT / "metric_defs", "--warehouse", "not a url")
    assert code == 2 and "D007 not a warehouse URL" in output

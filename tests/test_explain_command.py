"""`caliber explain-change`: JSON in the documented shape from a DuckDB file, coded errors, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from catalog.cli import app
from catalog.demo_data import generate, write_duckdb

runner = CliRunner()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wh") / "shop.duckdb"
    write_duckdb(generate(3000, 7), str(path))
    return path


def test_json_output_has_the_documented_fields_and_matches_a_hand_written_total(warehouse: Path) -> None:
    args = ["explain-change", "--metric", "gmv", "--from", "2024-02", "--to", "2024-03"]
    result = runner.invoke(app, [*args, "--by", "channel", "--format", "json", "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert list(body)[:5] == ["metric", "from", "to", "total_change", "contributions"]
    assert (body["metric"], body["from"], body["to"]) == ("finance.gmv", "2024-02", "2024-03")
    assert all(set(c) >= {"dimension", "value", "contribution"} for c in body["contributions"])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (change,) = con.execute("""
            SELECT SUM(CASE WHEN paid_at >= DATE '2024-03-01' THEN amount ELSE -amount END)
            FROM dw.fact_orders WHERE status IN ('paid', 'refunded')
              AND paid_at >= DATE '2024-02-01' AND paid_at < DATE '2024-04-01'""").fetchone()
    assert body["total_change"] == pytest.approx(float(change), rel=1e-12)
    assert sum(c["contribution"] for c in body["contributions"]) == pytest.approx(float(change), rel=1e-9)


def test_the_warehouse_defaults_to_caliber_warehouse_path(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALIBER_WAREHOUSE_PATH", str(warehouse))
    args = ["explain-change", "-m", "paid_orders", "--from", "2024Q1", "--to", "2024Q2", "--by", "city"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "by city:" in result.stdout


def test_a_bad_period_exits_1_with_its_code(warehouse: Path) -> None:
    args = ["explain-change", "-m", "gmv", "--from", "2024-13", "--to", "2024-03", "--by", "channel"]
    result = runner.invoke(app, [*args, "--warehouse", str(warehouse)])
    assert result.exit_code == 1 and "A001" in result.stderr


def test_a_missing_warehouse_file_exits_2(tmp_path: Path) -> None:
    args = ["explain-change", "-m", "gmv", "--from", "2024-02", "--to", "2024-03", "--by", "channel"]
    result = runner.invoke(app, [*args, "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "hint" in result.stderr

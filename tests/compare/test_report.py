"""catalog/compare/report.py and `caliber conflicts`: the report for people (text) and machines (JSON)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from catalog.cli import app
from catalog.compare.report import render

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "conflicts"
LIBRARY = Path(__file__).resolve().parents[2] / "metric_defs"


def test_text_report_explains_each_finding() -> None:
    result = CliRunner().invoke(app, ["conflicts", str(FIXTURE)])
    assert result.exit_code == 1
    out = result.output
    assert "undeclared override: finance.gmv ↔ bi.gmv  [name, label_en, label_zh]" in out
    assert "  - time column `paid_at` vs `created_at`" in out
    assert "  - denominator: aggregation `sum` vs `count`" in out
    assert "hint: reuse growth.app_opens instead of defining the same caliber again" in out
    assert out.rstrip().endswith(
        "4 conflict(s), 3 duplicate(s), 3 undeclared override(s), 0 invalid override(s)"
    )


def test_json_report() -> None:
    result = CliRunner().invoke(app, ["conflicts", str(FIXTURE), "--format", "json"])
    doc = json.loads(result.output)
    assert doc["summary"] == {
        "conflict": 4,
        "duplicate": 3,
        "standard_override_missing": 3,
        "override_invalid": 0,
    }
    gmv = next(f for f in doc["findings"] if f["right"] == "bi.gmv")
    assert gmv["differences"] == [
        {"aspect": "time column", "part": "", "left": "paid_at", "right": "created_at"}
    ]
    assert gmv["right_location"]["line"] == 5 and gmv["message_zh"].startswith("finance.gmv 与 bi.gmv")


def test_the_library_reports_nothing_and_exits_0() -> None:
    result = CliRunner().invoke(app, ["conflicts", str(LIBRARY)])
    assert (result.exit_code, result.output.strip()) == (0, "no conflicts, no duplicates")


def test_usage_errors_exit_2() -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["conflicts", str(FIXTURE), "--format", "xml"]).exit_code == 2
    assert runner.invoke(app, ["conflicts", "no/such/folder"]).exit_code == 2


def test_empty_report() -> None:
    assert render([], "text") == "no conflicts, no duplicates"
    assert json.loads(render([], "json"))["summary"]["conflict"] == 0

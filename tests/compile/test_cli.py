"""`caliber compile` prints the SQL, or the coded problems with exit 1; usage errors exit 2."""

from __future__ import annotations

import sqlglot
from typer.testing import CliRunner

from catalog.cli import app

from .conftest import FIXTURE

runner = CliRunner()


def test_prints_one_select_for_the_dialect() -> None:
    result = runner.invoke(
        app,
        [
            "compile",
            "--defs",
            str(FIXTURE),
            "--metric",
            "gmv",
            "--metric",
            "aov",
            "--by",
            "channel",
            "--grain",
            "month",
            "--where",
            "city in ('北京','上海')",
            "--dialect",
            "hive",
            "--start",
            "2024-01-01",
            "--end",
            "2024-07-01",
            "--order-by",
            "-gmv",
            "--limit",
            "10",
        ],
    )
    assert result.exit_code == 0, result.output
    [statement] = sqlglot.parse(result.stdout, read="hive")
    assert statement is not None
    assert "'北京'" in result.stdout and "LIMIT 10" in result.stdout


def test_compile_errors_print_code_and_hint_and_exit_1() -> None:
    result = runner.invoke(app, ["compile", "--defs", str(FIXTURE), "--metric", "gvm"])
    assert result.exit_code == 1
    assert "E001 unknown metric 'gvm'" in result.stderr
    assert "hint: did you mean 'gmv'?" in result.stderr


def test_usage_errors_exit_2() -> None:
    assert (
        runner.invoke(
            app,
            ["compile", "--defs", str(FIXTURE), "--metric", "gmv", "--start", "2024-01-01"],
        ).exit_code
        == 2
    )
    assert runner.invoke(app, ["compile", "--defs", "no/such/dir", "--metric", "gmv"]).exit_code == 2
    assert runner.invoke(app, ["compile", "--defs", str(FIXTURE)]).exit_code == 2


def test_deprecated_metrics_warn_on_stderr() -> None:
    result = runner.invoke(app, ["compile", "--defs", str(FIXTURE), "--metric", "old_gmv", "--no-pretty"])
    assert result.exit_code == 0
    assert "warning: metric shop.old_gmv is deprecated" in result.stderr
    assert result.stdout.count("\n") == 1

"""catalog/compare/lint_check.py: conflicts inside `caliber lint`, as C001–C004 at configurable levels."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from catalog.cli import app
from catalog.compare.lint_check import with_levels
from catalog.issues import Level, issue
from catalog.lint import lint_paths, lint_texts

from .conftest import SOURCES, metric

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "conflicts"
BUYERS = "type: atomic, source: orders, agg: count_distinct, expr: user_id, filter: \"status = 'paid'\""
ALL_BUYERS = "type: atomic, source: orders, agg: count_distinct, expr: user_id"


def test_lint_reports_findings_at_the_metric_that_should_change() -> None:
    result = lint_paths([FIXTURE])
    by_code: dict[str, list[str]] = {}
    for found in result.issues:
        team = Path(found.location.file).parent.name
        by_code.setdefault(found.code, []).append(f"{team}:{found.location.line}")
    assert sorted(by_code) == ["C001", "C002", "C003"]
    assert sorted(by_code["C003"]) == ["bi:5", "marketing:6", "ops:5"]
    assert len(by_code["C001"]) == 4 and len(by_code["C002"]) == 3
    c003 = next(i for i in result.issues if i.code == "C003" and "bi" in i.location.file)
    assert c003.level is Level.ERROR
    assert "finance.gmv is defined at" in c003.message and "revenue.yaml:4:3" in c003.message
    assert c003.hint.startswith("finance.gmv is the standard caliber")
    assert all(i.level is Level.WARNING for i in result.issues if i.code == "C002")


def test_a_bad_override_target_is_c004() -> None:
    override = ", overrides: {metric: a.buyers, reason: counts every order}"
    result = lint_texts(
        {
            "common/s.yaml": SOURCES,
            "a/m.yaml": "metrics:\n" + metric("buyers", BUYERS),
            "b/m.yaml": "metrics:\n" + metric("buyers", ALL_BUYERS, extra=override),
        }
    )
    assert sorted(i.code for i in result.issues) == ["C001", "C004"]


def test_levels_can_be_changed_or_switched_off() -> None:
    issues = [issue(code, "x") for code in ("C001", "C002", "C003", "C004", "R003")]
    assert [(i.code, i.level.value) for i in with_levels(issues)] == [
        ("C001", "error"),
        ("C002", "warning"),
        ("C003", "error"),
        ("C004", "error"),
        ("R003", "error"),
    ]
    assert [(i.code, i.level.value) for i in with_levels(issues, "warning", "error")] == [
        ("C001", "warning"),
        ("C002", "error"),
        ("C003", "warning"),
        ("C004", "error"),
        ("R003", "error"),
    ]
    assert [i.code for i in with_levels(issues, "off", "off")] == ["C004", "R003"]


def test_cli_lint_options() -> None:
    runner = CliRunner()
    default = runner.invoke(app, ["lint", str(FIXTURE)])
    assert default.exit_code == 1 and "C001" in default.output and "C002" in default.output
    relaxed = runner.invoke(app, ["lint", str(FIXTURE), "--conflicts", "warning", "--duplicates", "off"])
    assert relaxed.exit_code == 0 and "C002" not in relaxed.output
    assert "0 error(s), 7 warning(s)" in relaxed.output
    strict = runner.invoke(app, ["lint", str(FIXTURE), "--conflicts", "off", "--duplicates", "error"])
    assert strict.exit_code == 1 and "C001" not in strict.output and "3 error(s)" in strict.output
    assert runner.invoke(app, ["lint", str(FIXTURE), "--conflicts", "loud"]).exit_code == 2

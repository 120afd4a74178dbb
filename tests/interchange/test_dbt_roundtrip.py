"""dbt ⇄ Caliber round trips, and MetricFlow's own validator on what `caliber export dbt` writes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.drivers import BENCH, TOOLS, ensure_venv
from catalog.cli import app
from catalog.interchange.dbt_export import export_dbt_catalog
from catalog.interchange.dbt_import import import_dbt_path, import_dbt_texts
from catalog.interchange.files import write_files
from catalog.lint import lint_paths, lint_texts
from tests.interchange.same import differences
from tests.interchange.shop import BENCH_METRICFLOW, EXTENDED_DATE, SHOP

PROJECTS = {"shop": SHOP, "extended_date": EXTENDED_DATE, "bench": BENCH_METRICFLOW}


@pytest.mark.parametrize("name", PROJECTS)
def test_import_then_export_then_import_gives_the_same_definitions(name: str, tmp_path: Path):
    first = import_dbt_path(PROJECTS[name], name)
    write_files(tmp_path, first.files())
    linted = lint_paths([tmp_path / name])
    assert linted.issues == ()
    files, report = export_dbt_catalog(linted.catalog)
    assert report.findings == []
    again = import_dbt_texts(files, name)
    assert again.definitions == first.definitions
    assert [f for f in again.report.findings if f.code != "cumulative_all_time"] == []


def test_caliber_definitions_survive_a_trip_through_dbt():
    before = lint_paths(["bench/model/caliber"]).catalog
    files, report = export_dbt_catalog(before)
    assert report.metric_outcomes() == {"translated": 9, "partial": 0, "skipped": 0}
    after = lint_texts(import_dbt_texts(files, "edu").files())
    assert after.errors == ()
    assert differences(before, after.catalog) == []


def test_types_dbt_does_not_have_are_reported_not_written():
    catalog = lint_paths(["metric_defs"]).catalog
    files, report = export_dbt_catalog(catalog)
    left_out = {(f.code, f.name) for f in report.findings if f.status == "skipped"}
    assert ("no_target_equivalent", "sales.sales_funnel") in left_out
    assert ("no_target_equivalent", "growth.d7_retention") in left_out
    assert ("no_target_equivalent", "finance.gmv_mom") in left_out
    assert "name: sales_funnel\n" not in files["metrics.yaml"]
    assert "name: renewal_rate\n" in files["metrics.yaml"]  # a conversion


def test_the_export_command_writes_the_project_and_reports(tmp_path: Path):
    result = CliRunner().invoke(
        app,
        [
            "export",
            "dbt",
            "--defs",
            "bench/model/caliber",
            "--out",
            str(tmp_path),
            "--time-spine",
            "dw.spine",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "metrics.yaml",
        "project_configuration.yaml",
        "semantic_models.yaml",
    ]
    assert result.output.rstrip().endswith("caliber → dbt: metrics 9 translated, 0 partly, 0 not translated")
    again = CliRunner().invoke(
        app, ["export", "dbt", "--defs", "bench/model/caliber", "--out", str(tmp_path)]
    )
    assert again.exit_code == 2 and "nothing was written" in again.output


@pytest.fixture(scope="module")
def metricflow() -> Path:
    """MetricFlow in its own venv, as the benchmark installs it (it pins its own dependency set)."""
    problem = ensure_venv(TOOLS["metricflow"])
    assert problem is None, problem
    return TOOLS["metricflow"].python


@pytest.mark.parametrize("defs", ["bench/model/caliber", "metric_defs"])
def test_metricflow_s_own_validator_accepts_the_exported_project(defs: str, metricflow: Path, tmp_path: Path):
    files, _ = export_dbt_catalog(lint_paths([defs]).catalog, time_spine="dw.mf_time_spine")
    write_files(tmp_path, files)
    done = subprocess.run(
        [str(metricflow), str(BENCH / "peers" / "metricflow_validate.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    answer = json.loads(done.stdout)
    assert done.returncode == 0 and answer["errors"] == [], answer["errors"] or done.stderr[-2000:]
    exported = {
        line.split(": ", 1)[1] for line in files["metrics.yaml"].splitlines() if line.startswith("  name: ")
    }
    assert exported <= set(answer["metrics"])


def test_two_dimensions_dbt_would_name_alike_are_reported_once_written_once():
    catalog = lint_texts(
        {
            "a/defs.yaml": """
sources:
  orders: {table: dw.orders, columns: {order_id: integer, status: string}, entities: {order: {column: order_id, primary: true}}}
dimensions:
  status: {source: orders, expr: status, label: {en: Status, zh: 状态}}
""",
            "b/defs.yaml": """
dimensions:
  status: {source: a.orders, expr: UPPER(status), label: {en: Status upper, zh: 状态大写}}
""",
        }
    ).catalog
    files, report = export_dbt_catalog(catalog)
    assert [(f.code, f.name) for f in report.findings] == [("duplicate_name", "b.status")]
    assert files["semantic_models.yaml"].count("- name: status") == 1

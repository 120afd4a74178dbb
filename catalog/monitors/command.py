"""`caliber monitor lint` and `caliber monitor run`: files, catalog, warehouse and store put together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from catalog.connect import ConnectError, open_warehouse
from catalog.monitors.spec import load_monitors
from catalog.report import render
from catalog.snapshot import load_catalog
from catalog.warehouse_url import warehouse_url


def lint(paths: Sequence[Path], defs: Sequence[Path]) -> tuple[str, int]:
    """The issues found and the exit code: 0 clean, 1 issues."""
    found = load_monitors(paths, load_catalog(list(defs)).catalog)
    return (
        render(found.issues, "text") if found.issues else f"{len(found.monitors)} monitor(s), no issues"
    ), (1 if found.issues else 0)


def run(
    paths: Sequence[Path], defs: Sequence[Path], warehouse: str | None, db: str | None, at: date
) -> tuple[str, int]:
    """Evaluate and deliver; exit 0, 1 when a monitor could not be evaluated or a delivery failed, 2 usage."""
    from catalog.monitors.run import run_monitors
    from catalog.store.engine import database_url, make_engine

    catalog = load_catalog(list(defs)).catalog
    found = load_monitors(paths, catalog)
    if found.issues:
        return render(found.issues, "text") + "\nfix the monitors first (`caliber monitor lint`)", 2
    engine = make_engine(database_url(db))
    try:
        with open_warehouse(warehouse_url(warehouse)) as connection:
            report = run_monitors(found.monitors, catalog, connection.execute, connection.dialect, engine, at)
    except ConnectError as err:
        return f"{err}\n  hint: {err.hint}", 2
    finally:
        engine.dispose()
    summary = f"{report.alerts_opened} alert(s) opened, {report.sent} sent, {report.failed} failed"
    return "\n".join([*report.lines, summary]), 1 if report.failed or report.errors else 0

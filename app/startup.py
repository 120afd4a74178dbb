"""What a server does once before it serves: migrate the store, publish the bundled definitions into an
empty store, write the demo warehouse when it is missing.

`caliber serve` calls `prepare` once before it starts its workers; the app's lifespan calls it when the app is
run on its own (`uvicorn --factory app.main:create_app`). Every step is idempotent.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from app.settings import Settings
from catalog.lint import find_files
from catalog.store.records import PublishRejected
from catalog.store.repository import Repository

log = logging.getLogger("caliber.app")
SEED_AUTHOR = "caliber serve"
DEMO_SEED = 7


def prepare(repo: Repository, settings: Settings) -> list[str]:
    """Make the store and the warehouse ready; what was done, one line each (empty on a restart)."""
    repo.upgrade()
    done: list[str] = []
    if seeded := seed_definitions(repo, settings.defs_path):
        done.append(f"published {seeded} definitions from {settings.defs_path}")
    if settings.warehouse_path is not None and not settings.warehouse_path.exists():
        write_warehouse(settings.warehouse_path, settings.demo_rows)
        done.append(f"wrote the demo warehouse {settings.warehouse_path} ({settings.demo_rows:,} rows scale)")
    return done


def seed_definitions(repo: Repository, defs_path: Path) -> int:
    """Publish `defs_path` when the store holds no definition yet; the number of versions created.

    Definitions the server refuses (e.g. sources outside `CALIBER_ALLOWED_SCHEMAS`) are logged as errors and
    nothing is published: the server starts with an empty catalog rather than not at all.
    """
    catalog = repo.current_catalog().catalog
    if catalog.metrics or catalog.sources or catalog.dimensions or not defs_path.is_dir():
        return 0
    found, _missing = find_files([defs_path])
    files = {path.relative_to(defs_path).as_posix(): path.read_text("utf-8") for path, _namespace in found}
    try:
        result = repo.publish(files, author=SEED_AUTHOR, note=f"first start: {defs_path}")
    except PublishRejected as rejected:
        for error in rejected.errors:
            log.error("%s: %s %s (%s)", error.location, error.code, error.message, error.hint)
        log.error("the definitions under %s were not published: %d errors", defs_path, len(rejected.errors))
        return 0
    for warning in result.warnings:
        log.warning("%s: %s %s", warning.location, warning.code, warning.message)
    return len(result.created)


def write_warehouse(path: Path, rows: int) -> None:
    """Generate the demo warehouse into a temporary file first, so a crash never leaves half a warehouse."""
    from catalog.demo_data import generate, write_duckdb  # only needed on a first start

    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    write_duckdb(generate(rows, DEMO_SEED), str(partial))
    os.replace(partial, path)

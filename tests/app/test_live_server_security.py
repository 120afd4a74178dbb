"""Against a real server (uvicorn in its own process): a source cannot be a file or the warehouse's catalog.

A file-path source is refused at `POST /v1/lint` and `POST /v1/publish`; and when such sources are already in
the store (written there directly, past lint), neither `POST /v1/query` nor the metric page's preview reads
them: the CSV's secret marker and DuckDB's settings never appear in any answer, and no answer is a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from sqlalchemy.orm import Session

from catalog.store import writes
from catalog.store.records import Kind
from catalog.store.repository import Repository
from tests.accounts import token_of
from tests.live_server import REPO_ROOT, live_server

MARKER = "CALIBER-SECRET-9d2c"
# Names of DuckDB settings (one of them what `max(name)` over pg_settings gives): only a read of the settings
# shows them.
with duckdb.connect() as _memory:
    SETTINGS = {
        "autoinstall_known_extensions",
        *_memory.execute("SELECT max(name) FROM pg_settings").fetchone(),
    }

LABEL = {"en": "Leak", "zh": "泄露"}
METRIC = {"label": LABEL, "description": "Rows.", "stage": "revenue", "owner": "mallory"}


@dataclass(frozen=True)
class Server:
    base: str
    csv: Path
    token: str


def upload(csv: Path) -> dict[str, str]:
    """A bundle whose source is the CSV file, with a dimension on its secret column and a metric."""
    return {
        "upload/leak.yaml": (
            "sources:\n"
            "  leak:\n"
            f"    table: {csv}\n"
            "    time: at\n"
            "    columns: {at: date, secret: string}\n"
            "dimensions:\n"
            "  leak_secret: {source: leak, expr: secret, label: {en: Secret, zh: 秘密}}\n"
            "metrics:\n"
            "  leak_rows:\n"
            "    type: atomic\n"
            "    source: leak\n"
            "    agg: count\n"
            "    label: {en: Leak, zh: 泄露}\n"
            "    description: Rows.\n"
            "    stage: revenue\n"
            "    owner: mallory\n"
        )
    }


def store_past_lint(repo: Repository, csv: Path) -> None:
    """Sources on the CSV, on DuckDB's settings and on its information schema, written straight to the store."""
    definitions: list[tuple[Kind, str, dict[str, Any]]] = [
        ("source", "leak", {"table": str(csv), "time": "at", "columns": {"at": "date", "secret": "string"}}),
        ("dimension", "leak_secret", {"source": "leak", "expr": "secret", "label": LABEL}),
        ("metric", "leak_rows", {"type": "atomic", "source": "leak", "agg": "count", **METRIC}),
        (
            "metric",
            "leak_max",
            {"type": "atomic", "source": "leak", "agg": "max", "expr": "secret", **METRIC},
        ),
        ("source", "settings", {"table": "pg_catalog.pg_settings", "columns": {"name": "string"}}),
        ("dimension", "setting_name", {"source": "settings", "expr": "name", "label": LABEL}),
        ("metric", "setting_rows", {"type": "atomic", "source": "settings", "agg": "count", **METRIC}),
        (
            "metric",
            "setting_max",
            {"type": "atomic", "source": "settings", "agg": "max", "expr": "name", **METRIC},
        ),
        ("source", "tables", {"table": "information_schema.tables", "columns": {"table_name": "string"}}),
        ("metric", "table_rows", {"type": "atomic", "source": "tables", "agg": "count", **METRIC}),
    ]
    with Session(repo.engine) as session, session.begin():
        for kind, name, definition in definitions:
            writes.create_definition(session, kind, "files", name, definition, "mallory", "past lint")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("security")
    csv = tmp / "secret.csv"
    csv.write_text(f"at,secret\n2025-01-15,{MARKER}\n2025-02-15,{MARKER}\n", "utf-8")
    url = f"sqlite:///{tmp / 'catalog.db'}"
    repo = Repository.from_url(url)
    repo.upgrade()
    repo.publish_paths([REPO_ROOT / "metric_defs"], author="seed")
    store_past_lint(repo, csv)
    token = token_of(repo, "analyst", "security-test")
    repo.engine.dispose()
    env = {
        "CALIBER_DATABASE_URL": url,
        "CALIBER_WAREHOUSE_PATH": str(tmp / "demo.duckdb"),
        "CALIBER_DEMO_ROWS": "200",
        "CALIBER_DEFS_PATH": str(tmp / "no-defs"),
    }
    with live_server(env, tmp) as base:
        yield Server(base, csv, token)


def answer(response: httpx.Response) -> str:
    assert response.status_code < 500, response.text
    assert MARKER not in response.text, response.text
    assert not [name for name in SETTINGS if name in response.text], response.text
    return response.text


def test_the_server_runs_queries_on_its_warehouse(server: Server) -> None:
    response = httpx.post(f"{server.base}/v1/query", json={"metrics": ["gmv"], "grain": "month"}, timeout=60)
    assert response.status_code == 200, response.text
    assert response.json()["rows"]


def test_a_file_path_source_is_refused_at_lint(server: Server) -> None:
    bundle = upload(server.csv)
    response = httpx.post(f"{server.base}/v1/lint", json={"files": bundle}, timeout=60)
    answer(response)
    report = response.json()
    assert report["ok"] is False
    # Lint checks the bundle over the published catalog, as publish does: the sources stored past lint by
    # the fixture are reported too, at their own pseudo-files.
    refused = [i for i in report["issues"] if i["code"] == "S008" and i["file"].startswith("upload/")]
    assert [(i["file"], i["line"]) for i in refused] == [("upload/leak.yaml", 3)]
    assert refused[0]["hint"]
    raw = httpx.post(
        f"{server.base}/v1/lint",
        params={"file": "upload/leak.yaml"},
        content=bundle["upload/leak.yaml"].encode(),
        headers={"content-type": "text/yaml"},
        timeout=60,
    )
    assert "S008" in {i["code"] for i in raw.json()["issues"]}


def test_a_file_path_source_is_refused_at_publish_and_nothing_is_stored(server: Server) -> None:
    response = httpx.post(
        f"{server.base}/v1/publish",
        json={"files": upload(server.csv)},
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=60,
    )
    answer(response)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    refused = [e["location"] for e in response.json()["errors"] if e["code"] == "S008"]
    assert [where for where in refused if where.startswith("upload/")] == ["upload/leak.yaml:3:5"]
    assert httpx.get(f"{server.base}/v1/metrics/upload.leak_rows", timeout=30).status_code == 404
    sources = httpx.get(f"{server.base}/v1/sources", timeout=30).json()
    assert not [s for s in sources if s["key"].startswith("upload.")]


@pytest.mark.parametrize(
    "body",
    [
        {"metrics": ["files.leak_rows"], "dimensions": ["files.leak_secret"]},
        {"metrics": ["files.leak_rows"], "grain": "month"},
        {"metrics": ["files.leak_max"], "grain": "month"},
        {"metrics": ["files.setting_rows"], "dimensions": ["files.setting_name"]},
        {"metrics": ["files.setting_max"]},
        {"metrics": ["files.table_rows"]},
    ],
)
def test_a_stored_source_on_a_file_or_the_settings_cannot_be_queried(server: Server, body: Any) -> None:
    response = httpx.post(f"{server.base}/v1/query", json=body, timeout=60)
    answer(response)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_metric_pages_of_stored_file_and_settings_sources_show_nothing_of_them(server: Server) -> None:
    for metric in ("leak_max", "leak_rows", "setting_max", "table_rows"):
        for lang in ("en", "zh"):
            answer(httpx.get(f"{server.base}/m/files/{metric}", params={"lang": lang}, timeout=60))
        answer(httpx.get(f"{server.base}/v1/metrics/files.{metric}", timeout=60))
    answer(httpx.get(f"{server.base}/", timeout=60))

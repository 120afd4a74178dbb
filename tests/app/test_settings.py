"""Settings come from `CALIBER_*` environment variables, with embedded defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.settings import MIB, Settings


def test_defaults_are_the_embedded_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DATABASE_URL",
        "DEFS_PATH",
        "WAREHOUSE_PATH",
        "OPEN_READS",
        "MAX_BODY_BYTES",
        "HOST",
        "PORT",
        "WORKERS",
    ):
        monkeypatch.delenv(f"CALIBER_{name}", raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite:///./caliber.db"
    assert settings.defs_path == Path("metric_defs")
    assert settings.warehouse_path == Path("demo.duckdb")
    assert (settings.open_reads, settings.max_body_bytes) == (True, MIB)
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALIBER_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("CALIBER_OPEN_READS", "false")
    monkeypatch.setenv("CALIBER_MAX_BODY_BYTES", "65536")
    monkeypatch.setenv("CALIBER_WORKERS", "2")
    settings = Settings()
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert (settings.open_reads, settings.max_body_bytes, settings.workers) == (False, 65536, 2)


def test_the_warehouse_is_bounded_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALLOWED_SCHEMAS", "QUERY_TIMEOUT_SECONDS", "QUERY_MAX_ROWS", "HEAVY_JOBS"):
        monkeypatch.delenv(f"CALIBER_{name}", raising=False)
    settings = Settings()
    assert settings.allowed_schemas is None
    assert (settings.query_timeout_seconds, settings.query_max_rows, settings.heavy_jobs) == (30, 10_000, 2)


def test_allowed_schemas_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALIBER_ALLOWED_SCHEMAS", " dw, mart ,warehouse.dw,")
    assert Settings().allowed_schemas == frozenset({"dw", "mart", "warehouse.dw"})
    monkeypatch.setenv("CALIBER_ALLOWED_SCHEMAS", "")
    assert Settings().allowed_schemas is None


def test_an_empty_warehouse_path_disables_the_warehouse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALIBER_WAREHOUSE_PATH", "")
    assert Settings().warehouse_path is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "0"),
        ("PORT", "http"),
        ("WORKERS", "0"),
        ("MAX_BODY_BYTES", "10"),
        ("OPEN_READS", "perhaps"),
        ("ALLOWED_SCHEMAS", "dw,/tmp"),
        ("ALLOWED_SCHEMAS", "a.b.c"),
        ("QUERY_TIMEOUT_SECONDS", "0"),
        ("QUERY_MAX_ROWS", "0"),
        ("HEAVY_JOBS", "0"),
    ],
)
def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(f"CALIBER_{name}", value)
    with pytest.raises(ValidationError):
        Settings()

"""`caliber publish`, `caliber db` and `caliber token` against a SQLite catalog."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from catalog.cli import app
from catalog.store import Repository

runner = CliRunner()


def test_publish_prints_new_versions_then_nothing(sqlite_url: str, fixtures_dir: Path):
    first = runner.invoke(app, ["publish", str(fixtures_dir), "--db", sqlite_url, "--author", "ci"])
    second = runner.invoke(app, ["publish", str(fixtures_dir), "--db", sqlite_url])

    assert first.exit_code == 0, first.output
    assert "metric shop.gmv v1" in first.output and "9 new version(s), 0 unchanged" in first.output
    assert second.exit_code == 0 and "0 new version(s), 9 unchanged" in second.output


def test_publish_with_a_lint_error_exits_1_and_writes_nothing(sqlite_url: str, tmp_path: Path):
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "x.yaml").write_text("metrics:\n  x: {type: atomic, source: nowhere}\n")

    result = runner.invoke(app, ["publish", str(tmp_path / "shop"), "--db", sqlite_url])

    assert result.exit_code == 1
    assert "S002" in result.output and "nothing was written" in result.output
    assert Repository.from_url(sqlite_url).counts()["versions"] == 0


def test_publish_of_a_source_on_a_file_exits_1_with_s008_and_writes_nothing(sqlite_url: str, tmp_path: Path):
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "leak.yaml").write_text(
        "sources:\n  leak:\n    table: /etc/passwd.csv\n    columns: {a: string}\n", "utf-8"
    )

    result = runner.invoke(app, ["publish", str(tmp_path / "files"), "--db", sqlite_url])

    assert result.exit_code == 1
    assert "leak.yaml:3:5: S008" in result.output and "nothing was written" in result.output
    assert Repository.from_url(sqlite_url).counts()["versions"] == 0


def test_token_create_prints_a_token_that_verifies(sqlite_url: str):
    result = runner.invoke(app, ["token", "create", "--role", "analyst", "--name", "bi", "--db", sqlite_url])

    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("cal_")
    record = Repository.from_url(sqlite_url).verify_token(token)
    assert record is not None and record.role == "analyst"
    assert (
        runner.invoke(app, ["token", "create", "--role", "root", "--name", "x", "--db", sqlite_url]).exit_code
        == 2
    )


def test_db_downgrade_and_upgrade(sqlite_url: str):
    assert runner.invoke(app, ["db", "upgrade", "--db", sqlite_url]).exit_code == 0
    down = runner.invoke(app, ["db", "downgrade", "base", "--db", sqlite_url])
    assert down.exit_code == 0 and "at base" in down.output
    up = runner.invoke(app, ["db", "upgrade", "--db", sqlite_url])
    assert up.exit_code == 0 and up.output.strip() == "catalog database at head"

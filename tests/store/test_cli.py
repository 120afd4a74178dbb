"""`caliber publish`, `caliber db` and `caliber token` against a SQLite catalog."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from catalog.cli import app
from catalog.store import Repository
from catalog.store.tokens import token_hash
from tests.accounts import token_of

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


def test_user_commands_create_grant_and_a_token_of_the_user_verifies(sqlite_url: str):
    def run(*args: str) -> Result:
        return runner.invoke(app, [*args, "--db", sqlite_url])

    assert run("user", "create", "bi", "--department", "growth").exit_code == 0
    granted = run("user", "grant", "bi", "analyst", "--namespace", "growth")
    result = run("token", "create", "--user", "bi", "--name", "laptop")

    token = result.output.strip()
    assert granted.exit_code == 0 and "bi: analyst in growth" in granted.output
    assert result.exit_code == 0 and token.startswith("cal_")
    caller = Repository.from_url(sqlite_url).verify_token(token)
    assert caller is not None and caller.role_in("growth") == "analyst" and caller.role_in("finance") is None
    refused = run("user", "grant", "bi", "root")
    assert refused.exit_code == 1 and "G003 unknown role `root`" in refused.output
    assert run("token", "create", "--user", "nobody").exit_code == 1
    assert "viewer in *" in run("user", "grant", "bi", "viewer").output
    assert "analyst in growth" not in run("user", "revoke", "bi", "--namespace", "growth").output
    assert run("user", "disable", "bi").exit_code == 0
    assert Repository.from_url(sqlite_url).verify_token(token) is None
    listed = json.loads(run("user", "list", "--format", "json").output)
    assert [(u["name"], u["department"], u["disabled_at"] is not None) for u in listed] == [
        ("bi", "growth", True)
    ]


def test_db_downgrade_and_upgrade(sqlite_url: str):
    assert runner.invoke(app, ["db", "upgrade", "--db", sqlite_url]).exit_code == 0
    down = runner.invoke(app, ["db", "downgrade", "base", "--db", sqlite_url])
    assert down.exit_code == 0 and "at base" in down.output
    up = runner.invoke(app, ["db", "upgrade", "--db", sqlite_url])
    assert up.exit_code == 0 and up.output.strip() == "catalog database at head"


def _tokens(url: str, *specs: tuple[str, str]) -> list[str]:
    repo = Repository.from_url(url)
    repo.upgrade()
    created = [token_of(repo, role, name) for role, name in specs]  # type: ignore[arg-type]
    repo.engine.dispose()
    return created


def test_token_list_shows_id_name_user_and_dates_never_a_secret(sqlite_url: str):
    secrets = _tokens(sqlite_url, ("admin", "ci"), ("viewer", "dashboards"))
    Repository.from_url(sqlite_url).revoke_token(2, actor="lead")

    text = runner.invoke(app, ["token", "list", "--db", sqlite_url])
    as_json = runner.invoke(app, ["token", "list", "--db", sqlite_url, "--format", "json"])

    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0].split() == ["id", "name", "user", "created", "revoked"]
    assert lines[1].split()[:3] == ["1", "ci", "ci"] and lines[1].split()[-1] == "-"
    assert lines[2].split()[:3] == ["2", "dashboards", "dashboards"] and lines[2].split()[-1] != "-"
    listed = json.loads(as_json.output)
    assert [(t["id"], t["name"], t["user"], t["revoked_at"] is None) for t in listed] == [
        (1, "ci", "ci", True),
        (2, "dashboards", "dashboards", False),
    ]
    for secret in secrets:
        assert secret not in text.output + as_json.output
        assert token_hash(secret) not in text.output + as_json.output


def test_token_revoke_by_name_or_id_is_audited_and_the_token_stops_verifying(sqlite_url: str):
    ci, bi = _tokens(sqlite_url, ("admin", "ci"), ("analyst", "bi"))

    by_name = runner.invoke(app, ["token", "revoke", "bi", "--db", sqlite_url])
    by_id = runner.invoke(app, ["token", "revoke", "1", "--db", sqlite_url])
    again = runner.invoke(app, ["token", "revoke", "bi", "--db", sqlite_url])

    assert by_name.exit_code == 0 and "revoked token 2 (bi, of bi)" in by_name.output
    assert by_id.exit_code == 0 and "revoked token 1 (ci, of ci)" in by_id.output
    assert again.exit_code == 0 and "token 2 (bi) was already revoked" in again.output
    repo = Repository.from_url(sqlite_url)
    assert repo.verify_token(ci) is None and repo.verify_token(bi) is None
    assert [(a.action, a.target) for a in repo.audit(10) if a.action == "token.revoke"] == [
        ("token.revoke", "token:1"),
        ("token.revoke", "token:2"),
    ]


def test_token_revoke_refuses_an_unknown_or_ambiguous_name(sqlite_url: str):
    first, second = _tokens(sqlite_url, ("viewer", "bi"), ("viewer", "bi"))

    unknown = runner.invoke(app, ["token", "revoke", "nobody", "--db", sqlite_url])
    ambiguous = runner.invoke(app, ["token", "revoke", "bi", "--db", sqlite_url])

    assert unknown.exit_code == 1 and "no token named or numbered `nobody`" in unknown.output
    assert ambiguous.exit_code == 1 and "2 live tokens are named `bi` (ids 1, 2)" in ambiguous.output
    repo = Repository.from_url(sqlite_url)
    assert repo.verify_token(first) is not None and repo.verify_token(second) is not None


def test_token_create_help_states_what_each_role_may_do():
    shown = runner.invoke(app, ["token", "create", "--help"], terminal_width=200).output

    flat = " ".join(shown.replace("│", " ").split())
    assert "viewer: read, compile, query, lint" in flat
    assert "analyst: also publish" in flat
    assert "owner: also approve, deprecate" in flat
    assert "admin: also audit, tokens" in flat
    assert "analyst (read, compile)" not in flat


def test_review_commands_list_show_and_let_only_another_owner_approve(sqlite_url: str, fixtures_dir: Path):
    repo = Repository.from_url(sqlite_url)
    repo.upgrade()
    files = {
        str(p.relative_to(fixtures_dir)): p.read_text("utf-8") for p in sorted(fixtures_dir.rglob("*.yaml"))
    }
    repo.publish(files, author="system")
    ann = repo.verify_token(token_of(repo, "analyst", "ann", "shop"))
    token_of(repo, "owner", "olu", "shop")
    files["shop/orders.yaml"] = files["shop/orders.yaml"].replace(
        "status = 'paid'\"\n    label: {en: Gross", "status <> 'x'\"\n    label: {en: Gross"
    )
    review = repo.publish(files, author="ann", actor=ann).proposed[0].review

    def run(*args: str) -> Result:
        return runner.invoke(app, [*args, "--db", sqlite_url])

    listed = run("review", "list")
    shown = run("review", "show", str(review))
    by_author = run("review", "approve", str(review), "--as", "ann")
    by_owner = run("review", "approve", str(review), "--as", "olu")

    assert f"{review}  shop.gmv v1 -> v2  by ann  in_review" in listed.output
    assert "caliber changed: yes" in shown.output and "downstream: shop.average_order_value" in shown.output
    assert by_author.exit_code == 1 and "H006 ann may not decide reviews in shop" in by_author.output
    assert by_owner.exit_code == 0 and "approved: shop.gmv v2 is live" in by_owner.output
    assert run("review", "list").output == "" and repo.get_metric("shop.gmv").version == 2  # type: ignore[union-attr]

"""`load_catalog`: the same result as `lint_paths`, served from a snapshot keyed by the files' content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import catalog
import catalog.lint
from catalog import snapshot
from catalog.cli import app
from catalog.lint import lint_paths
from catalog.snapshot import load_catalog, snapshot_key

FIXTURES = Path(__file__).parent / "fixtures"
BASE = FIXTURES / "lint_base"
BROKEN = FIXTURES / "broken" / "r003_unknown_ratio_denominator.yaml"


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """A copy of the lint base catalog that a test may edit."""
    return Path(shutil.copytree(BASE, tmp_path / "defs"))


@pytest.fixture()
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def no_lint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything is linted from here on."""

    def refuse(*_: object) -> None:
        raise AssertionError("linted although a snapshot of the same files exists")

    monkeypatch.setattr(catalog.lint, "lint_contents", refuse)
    monkeypatch.setattr(catalog.lint, "lint_paths", refuse)


def snapshots(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.pickle"))


def test_the_result_is_the_one_lint_paths_gives(tree: Path, cache: Path) -> None:
    expected = lint_paths([tree, BROKEN])
    first = load_catalog([tree, BROKEN], cache)
    assert first == expected and first.errors  # the issues are kept, errors included
    assert load_catalog([tree, BROKEN], cache) == expected


def test_a_second_load_of_the_same_files_unpickles_without_linting(
    tree: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_catalog([tree], cache)
    [stored] = snapshots(cache)
    no_lint(monkeypatch)
    again = load_catalog([tree], cache)
    assert again == first and again is not first and snapshots(cache) == [stored]


def test_editing_a_file_is_another_key_and_is_linted(tree: Path, cache: Path) -> None:
    before = load_catalog([tree], cache)
    metrics = tree / "growth" / "metrics.yaml"
    metrics.write_text(
        metrics.read_text("utf-8").replace(
            "metrics:",
            "metrics:\n  extra_gmv: {type: atomic, "
            "source: common.orders, agg: sum, expr: amount, label: {en: X, zh: X}, "
            "description: x., stage: revenue, owner: growth}",
            1,
        ),
        "utf-8",
    )
    after = load_catalog([tree], cache)
    assert "growth.extra_gmv" in after.catalog.metrics and "growth.extra_gmv" not in before.catalog.metrics
    assert after == lint_paths([tree]) and len(snapshots(cache)) == 2


def test_adding_or_removing_a_file_changes_the_result(tree: Path, cache: Path) -> None:
    with_broken = load_catalog([tree, BROKEN], cache)
    without = load_catalog([tree], cache)
    assert with_broken.errors and not without.errors


def test_the_key_covers_names_namespaces_and_bytes_in_order() -> None:
    a, b = ("x/a.yaml", "x", b"metrics: {}"), ("x/b.yaml", "x", b"sources: {}")
    keys = {
        snapshot_key([a, b]),
        snapshot_key([b, a]),
        snapshot_key([a]),
        snapshot_key([("y/a.yaml", "x", a[2])]),
        snapshot_key([("x/a.yaml", "y", a[2])]),
        snapshot_key([("x/a.yaml", "x", b"metrics: {} ")]),
        snapshot_key([("x/a.yam", "lx", a[2])]),
    }
    assert len(keys) == 7
    assert snapshot_key([a, b]) == snapshot_key([a, b])


def test_missing_paths_are_reported_and_never_cached(cache: Path) -> None:
    result = load_catalog([Path("no/such/folder")], cache)
    assert [i.code for i in result.issues] == ["Y005"]
    assert snapshots(cache) == []


def test_a_damaged_snapshot_is_a_miss_and_is_rewritten(tree: Path, cache: Path) -> None:
    first = load_catalog([tree], cache)
    [stored] = snapshots(cache)
    stored.write_bytes(b"not a pickle")
    assert load_catalog([tree], cache) == first
    assert stored.read_bytes() != b"not a pickle"


def test_a_cache_that_cannot_be_written_only_costs_a_lint(tree: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    assert load_catalog([tree], blocker / "cache") == lint_paths([tree])


def test_old_snapshots_are_pruned(tree: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "KEEP", 2)
    for n in range(4):
        (tree / "growth" / "extra.yaml").write_text(f"# version {n}\nmetrics: {{}}\n", "utf-8")
        load_catalog([tree], cache)
    assert len(snapshots(cache)) == 2


def test_the_cache_folder_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CALIBER_CACHE_DIR", str(tmp_path / "c"))
    assert snapshot.default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("CALIBER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert snapshot.default_cache_dir() == tmp_path / "xdg" / "caliber"


def test_the_package_exposes_load_catalog() -> None:
    assert catalog.load_catalog is load_catalog
    with pytest.raises(AttributeError):
        catalog.no_such_name  # noqa: B018


def test_caliber_compile_reads_the_snapshot(monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    monkeypatch.setenv("CALIBER_CACHE_DIR", str(cache))
    args = ["compile", "--defs", str(FIXTURES / "compile"), "--metric", "gmv", "--by", "channel"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert len(snapshots(cache)) == 1
    no_lint(monkeypatch)
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and again.stdout == first.stdout

"""Finding definition files: which ones, under which namespace and name, read up to a bounded size."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import files
from catalog.files import display_name, find_files, namespace_of, read_capped
from catalog.lint import lint_contents, lint_paths
from catalog.load import load_bytes


def test_the_folder_name_is_the_namespace_cleaned_to_snake_case() -> None:
    assert namespace_of("Growth-Team") == "growth_team"
    assert namespace_of("sales") == "sales"
    assert namespace_of("2024") == namespace_of("") == namespace_of("--") == "default"


def test_files_below_the_working_directory_are_named_relative_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "sales" / "a.yaml"
    file.parent.mkdir()
    file.write_text("metrics: {}\n")
    monkeypatch.chdir(tmp_path)
    assert display_name(file) == str(Path("sales") / "a.yaml")
    monkeypatch.chdir(file.parent)
    assert display_name(Path("/") / "elsewhere.yaml") == "/elsewhere.yaml"


def test_find_files_skips_hidden_parts_and_reports_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "sales").mkdir()
    (tmp_path / "sales" / "a.yaml").write_text("metrics: {}\n")
    (tmp_path / "_drafts").mkdir()
    (tmp_path / "_drafts" / "b.yaml").write_text("metrics: {}\n")
    found, issues = find_files([tmp_path, tmp_path / "nope"])
    assert found == [(tmp_path / "sales" / "a.yaml", "sales")]
    assert [i.code for i in issues] == ["Y005"]


def test_reading_stops_one_byte_over_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 10)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"x" * 100)
    assert read_capped(big) == b"x" * 11


def test_load_bytes_refuses_what_load_file_refuses() -> None:
    assert [i.code for i in load_bytes(b"a: \xff\n", "a.yaml")[1]] == ["Y005"]
    doc, issues = load_bytes("a: 北京\n".encode(), "a.yaml")
    assert doc is not None and doc.data == {"a": "北京"} and issues == []


def test_lint_contents_equals_lint_paths_on_the_same_bytes() -> None:
    base = Path(__file__).parent / "fixtures" / "lint_base"
    found, _ = find_files([base])
    contents = [(display_name(f), namespace, f.read_bytes()) for f, namespace in found]
    assert lint_contents(contents) == lint_paths([base])

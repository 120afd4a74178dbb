"""Read other tools' YAML (several documents per file, as dbt and MetricFlow write them) and write YAML.

Reading is safe (plain YAML, no tags) and never raises: a bad file is returned as an error message. Written
YAML keeps the order of the keys it is given, so output is stable and diffs stay small.

    >>> dump({"b": 1, "a": [2]})
    'b: 1\\na:\\n- 2\\n'
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from catalog.files import MAX_FILE_BYTES, MAX_FILES, YAML_SUFFIXES, read_capped

# Folders a dbt project keeps that hold no definitions of its own.
_SKIPPED_FOLDERS = frozenset({"target", "dbt_packages", "dbt_modules", "logs", "node_modules"})


def yaml_files(path: Path) -> list[Path]:
    """`path` itself, or the YAML files under it (sorted; hidden and build folders skipped), at most
    `MAX_FILES` of them, as lint reads."""
    if path.is_file():
        return [path]
    found = []
    for file in sorted(path.rglob("*")):
        parts = file.relative_to(path).parts
        if any(p.startswith((".", "_")) or p in _SKIPPED_FOLDERS for p in parts[:-1]):
            continue
        if file.suffix in YAML_SUFFIXES and file.is_file() and not parts[-1].startswith("."):
            found.append(file)
            if len(found) == MAX_FILES:
                break
    return found


def read_documents(file: Path) -> tuple[list[Any], str | None]:
    """Every YAML document in `file`, or an error message (unreadable, too large, not plain YAML)."""
    try:
        data = read_capped(file)
    except OSError as err:
        return [], f"cannot read: {err.strerror or err}"
    if len(data) > MAX_FILE_BYTES:
        return [], f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return [], f"not UTF-8 ({err.reason} at byte {err.start})"
    return parse_documents(text)


def read_tree(path: Path) -> tuple[list[tuple[str, Any]], list[tuple[str, str]]]:
    """Every YAML document under `path` (a file or a folder) with the file it came from, relative to the
    folder, and the files that could not be read, each with why."""
    documents: list[tuple[str, Any]] = []
    unreadable: list[tuple[str, str]] = []
    base = path if path.is_dir() else path.parent
    for file in yaml_files(path):
        name = file.relative_to(base).as_posix()
        found, error = read_documents(file)
        if error is not None:
            unreadable.append((name, error))
        documents.extend((name, doc) for doc in found)
    return documents, unreadable


def parse_documents(text: str) -> tuple[list[Any], str | None]:
    try:
        return [d for d in _reader().load_all(text) if d is not None], None
    except YAMLError as err:
        return [], " ".join(str(err).split("To suppress")[0].split())[:300]
    except (ValueError, TypeError, RecursionError) as err:  # the safe constructor's own refusals
        return [], f"not plain YAML: {err}"[:300]


def dump(data: Any) -> str:
    """`data` as block-style YAML, keys in the order given."""
    out = io.StringIO()
    _writer().dump(data, out)
    return out.getvalue()


def dump_all(documents: Iterable[Any]) -> str:
    """Several documents separated by `---`, as MetricFlow's own files are."""
    out = io.StringIO()
    _writer().dump_all(list(documents), out)
    return out.getvalue()


def _reader() -> YAML:
    return YAML(typ="safe", pure=True)


def _writer() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 4096
    yaml.representer.sort_base_mapping_type_on_output = False  # type: ignore[attr-defined]
    return yaml

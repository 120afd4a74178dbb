"""Which definition files a lint covers, the namespace each belongs to, and the name it is reported under.

Kept apart from `catalog.lint` so that finding and hashing the files (the catalog snapshot) does not import
the YAML parser, the pydantic schema or the compare stage.

    >>> namespace_of("Growth-Team"), namespace_of("2024")
    ('growth_team', 'default')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from catalog.issues import Issue, Location, issue

YAML_SUFFIXES = (".yaml", ".yml")
DEFAULT_NAMESPACE = "default"
MAX_FILES = 20_000
MAX_FILE_BYTES = 5 * 1024 * 1024


def find_files(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[Issue]]:
    """YAML files under `paths`, each with the namespace it belongs to (the folder it sits in)."""
    found: list[tuple[Path, str]] = []
    issues: list[Issue] = []
    for path in paths:
        if path.is_file():
            found.append((path, namespace_of(path.resolve().parent.name)))
        elif path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.suffix in YAML_SUFFIXES and file.is_file() and not _hidden(file.relative_to(path)):
                    found.append((file, namespace_of(file.resolve().parent.name)))
        elif path.exists():
            issues.append(
                issue(
                    "Y005",
                    f"not a regular file or folder: {path}",
                    Location(str(path)),
                    "lint YAML files or folders of them",
                )
            )
        else:
            issues.append(
                issue("Y005", f"no such file or folder: {path}", Location(str(path)), "check the path")
            )
    if len(found) > MAX_FILES:
        issues.append(
            issue(
                "Y004",
                f"{len(found):,} files; the limit is {MAX_FILES:,}",
                Location(str(found[MAX_FILES][0])),
                "lint the folders in smaller groups",
            )
        )
        found = found[:MAX_FILES]
    return found, issues


def namespace_of(folder: str) -> str:
    """The namespace a folder name gives its definitions: lower-case `[a-z0-9_]`, starting with a letter."""
    cleaned = re.sub(r"[^a-z0-9_]+", "_", folder.lower()).strip("_")
    return cleaned if cleaned and cleaned[0].isalpha() else DEFAULT_NAMESPACE


def display_name(path: Path) -> str:
    """How a file is named in issues: relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_capped(path: Path) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes of a file: a device or pipe reports no size and may never end."""
    with path.open("rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


def _hidden(relative: Path) -> bool:
    return any(part.startswith((".", "_")) for part in relative.parts)

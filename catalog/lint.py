"""The whole definition pipeline in one call: files → load → validate → resolve → compare → issues + catalog.

    >>> result = lint_texts({"finance/a.yaml": "metrics: {}"})
    >>> result.ok, len(result.catalog.metrics)
    (True, 0)
"""

from __future__ import annotations

import functools
import gc
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import ParamSpec, TypeVar

from catalog.issues import Issue, Level, Location, issue
from catalog.load import Document, load_file, load_text
from catalog.model import Catalog
from catalog.resolve import resolve
from catalog.validate import Item, validate_document

YAML_SUFFIXES = (".yaml", ".yml")
DEFAULT_NAMESPACE = "default"
MAX_FILES = 20_000

# Checks that run over the resolved catalog (conflicts, duplicates…): registered by the compare stage.
CatalogCheck = Callable[[Catalog], list[Issue]]
CATALOG_CHECKS: list[CatalogCheck] = []


@dataclass(frozen=True, slots=True)
class LintResult:
    catalog: Catalog
    issues: tuple[Issue, ...]
    files: tuple[str, ...] = field(default=())

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.level is Level.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.level is Level.WARNING)

    @property
    def ok(self) -> bool:
        return not self.errors


def find_files(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[Issue]]:
    """YAML files under `paths`, each with the namespace it belongs to (the folder it sits in)."""
    found: list[tuple[Path, str]] = []
    issues: list[Issue] = []
    for path in paths:
        if path.is_file():
            found.append((path, _namespace_of(path.resolve().parent.name)))
        elif path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.suffix in YAML_SUFFIXES and file.is_file() and not _hidden(file.relative_to(path)):
                    found.append((file, _namespace_of(file.resolve().parent.name)))
        elif path.exists():
            issues.append(issue("Y005", f"not a regular file or folder: {path}", Location(str(path)),
                                "lint YAML files or folders of them"))
        else:
            issues.append(issue("Y005", f"no such file or folder: {path}", Location(str(path)),
                                "check the path"))
    if len(found) > MAX_FILES:
        issues.append(issue("Y004", f"{len(found):,} files; the limit is {MAX_FILES:,}",
                            Location(str(found[MAX_FILES][0])), "lint the folders in smaller groups"))
        found = found[:MAX_FILES]
    return found, issues


P = ParamSpec("P")
R = TypeVar("R")


def _without_gc_pauses(run: Callable[P, R]) -> Callable[P, R]:
    """Pause the cyclic garbage collector for one lint run.

    Loading allocates millions of small containers that all stay alive until the catalog is built, so the
    collector keeps re-scanning a growing heap for cycles that are not there: 37% of linting 10,000 metrics
    (bench/scale.py). Collection resumes when the run ends; a caller that had disabled it keeps it off.
    """
    @functools.wraps(run)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return run(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()
    return paused


@_without_gc_pauses
def lint_paths(paths: Iterable[Path | str]) -> LintResult:
    """Lint files and folders on disk."""
    files, issues = find_files(Path(p) for p in paths)
    docs: list[tuple[Document, str]] = []
    for file, namespace in files:
        doc, found = load_file(file, _display(file))
        issues.extend(found)
        if doc is not None:
            docs.append((doc, namespace))
    return _lint_documents(docs, issues, tuple(_display(f) for f, _ in files))


@_without_gc_pauses
def lint_texts(files: Mapping[str, str]) -> LintResult:
    """Lint a bundle of in-memory files, `{"growth/acquisition.yaml": text}` (the folder is the namespace)."""
    docs, issues = load_texts(files)
    return _lint_documents(docs, issues, tuple(files))


def load_texts(files: Mapping[str, str]) -> tuple[list[tuple[Document, str]], list[Issue]]:
    """Parse a bundle into documents, each with the namespace of the folder its name sits in."""
    docs: list[tuple[Document, str]] = []
    issues: list[Issue] = []
    for name, text in files.items():
        doc, found = load_text(text, name)
        issues.extend(found)
        if doc is not None:
            parent = PurePosixPath(name.replace("\\", "/")).parent.name
            docs.append((doc, _namespace_of(parent)))
    return docs, issues


def _lint_documents(docs: list[tuple[Document, str]], issues: list[Issue], files: tuple[str, ...],
                    ) -> LintResult:
    items: list[Item] = []
    for doc, namespace in docs:
        found_items, found = validate_document(doc, namespace)
        items.extend(found_items)
        issues.extend(found)
    return lint_items(items, issues, files)


def lint_items(items: list[Item], issues: list[Issue], files: tuple[str, ...] = ()) -> LintResult:
    """Resolve already validated items and run the catalog checks (the store overlays stored items)."""
    issues = list(issues)
    catalog, found = resolve(items)
    issues.extend(found)
    for check in CATALOG_CHECKS:
        try:
            issues.extend(check(catalog))
        except Exception as err:  # a crash inside one check is reported, never an outage
            issues.append(issue("I001", f"check {getattr(check, '__name__', check)} failed: {err!r}"))
    issues.sort(key=lambda i: (i.location.file, i.location.line, i.location.col, i.code))
    return LintResult(catalog, tuple(issues), files)


def _namespace_of(folder: str) -> str:
    cleaned = re.sub(r"[^a-z0-9_]+", "_", folder.lower()).strip("_")
    return cleaned if cleaned and cleaned[0].isalpha() else DEFAULT_NAMESPACE


def _hidden(relative: Path) -> bool:
    return any(part.startswith((".", "_")) for part in relative.parts)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# The compare stage registers its catalog checks (conflicts, duplicates) on import; at the bottom, so the
# registry above exists when it does.
import catalog.compare  # noqa: E402, F401

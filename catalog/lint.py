"""The whole definition pipeline in one call: files → load → validate → resolve → compare → issues + catalog.

>>> result = lint_texts({"finance/a.yaml": "metrics: {}"})
>>> result.ok, len(result.catalog.metrics)
(True, 0)
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from pathlib import Path, PurePosixPath
from typing import Any, ParamSpec, TypeVar

from catalog.compare.lint_check import conflict_issues

# find_files, MAX_FILES and LintResult are also imported from here by the store and the service.
from catalog.files import MAX_FILES as MAX_FILES
from catalog.files import display_name, find_files, namespace_of
from catalog.issues import Issue, issue
from catalog.load import Document, load_bytes, load_file, load_text
from catalog.metric_types.base import MetricType
from catalog.metric_types.registry import METRIC_TYPES, by_name
from catalog.model import Catalog, LintResult
from catalog.resolve import resolve
from catalog.validate import Item, validate_document

Types = Sequence[MetricType[Any]]

CatalogCheck = Callable[[Catalog], list[Issue]]


def catalog_checks(conflicts: CatalogCheck = conflict_issues) -> tuple[CatalogCheck, ...]:
    """Every check over the resolved catalog, in the order it runs.

    `conflicts` turns the compare stage's findings into issues; the store passes one that judges each finding
    by what a publish changes (`catalog.store.conflict_gate`).
    """
    return (conflicts,)


CATALOG_CHECKS = catalog_checks()


P = ParamSpec("P")
R = TypeVar("R")


def _without_gc_pauses(run: Callable[P, R]) -> Callable[P, R]:
    """Pause the cyclic garbage collector for one lint run.

    Loading allocates millions of small containers that all stay alive until the catalog is built, so the
    collector keeps re-scanning a growing heap for cycles that are not there (a large share of linting a big
    catalog: bench/scale.py). Collection resumes when the run ends; a caller that had disabled it keeps it off.
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
def lint_paths(
    paths: Iterable[Path | str], allowed_schemas: Set[str] | None = None, *, types: Types = METRIC_TYPES
) -> LintResult:
    """Lint files and folders on disk; `allowed_schemas` limits the schemas of source tables, `types` the
    metric types definitions may use."""
    files, issues = find_files(Path(p) for p in paths)
    docs: list[tuple[Document, str]] = []
    for file, namespace in files:
        doc, found = load_file(file, display_name(file))
        issues.extend(found)
        if doc is not None:
            docs.append((doc, namespace))
    return _lint_documents(docs, issues, tuple(display_name(f) for f, _ in files), allowed_schemas, types)


@_without_gc_pauses
def lint_contents(
    contents: Sequence[tuple[str, str, bytes]],
    allowed_schemas: Set[str] | None = None,
    *,
    types: Types = METRIC_TYPES,
) -> LintResult:
    """Lint files already read, each as `(name reported in issues, namespace, bytes)` (the catalog snapshot
    hashes the same bytes it lints)."""
    issues: list[Issue] = []
    docs: list[tuple[Document, str]] = []
    for name, namespace, data in contents:
        doc, found = load_bytes(data, name)
        issues.extend(found)
        if doc is not None:
            docs.append((doc, namespace))
    return _lint_documents(docs, issues, tuple(name for name, _, _ in contents), allowed_schemas, types)


@_without_gc_pauses
def lint_texts(
    files: Mapping[str, str], allowed_schemas: Set[str] | None = None, *, types: Types = METRIC_TYPES
) -> LintResult:
    """Lint a bundle of in-memory files, `{"growth/acquisition.yaml": text}` (the folder is the namespace)."""
    docs, issues = load_texts(files)
    return _lint_documents(docs, issues, tuple(files), allowed_schemas, types)


def load_texts(files: Mapping[str, str]) -> tuple[list[tuple[Document, str]], list[Issue]]:
    """Parse a bundle into documents, each with the namespace of the folder its name sits in."""
    docs: list[tuple[Document, str]] = []
    issues: list[Issue] = []
    for name, text in files.items():
        doc, found = load_text(text, name)
        issues.extend(found)
        if doc is not None:
            parent = PurePosixPath(name.replace("\\", "/")).parent.name
            docs.append((doc, namespace_of(parent)))
    return docs, issues


def _lint_documents(
    docs: list[tuple[Document, str]],
    issues: list[Issue],
    files: tuple[str, ...],
    allowed_schemas: Set[str] | None,
    types: Types,
) -> LintResult:
    named = by_name(types)
    items: list[Item] = []
    for doc, namespace in docs:
        found_items, found = validate_document(doc, namespace, allowed_schemas, types=named)
        items.extend(found_items)
        issues.extend(found)
    return lint_items(items, issues, files, types=types)


def lint_items(
    items: list[Item],
    issues: list[Issue],
    files: tuple[str, ...] = (),
    checks: Iterable[CatalogCheck] = CATALOG_CHECKS,
    *,
    types: Types = METRIC_TYPES,
) -> LintResult:
    """Resolve already validated items and run `checks` over the catalog (the store overlays stored items)."""
    issues = list(issues)
    catalog, found = resolve(items, by_name(types))
    issues.extend(found)
    for check in checks:
        try:
            issues.extend(check(catalog))
        except Exception as err:  # a crash inside one check is reported, never an outage
            issues.append(issue("I001", f"check {getattr(check, '__name__', check)} failed: {err!r}"))
    issues.sort(key=lambda i: (i.location.file, i.location.line, i.location.col, i.code))
    return LintResult(catalog, tuple(issues), files)

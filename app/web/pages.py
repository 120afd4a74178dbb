"""The data of each page, gathered from the store, the compiler and the conflict checks.

Routes stay thin: they choose the language and the template; this module asks the repository for versions,
compiles one dialect, and turns domain values into what the templates print.

    >>> sql_of(lint_paths(["metric_defs"]).catalog, "growth.signups", "hive").ok      # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from app.web.i18n import Lang
from app.web.sql_layout import readable_sql
from app.web.view_models import CatalogView, Node, Translate, component_tree, label_of
from catalog.compare.conflicts import Finding
from catalog.compare.lint_check import KIND_CODES
from catalog.compile import CompileError, compile_query
from catalog.compile.dialects import DIALECTS
from catalog.lineage import allowed_dimensions
from catalog.model import Catalog, Metric
from catalog.series import series_query
from catalog.store.diff import field_changes
from catalog.store.records import VersionRecord
from catalog.store.repository import Repository

DEFAULT_DIALECT = "duckdb"
DIALECT_NAMES: tuple[str, ...] = tuple(DIALECTS)
HISTORY_LIMIT = 20
"""Versions listed on a metric page, newest first; older ones stay reachable by `?v=`."""


@dataclass(frozen=True, slots=True)
class DimensionView:
    key: str
    label: str
    description: str | None


@dataclass(frozen=True, slots=True)
class MetricView:
    key: str
    namespace: str
    name: str
    label: str
    other_label: str
    description: str
    stage: str
    type: str
    owner: str
    unit: str | None
    standard: bool
    deprecated: bool
    tags: tuple[str, ...]
    overrides: tuple[str, str] | None
    version: int
    current_version: int
    tree: Node
    dimensions: tuple[DimensionView, ...]


@dataclass(frozen=True, slots=True)
class SqlView:
    ok: bool
    text: str
    """The SQL, or why it could not be compiled."""


@dataclass(frozen=True, slots=True)
class ChangeView:
    field: str
    before: str | None
    after: str | None
    caliber: bool


@dataclass(frozen=True, slots=True)
class FindingView:
    kind: str
    """conflict | duplicate: how the page colours it."""
    code: str
    title: str
    message: str
    metrics: tuple[tuple[str, str], ...]
    """(key, label) of both sides, the reference side first."""
    hint: str


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    number: int
    created_at: str
    author: str
    note: str
    caliber_changed: bool
    changes: tuple[ChangeView, ...]


def metric_page(
    repo: Repository, view: CatalogView, key: str, number: int | None, dialect: str, lang: Lang, t: Translate
) -> dict[str, Any] | str:
    """Everything `metric.html` shows, or the message of a 404 in the reader's language."""
    current = view.catalog.metrics.get(key)
    if current is None:
        return t("not_found", key=key)
    versions = repo.versions(key)
    current_number = versions[-1].number if versions else 1
    catalog, metric = view.catalog, current
    if number is not None and number != current_number:
        try:
            pinned = repo.catalog_at({key: number})  # cached by the store per revision
        except LookupError:
            return t("version_not_found", key=key, n=number)
        if key not in pinned.metrics:
            return t("version_unresolved", key=key, n=number)
        catalog, metric = pinned, pinned.metrics[key]
    dialect = dialect if dialect in DIALECTS else DEFAULT_DIALECT
    return {
        "m": _metric_view(metric, catalog, number or current_number, current_number, lang, t),
        "dialects": DIALECT_NAMES,
        "dialect": dialect,
        "sql": sql_of(catalog, key, dialect),
        "findings": findings(view, key, lang, t),
        "findings_error": view.findings_error,
        "history": history(versions),
    }


def _metric_view(
    metric: Metric,
    catalog: Catalog,
    number: int,
    current: int,
    lang: Lang,
    t: Translate,
) -> MetricView:
    dimensions = tuple(_dimension(catalog, k, lang) for k in allowed_dimensions(catalog, metric.key))
    label, other = (metric.label.zh, metric.label.en) if lang == "zh" else (metric.label.en, metric.label.zh)
    overrides = (metric.overrides.metric, metric.overrides.reason) if metric.overrides else None
    tree = component_tree(metric, catalog, lang, t)
    return MetricView(
        metric.key,
        metric.namespace,
        metric.name,
        label,
        other,
        metric.description,
        metric.stage,
        metric.type,
        metric.owner,
        metric.unit,
        metric.standard,
        metric.deprecated,
        metric.tags,
        overrides,
        number,
        current,
        tree,
        dimensions,
    )


def _dimension(catalog: Catalog, key: str, lang: Lang) -> DimensionView:
    d = catalog.dimensions[key]
    return DimensionView(key, d.label.zh if lang == "zh" else d.label.en, d.description)


def sql_of(catalog: Catalog, key: str, dialect: str) -> SqlView:
    """The metric's default series (`catalog.series`) in `dialect`, laid out for reading."""
    try:
        sql = compile_query(series_query(catalog, catalog.metrics[key], dialect=dialect), catalog).sql
    except CompileError as err:
        return SqlView(False, "; ".join(f"{i.code} {i.message}" for i in err.issues))
    return SqlView(True, readable_sql(sql, dialect))


def findings(view: CatalogView, key: str | None, lang: Lang, t: Translate) -> tuple[FindingView, ...]:
    """Open conflicts and duplicates of the catalog, or only those that involve metric `key`."""
    found = view.findings if key is None else [f for f in view.findings if key in (f.left, f.right)]
    return tuple(_finding(f, view.catalog, lang, t) for f in found)


def _finding(finding: Finding, catalog: Catalog, lang: Lang, t: Translate) -> FindingView:
    sides = tuple((k, label_of(catalog, k, lang, t)) for k in (finding.left, finding.right))
    kind = "duplicate" if finding.kind == "duplicate" else "conflict"
    message = finding.message_zh if lang == "zh" else finding.message
    return FindingView(
        kind, KIND_CODES[finding.kind], t(f"finding_{finding.kind}"), message, sides, finding.hint
    )


def history(versions: Sequence[VersionRecord]) -> tuple[HistoryEntry, ...]:
    """Newest first, each with what changed since the version before it."""
    entries = []
    shown = list(enumerate(versions))[-HISTORY_LIMIT:]
    for i, record in reversed(shown):
        before = versions[i - 1] if i > 0 else None
        changes = field_changes(before.definition, record.definition) if before else []
        entries.append(
            HistoryEntry(
                record.number,
                record.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                record.author,
                record.note,
                before is not None and before.semantic_hash != record.semantic_hash,
                tuple(ChangeView(c.path, _shown(c.before), _shown(c.after), c.caliber) for c in changes),
            )
        )
    return tuple(entries)


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_shown(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(_shown(v)) for v in value)
    return str(value)

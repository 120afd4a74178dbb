"""What the web pages show, built from catalog objects by pure functions (no request, no store, no I/O).

The per-catalog work — the search index and counts by stage and namespace (`catalog.search`), the conflicts
(`catalog.compare.conflicts.findings_for`) — is done once per catalog object and reused by every request, so
a page over 10k metrics only filters and slices.

    >>> from catalog.lint import lint_texts
    >>> text = ("sources: {users: {table: dw.dim_users, time: at, columns: {id: integer, at: timestamp}}}\\n"
    ...         "metrics: {signups: {type: atomic, source: users, agg: count,"
    ...         " label: {en: Signups, zh: 注册数}, description: All users,"
    ...         " stage: acquisition, owner: growth}}")
    >>> view = CatalogView(lint_texts({"growth/a.yaml": text}).catalog)
    >>> [row.key for row in view.search("注册").items], view.stage_counts[0]
    (['growth.signups'], ('acquisition', 1))
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from app.web.i18n import Lang
from catalog.compare.conflicts import Finding, findings_for
from catalog.model import Catalog, Metric
from catalog.search import index_of

Translate = Callable[..., str]

log = logging.getLogger("caliber.web")

MAX_TREE_DEPTH = 6


@dataclass(frozen=True, slots=True)
class Row:
    """One metric in a list of search results."""

    key: str
    namespace: str
    name: str
    label_en: str
    label_zh: str
    description: str
    stage: str
    type: str
    unit: str | None
    owner: str
    standard: bool
    deprecated: bool

    def label(self, lang: Lang) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True, slots=True)
class Page:
    items: tuple[Row, ...]
    total: int
    offset: int
    limit: int


class CatalogView:
    """Everything the pages derive from one catalog, computed once and then only read."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.index = index_of(catalog)
        self.rows = tuple(_row(m) for m in self.index.metrics)
        self._row_of = {row.key: row for row in self.rows}
        self.stage_counts = self.index.stage_counts
        self.namespace_counts = self.index.namespace_counts
        self._findings: list[Finding] | None = None
        self.findings_error: str | None = None
        self._flagged: dict[str, str] | None = None

    @property
    def findings(self) -> list[Finding]:
        """Conflicts and duplicates of this catalog (`findings_for`: found once per catalog).

        A crash of the conflict check is logged and shown (`findings_error`), never a broken page.
        """
        if self._findings is None:
            try:
                self._findings = findings_for(self.catalog)
            except Exception as err:
                log.exception("conflict check failed")
                self.findings_error = repr(err)
                self._findings = []
        return self._findings

    @property
    def flagged(self) -> dict[str, str]:
        """Metric key → "conflict" or "duplicate" for every metric some finding names (conflict wins)."""
        if self._flagged is None:
            flagged: dict[str, str] = {}
            for finding in self.findings:
                kind = "duplicate" if finding.kind == "duplicate" else "conflict"
                for key in (finding.left, finding.right):
                    if flagged.get(key) != "conflict":
                        flagged[key] = kind
            self._flagged = flagged
        return self._flagged

    def search(
        self,
        text: str = "",
        stage: str | None = None,
        namespace: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page:
        """The catalog's search (`catalog.search`), best matches first, as rows."""
        found = self.index.search(text, stage, namespace, offset=offset, limit=limit)
        return Page(tuple(self._row_of[m.key] for m in found.items), found.total, offset, limit)


def _row(metric: Metric) -> Row:
    return Row(
        metric.key,
        metric.namespace,
        metric.name,
        metric.label.en,
        metric.label.zh,
        metric.description,
        metric.stage,
        metric.type,
        metric.unit,
        metric.owner,
        metric.standard,
        metric.deprecated,
    )


class ViewCache:
    """The `CatalogView` of the latest catalog, rebuilt only when a different catalog object (a new
    revision of the store) arrives."""

    def __init__(self) -> None:
        self._view: CatalogView | None = None

    def get(self, catalog: Catalog) -> CatalogView:
        view = self._view
        if view is None or view.catalog is not catalog:
            view = self._view = CatalogView(catalog)
        return view


# -- one metric ------------------------------------------------------------------------------------------


def label_of(catalog: Catalog, key: str, lang: Lang, t: Translate) -> str:
    metric = catalog.metrics.get(key)
    if metric is None:
        return t("unknown_metric", key=key)
    return metric.label.zh if lang == "zh" else metric.label.en


def formula_words(metric: Metric, catalog: Catalog, lang: Lang, t: Translate) -> str:
    """The calculation in a sentence, naming components by their label, e.g.
    "Paid-channel signups divided by Signups (empty when the denominator is 0)"."""
    return metric.kind.words.describe(metric.spec, catalog, t, lambda key: label_of(catalog, key, lang, t))


@dataclass(frozen=True, slots=True)
class Node:
    """A metric in the tree of components: its role in the parent, its own formula, its components."""

    key: str
    label: str
    role: str
    type: str
    words: str
    known: bool
    children: tuple[Node, ...]


def component_tree(
    metric: Metric, catalog: Catalog, lang: Lang, t: Translate, role: str = "", depth: int = 0
) -> Node:
    """`metric` with its components, recursively (depth-limited; the resolver already refused cycles)."""
    children: list[Node] = []
    if depth < MAX_TREE_DEPTH:
        for child_role, key in metric.kind.words.roles(metric.spec, t):
            child = catalog.metrics.get(key)
            if child is None:
                children.append(Node(key, t("unknown_metric", key=key), child_role, "", "", False, ()))
            else:
                children.append(component_tree(child, catalog, lang, t, child_role, depth + 1))
    label = metric.label.zh if lang == "zh" else metric.label.en
    return Node(
        metric.key, label, role, metric.type, formula_words(metric, catalog, lang, t), True, tuple(children)
    )

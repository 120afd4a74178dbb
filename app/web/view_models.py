"""What the web pages show, built from catalog objects by pure functions (no request, no store, no I/O).

The per-catalog work — search haystacks, counts by stage and namespace, which sources each source can reach —
is done once per catalog object in `CatalogView` and reused by every request, so a page over 10k metrics
only filters and slices.

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
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.web.i18n import Lang
from catalog.compare.conflicts import Finding, findings_for
from catalog.model import (
    Atomic,
    Catalog,
    Conversion,
    Cumulative,
    Derived,
    Funnel,
    Metric,
    PeriodOverPeriod,
    Ratio,
    Retention,
)

Translate = Callable[..., str]

log = logging.getLogger("caliber.web")

STAGES: tuple[str, ...] = ("acquisition", "activation", "retention", "revenue", "referral")
_STAGE_ORDER = {stage: i for i, stage in enumerate(STAGES)}
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
        metrics = sorted(
            catalog.metrics.values(),
            key=lambda m: (_STAGE_ORDER.get(m.stage, len(STAGES)), not m.standard, m.key),
        )
        self.rows = tuple(_row(m) for m in metrics)
        # Lower-cased once: name and labels rank above the description (see `search`).
        self._names = tuple(
            tuple(s.casefold() for s in (r.key, r.name, r.label_en, r.label_zh)) for r in self.rows
        )
        self._titles = tuple("\n".join(names) for names in self._names)
        self._haystacks = tuple(
            f"{title}\n{r.description.casefold()}" for title, r in zip(self._titles, self.rows, strict=True)
        )
        self._by_stage: dict[str, list[int]] = {}
        self._by_namespace: dict[str, list[int]] = {}
        for i, row in enumerate(self.rows):
            self._by_stage.setdefault(row.stage, []).append(i)
            self._by_namespace.setdefault(row.namespace, []).append(i)
        stages = Counter(r.stage for r in self.rows)
        # Every AARRR stage is listed, an empty one too: a stage with no metric is worth seeing.
        self.stage_counts = tuple((s, stages[s]) for s in STAGES)
        self.namespace_counts = tuple(sorted(Counter(r.namespace for r in self.rows).items()))
        self._findings: list[Finding] | None = None
        self.findings_error: str | None = None
        self._flagged: dict[str, str] | None = None
        self.pinned: dict[tuple[str, int], Catalog | None] = {}
        """Catalogs with one metric at a past version (`app.web.versions`), filled by the pages that ask."""

    @property
    def findings(self) -> list[Finding]:
        """Conflicts and duplicates of this catalog, found on first use (the slowest derived data).

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
        """Metrics whose key, labels or description contain every word of `text`, best matches first.

        Matches in the name or a label come before matches only in the description; an exact name or label
        comes first of all.
        """
        candidates: Sequence[int] = range(len(self.rows))
        if stage and namespace:
            in_namespace = self._by_namespace.get(namespace, [])
            candidates = [i for i in in_namespace if self.rows[i].stage == stage]
        elif stage or namespace:
            by, value = (self._by_stage, stage) if stage else (self._by_namespace, namespace or "")
            candidates = by.get(value, [])
        terms = text.casefold().split()
        if terms:
            haystacks = self._haystacks
            matched = list(candidates)
            for term in terms:  # one plain loop per word: ~1 ms over 10k metrics
                matched = [i for i in matched if term in haystacks[i]]
            whole = " ".join(terms)
            # A stable sort: within one rank, the catalog order (stage, standard first, key) stays.
            matched.sort(key=lambda i: _rank(whole, terms, self._names[i], self._titles[i]))
            candidates = matched
        window = candidates[offset : offset + limit]
        return Page(tuple(self.rows[i] for i in window), len(candidates), offset, limit)


def _rank(whole: str, terms: list[str], names: tuple[str, ...], title: str) -> int:
    """0 the exact name or label, 1 a name or label that starts with it, 2 every word in them, 3 otherwise."""
    if whole in names:
        return 0
    for name in names:
        if name.startswith(whole):
            return 1
    for term in terms:
        if term not in title:
            return 3
    return 2


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
    spec = metric.spec

    def name(key: str) -> str:
        return label_of(catalog, key, lang, t)

    match spec:
        case Atomic():
            return _atomic_words(spec, catalog, t)
        case Ratio():
            return t("ratio_words", numerator=name(spec.numerator), denominator=name(spec.denominator))
        case Derived():
            terms = "; ".join(f"{written} = {name(key)}" for written, key in spec.refs.items())
            return f"{t('derived_words', expr=spec.expr)} {terms}"
        case Cumulative():
            if spec.window is None:
                return t("cumulative_all", metric=name(spec.metric))
            return t("cumulative_window", metric=name(spec.metric), window=spec.window)
        case Conversion():
            return t(
                f"conversion_{spec.calculation}",
                entity=spec.entity,
                base=name(spec.base),
                conversion=name(spec.conversion),
                window=spec.window,
            )
        case Funnel():
            window = t("funnel_window", window=spec.window) if spec.window else ""
            steps = " → ".join(name(step) for step in spec.steps)
            return f"{t('funnel_words', entity=spec.entity, window=window)}: {steps}"
        case Retention():
            return t(
                "retention_words",
                entity=spec.entity,
                cohort=name(spec.cohort),
                activity=name(spec.activity),
                offset=spec.offset,
            )
        case PeriodOverPeriod():
            return t(f"pop_{spec.calculation}", metric=name(spec.metric), compare=t(f"pop_{spec.compare_to}"))
    return metric.type


def _atomic_words(spec: Atomic, catalog: Catalog, t: Translate) -> str:
    source = catalog.sources.get(spec.source)
    table = source.table if source else "?"
    what = t("rows_of", source=spec.source.rsplit(".", 1)[-1], table=table)
    words = t(f"agg_{spec.agg}", what=what, expr=spec.expr or "*")
    if spec.filter:
        words += t("where", filter=spec.filter)
    time = spec.time or (source.time if source else None)
    if time:
        words += t("on_time", time=time)
    return words


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
        for child_role, key in _roles(metric, t):
            child = catalog.metrics.get(key)
            if child is None:
                children.append(Node(key, t("unknown_metric", key=key), child_role, "", "", False, ()))
            else:
                children.append(component_tree(child, catalog, lang, t, child_role, depth + 1))
    label = metric.label.zh if lang == "zh" else metric.label.en
    return Node(
        metric.key, label, role, metric.type, formula_words(metric, catalog, lang, t), True, tuple(children)
    )


def _roles(metric: Metric, t: Translate) -> list[tuple[str, str]]:
    spec = metric.spec
    match spec:
        case Ratio():
            return [(t("role_numerator"), spec.numerator), (t("role_denominator"), spec.denominator)]
        case Derived():
            return [(t("role_term", name=written), key) for written, key in spec.refs.items()]
        case Cumulative() | PeriodOverPeriod():
            return [(t("role_metric"), spec.metric)]
        case Conversion():
            return [(t("role_base"), spec.base), (t("role_conversion"), spec.conversion)]
        case Funnel():
            return [(t("role_step", n=i), key) for i, key in enumerate(spec.steps, start=1)]
        case Retention():
            return [(t("role_cohort"), spec.cohort), (t("role_activity"), spec.activity)]
    return []

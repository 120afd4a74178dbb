"""Searching a catalog's metrics: words over names, both labels and the description, plus exact filters.

One `MetricIndex` per catalog object, built once and then only read (`index_of`), serves the API
(`GET /v1/metrics?q=`: the whole text in one field, by key) and the web catalog's search box (every word
anywhere, best matches first). Matching is case-insensitive (`casefold`) substring search over the key, the
name, both labels and the description, which also works for Chinese labels, where word boundaries do not
exist. Ranked, matches in the name or a label come before matches only in the description, and an exact name
or label first of all; otherwise metrics keep the catalog's order (AARRR stage, standard metrics first, key).

    >>> from catalog.lint import lint_texts
    >>> text = ("sources: {users: {table: dw.dim_users, time: at, columns: {id: integer, at: timestamp}}}\\n"
    ...         "metrics: {signups: {type: atomic, source: users, agg: count,"
    ...         " label: {en: Signups, zh: 注册数}, description: All users,"
    ...         " stage: acquisition, owner: growth}}")
    >>> index = index_of(lint_texts({"growth/a.yaml": text}).catalog)
    >>> [m.key for m in index.search("注册").items], index.stage_counts[0]
    (['growth.signups'], ('acquisition', 1))
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from catalog.memo import PerCatalog
from catalog.model import Catalog, Metric
from catalog.schema import Stage

STAGES: tuple[str, ...] = tuple(stage.value for stage in Stage)
_STAGE_ORDER = {stage: i for i, stage in enumerate(STAGES)}


@dataclass(frozen=True, slots=True)
class Page:
    items: tuple[Metric, ...]
    total: int
    """Matches before paging."""
    offset: int
    limit: int


class MetricIndex:
    """Everything a search over one catalog reads, computed once."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.metrics = tuple(
            sorted(
                catalog.metrics.values(),
                key=lambda m: (_STAGE_ORDER.get(m.stage, len(STAGES)), not m.standard, m.key),
            )
        )
        # Lower-cased once: name and labels rank above the description (see `search`).
        self._names = tuple(
            tuple(s.casefold() for s in (m.key, m.name, m.label.en, m.label.zh)) for m in self.metrics
        )
        self._titles = tuple("\n".join(names) for names in self._names)
        self._haystacks = tuple(
            f"{title}\n{m.description.casefold()}"
            for title, m in zip(self._titles, self.metrics, strict=True)
        )
        # The fields a phrase is looked for in, each on its own.
        self._fields = tuple(
            (names[0], names[2], names[3], m.description.casefold())
            for names, m in zip(self._names, self.metrics, strict=True)
        )
        self._by_stage: dict[str, list[int]] = {}
        self._by_namespace: dict[str, list[int]] = {}
        for i, metric in enumerate(self.metrics):
            self._by_stage.setdefault(metric.stage, []).append(i)
            self._by_namespace.setdefault(metric.namespace, []).append(i)
        stages = Counter(m.stage for m in self.metrics)
        # Every AARRR stage is listed, an empty one too: a stage with no metric is worth seeing.
        self.stage_counts = tuple((s, stages[s]) for s in STAGES)
        self.namespace_counts = tuple(sorted(Counter(m.namespace for m in self.metrics).items()))

    def search(
        self,
        text: str | None = "",
        stage: str | None = None,
        namespace: str | None = None,
        owner: str | None = None,
        status: str | None = None,
        offset: int = 0,
        limit: int = 50,
        *,
        phrase: bool = False,
    ) -> Page:
        """Metrics with every word of `text` (best matches first) — or, with `phrase`, with the whole text in
        one field (by key) — that pass every filter given."""
        candidates: Sequence[int] = range(len(self.metrics))
        if stage and namespace:
            in_namespace = self._by_namespace.get(namespace, [])
            candidates = [i for i in in_namespace if self.metrics[i].stage == stage]
        elif stage or namespace:
            by, value = (self._by_stage, stage) if stage else (self._by_namespace, namespace or "")
            candidates = by.get(value, [])
        if owner is not None or status is not None:
            candidates = [
                i
                for i in candidates
                if (owner is None or self.metrics[i].owner == owner)
                and (status is None or self.metrics[i].status == status)
            ]
        terms = (text or "").casefold().split()
        if phrase:
            needle = (text or "").casefold().strip()
            if needle:
                candidates = [i for i in candidates if any(needle in f for f in self._fields[i])]
            candidates = sorted(candidates, key=lambda i: self.metrics[i].key)
        elif terms:
            haystacks = self._haystacks
            matched = list(candidates)
            for term in terms:  # one plain loop per word over precomputed haystacks
                matched = [i for i in matched if term in haystacks[i]]
            whole = " ".join(terms)
            # A stable sort: within one rank, the catalog order (stage, standard first, key) stays.
            matched.sort(key=lambda i: _rank(whole, terms, self._names[i], self._titles[i]))
            candidates = matched
        start = max(offset, 0)
        window = candidates[start : start + max(limit, 0)]
        return Page(tuple(self.metrics[i] for i in window), len(candidates), offset, limit)


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


_indexes: PerCatalog[list[MetricIndex]] = PerCatalog(list)


def index_of(catalog: Catalog) -> MetricIndex:
    """The index of `catalog`, built on first use and kept while the catalog lives."""
    kept = _indexes(catalog)
    if not kept:
        kept.append(MetricIndex(catalog))
    return kept[0]

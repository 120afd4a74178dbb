"""What an agent (or a person) needs to use a metric right, built from the resolved catalog by pure functions:
its caliber card, the dimensions it allows, and a search that puts the standard metrics first.

A standard metric (`standard: true`) is the caliber the organisation agreed on for a concept; a team's own
variant may exist beside it. Search ranks standard metrics first and deprecated ones last, so an agent that
takes the first hit takes the agreed number.

    >>> from catalog.lint import lint_texts
    >>> text = ("sources: {users: {table: dw.dim_users, time: at, columns: {id: integer, at: timestamp}}}\\n"
    ...         "metrics: {signups: {type: atomic, source: users, agg: count, standard: true,"
    ...         " label: {en: Signups, zh: 注册数}, description: All users,"
    ...         " stage: acquisition, owner: growth}}")
    >>> catalog = lint_texts({"growth/a.yaml": text}).catalog
    >>> card = caliber_card(catalog, catalog.metrics["growth.signups"], version=1, lang="en")
    >>> card.label, card.standard, card.time_columns, card.formula
    ('Signups', True, ['dw.dim_users.at'], 'number of rows of users (table dw.dim_users), placed in time by at')
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.web.i18n import translator
from app.web.view_models import CatalogView, Row, formula_words
from catalog.lineage import allowed_dimensions, atomic_leaves
from catalog.metric_types.atomic import Atomic
from catalog.model import Catalog, Metric

Lang = Literal["en", "zh"]


class Labels(BaseModel):
    en: str = Field(examples=["Gross merchandise value"])
    zh: str = Field(examples=["成交总额"])


class MetricHit(BaseModel):
    """One metric found by a search."""

    key: str = Field(description="`namespace.name`: what to pass as `metric` or in `metrics`.")
    label: str = Field(description="The label in the language asked.")
    labels: Labels
    description: str
    type: str = Field(examples=["atomic", "ratio"])
    stage: str = Field(examples=["revenue"])
    unit: str | None
    owner: str
    standard: bool = Field(description="The agreed caliber for this concept: prefer it to any variant.")
    status: str = Field(description="`active`, or `deprecated` (still answers, with a warning).")


class CaliberCard(BaseModel):
    """A metric's caliber (统计口径): what exactly it counts, in words and in its parts."""

    key: str = Field(examples=["shop.gmv"])
    version: int = Field(description="The published version this card describes.")
    label: str = Field(description="The label in the language asked.")
    labels: Labels
    description: str
    type: str = Field(examples=["atomic", "ratio", "derived", "cumulative", "conversion"])
    type_name: str = Field(description="The type in the language asked.")
    formula: str = Field(description="The definition in words, naming the table, filter and time column.")
    unit: str | None
    owner: str
    stage: str
    standard: bool = Field(description="True: the agreed caliber for this concept (标准口径); prefer it.")
    status: str
    overrides: str | None = Field(
        description="The standard metric this one knowingly departs from, with the reason; null otherwise."
    )
    components: list[str] = Field(description="Metrics this one is computed from (empty for atomic).")
    time_columns: list[str] = Field(
        description="`table.column` that places each row in time (metric_time and time_range use it)."
    )
    filters: list[str] = Field(
        description="Row filters inside the metric's own aggregation (`metric: filter` for components)."
    )
    dimensions: list[str] = Field(description="Dimension keys this metric can be sliced and filtered by.")


class DimensionInfo(BaseModel):
    key: str = Field(examples=["shop.channel"])
    label: str
    labels: Labels
    description: str
    type: str = Field(examples=["categorical", "time"])


def label_in(labels: Labels, lang: Lang) -> str:
    return labels.zh if lang == "zh" else labels.en


def search_metrics(
    view: CatalogView,
    text: str = "",
    stage: str | None = None,
    namespace: str | None = None,
    limit: int = 20,
    lang: Lang = "en",
) -> tuple[list[MetricHit], int]:
    """The best `limit` matches and how many matched: standard metrics first, deprecated last, and within
    each group the web search's order (exact name or label, then a prefix, then every word, then the rest).

    >>> from app.web.view_models import CatalogView
    >>> from catalog.model import Catalog
    >>> search_metrics(CatalogView(Catalog()), "gmv")
    ([], 0)
    """
    page = view.search(text, stage, namespace, 0, len(view.rows))
    ranked = sorted(page.items, key=lambda row: (row.deprecated, not row.standard))
    return [_hit(row, lang) for row in ranked[:limit]], page.total


def caliber_card(catalog: Catalog, metric: Metric, version: int, lang: Lang = "en") -> CaliberCard:
    """The caliber card of `metric` (a metric of `catalog`, or a stored version of one) in `lang`."""
    t = translator(lang)
    labels = Labels(en=metric.label.en, zh=metric.label.zh)
    # From the metric given, not the catalog's: a pinned version may be built from other components.
    leaves = [metric.key] if isinstance(metric.spec, Atomic) else _leaves(catalog, metric.references())
    return CaliberCard(
        key=metric.key,
        version=version,
        label=label_in(labels, lang),
        labels=labels,
        description=metric.description,
        type=metric.type,
        type_name=t(f"type_{metric.type}"),
        formula=formula_words(metric, catalog, lang, t),
        unit=metric.unit,
        owner=metric.owner,
        stage=metric.stage,
        standard=metric.standard,
        status=metric.status,
        overrides=f"{metric.overrides.metric}: {metric.overrides.reason}" if metric.overrides else None,
        components=list(metric.references()),
        time_columns=_time_columns(catalog, metric, leaves),
        filters=_filters(catalog, metric, leaves),
        dimensions=allowed_dimensions(catalog, metric.key),
    )


def dimensions_of(catalog: Catalog, key: str, lang: Lang = "en") -> list[DimensionInfo]:
    """The dimensions the metric `key` allows, with their labels, sorted by key."""
    found = []
    for dimension_key in allowed_dimensions(catalog, key):
        dimension = catalog.dimensions[dimension_key]
        labels = Labels(en=dimension.label.en, zh=dimension.label.zh)
        found.append(
            DimensionInfo(
                key=dimension.key,
                label=label_in(labels, lang),
                labels=labels,
                description=dimension.description or "",
                type=dimension.type,
            )
        )
    return found


def _leaves(catalog: Catalog, keys: tuple[str, ...]) -> list[str]:
    return sorted(set().union(*(atomic_leaves(catalog, key) for key in keys)))


def _atomic_of(catalog: Catalog, metric: Metric, key: str) -> Atomic | None:
    spec = metric.spec if key == metric.key else catalog.metrics[key].spec
    return spec if isinstance(spec, Atomic) else None


def _time_columns(catalog: Catalog, metric: Metric, leaves: list[str]) -> list[str]:
    columns: dict[str, None] = {}
    for key in leaves:
        spec = _atomic_of(catalog, metric, key)
        source = catalog.sources.get(spec.source) if spec else None
        if spec is None or source is None:
            continue
        column = spec.time or source.time
        if column:
            columns[f"{source.table}.{column}"] = None
    return list(columns)


def _filters(catalog: Catalog, metric: Metric, leaves: list[str]) -> list[str]:
    found = []
    for key in leaves:
        spec = _atomic_of(catalog, metric, key)
        if spec is not None and spec.filter:
            found.append(spec.filter if key == metric.key else f"{key}: {spec.filter}")
    return found


def _hit(row: Row, lang: Lang) -> MetricHit:
    labels = Labels(en=row.label_en, zh=row.label_zh)
    return MetricHit(
        key=row.key,
        label=label_in(labels, lang),
        labels=labels,
        description=row.description,
        type=row.type,
        stage=row.stage,
        unit=row.unit,
        owner=row.owner,
        standard=row.standard,
        status="deprecated" if row.deprecated else "active",
    )

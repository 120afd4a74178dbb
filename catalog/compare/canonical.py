"""The canonical semantic form of a metric: what it computes, with every way of writing it erased.

An atomic metric is its physical table, aggregation, canonical expression, set of canonical filter terms
and time column. Ratio and derived metrics become a formula over their atomic leaves (a derived metric
`gmv / paying_users` and a ratio of the same two are one formula); the other types keep their parameters
(window, entity, steps…) and the canonical forms of their parts. Two metrics are equivalent exactly when
their fingerprints are equal. Each metric type builds its form (`MetricType.canonical`) with the
`Canonicalizer` methods `atomic`, `formula`, `composite`, `inline` and `entity`.

    >>> form = canonical_form("finance.paying_users", catalog)          # doctest: +SKIP
    >>> form.agg, sorted(form.filter)[0], form.time                      # doctest: +SKIP
    ('count_distinct', "status IN ('paid', 'refunded')", 'paid_at')
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache

import sqlglot
from sqlglot import exp

from catalog import model as m
from catalog.compare.normalize import (
    bare_column,
    canonical_tree,
    expression_tree,
    filter_terms,
    predicate_terms,
    render,
)
from catalog.compare.normalize import (
    clear_caches as clear_normalize_caches,
)
from catalog.compare.normalize import (
    prepare as prepare_tree,
)
from catalog.metric_types.atomic import Atomic
from catalog.sqlexpr import DEFINITION_DIALECT, clone

# Every aggregate Caliber offers ignores NULL inputs: agg(e) over all rows = agg(e) over rows where e is set.
_NULL_IGNORING = ("sum", "count", "count_distinct", "avg", "min", "max")


@dataclass(frozen=True, slots=True)
class Canonical:
    kind: str
    """The metric type (atomic, ratio, derived…); ratio and derived both canonicalise to `formula`."""
    table: str | None = None
    agg: str | None = None
    expr: str | None = None
    filter: frozenset[str] = frozenset()
    time: str | None = None
    formula: str | None = None
    """For ratio/derived: SQL over the leaves, each written `m_<fingerprint prefix>`."""
    parts: tuple[tuple[str, Canonical], ...] = ()
    """Named components: numerator/denominator, metric, base/conversion, step 1…, cohort/activity, term."""
    params: tuple[tuple[str, str], ...] = ()
    implied: frozenset[str] = field(default=frozenset(), compare=False)
    """Terms of `filter` nobody wrote: `expr IS NOT NULL` of a NULL-ignoring aggregate (left out of
    explanations)."""
    fingerprint: str = field(default="", compare=False)

    def serialise(self) -> list[object]:
        # A formula names its leaves already; the roles of its parts (numerator, term) are how it was written.
        parts = [] if self.formula is not None else [[role, part.fingerprint] for role, part in self.parts]
        return [
            self.kind,
            self.table,
            self.agg,
            self.expr,
            sorted(self.filter),
            self.time,
            self.formula,
            parts,
            [list(p) for p in self.params],
        ]

    @property
    def placeholder(self) -> str:
        return f"m_{self.fingerprint[:16]}"

    def leaves(self) -> tuple[Canonical, ...]:
        """The atomic forms this one is computed from (itself when atomic), unique, in a stable order."""
        if self.kind == "atomic":
            return (self,)
        found = {leaf.fingerprint: leaf for _, part in self.parts for leaf in part.leaves()}
        return tuple(found[k] for k in sorted(found))

    def describe(self) -> str:
        """A short reading for people: `COUNT(DISTINCT user_id) FROM dw.fact_orders WHERE … BY paid_at`."""
        if self.kind != "atomic":
            formula = self.formula or ", ".join(f"{role}: {part.describe()}" for role, part in self.parts)
            params = ", ".join(f"{k} {v}" for k, v in self.params)
            return f"{self.kind}({formula}{'; ' + params if params else ''})"
        column = self.expr or "*"
        agg = self.agg or ""
        head = f"COUNT(DISTINCT {column})" if agg == "count_distinct" else f"{agg.upper()}({column})"
        text = f"{head} FROM {self.table}"
        if self.filter:
            text += " WHERE " + " AND ".join(sorted(self.filter))
        return text + f" BY {self.time or '(no time)'}"


class Canonicalizer:
    """Canonical forms of one catalog's metrics, each computed once per run."""

    def __init__(self, catalog: m.Catalog) -> None:
        self.catalog = catalog
        self.forms: dict[str, Canonical] = {}
        self.sources: dict[str, tuple[str, str | None, str | None]] = {}

    def __call__(self, key: str) -> Canonical:
        form = self.forms.get(key)
        if form is None:
            form = self.forms[key] = _fingerprinted(self._build(self.catalog.metrics[key]))
        return form

    def _build(self, metric: m.Metric) -> Canonical:
        return metric.kind.canonical(self, metric.spec)

    # -- what metric types build their forms with (`MetricType.canonical`) ------------------------------
    def atomic(self, spec: Atomic) -> Canonical:
        """The form of an atomic metric: table, aggregation, canonical expression, filter terms, time."""
        table, primary, source_time = self._source(spec.source)
        agg, terms = spec.agg, filter_terms(spec.filter)
        value: str | None = None
        implied: frozenset[str] = frozenset()
        if spec.expr is not None:
            value, when, not_null = _aggregated(spec.expr)
            terms = terms | when
            if agg in _NULL_IGNORING:
                implied = not_null
                terms = terms | not_null
                if agg == "count" or (agg == "count_distinct" and value == primary):
                    # COUNT(x) counts the rows where x is set; a primary key is set and unique on every row.
                    agg, value = "count", None
        if primary is not None:
            terms = terms - {f"{primary} IS NOT NULL"}
        time = spec.time or source_time
        return Canonical(
            "atomic",
            table=table,
            agg=agg,
            expr=value,
            filter=terms,
            time=time.lower() if time else None,
            implied=implied,
        )

    def _source(self, key: str) -> tuple[str, str | None, str | None]:
        """(physical table, primary key column, default time column) of a source, looked up once."""
        found = self.sources.get(key)
        if found is None:
            source = self.catalog.sources[key]
            primary = source.primary
            found = (source.table.lower(), primary.column if primary else None, source.time)
            self.sources[key] = found
        return found

    @staticmethod
    def composite(
        kind: str, parts: tuple[tuple[str, Canonical], ...], params: tuple[tuple[str, str], ...] = ()
    ) -> Canonical:
        """A form made of the forms of named parts and the type's parameters (window, entity…)."""
        return Canonical(kind, parts=parts, params=params)

    @staticmethod
    def formula(
        formula: str | exp.Expr, parts: tuple[tuple[str, Canonical], ...], *, prepare: bool = False
    ) -> Canonical:
        """A ratio or derived form: arithmetic over leaves, given as its final text or as a tree over
        `inline`d parts, which is canonicalised (after normalisation's rewrites with `prepare`)."""
        if isinstance(formula, exp.Expr):
            formula = render(canonical_tree(prepare_tree(formula) if prepare else formula))
        return Canonical("formula", formula=formula, parts=parts)

    @staticmethod
    def inline(form: Canonical) -> exp.Expr:
        """An atomic form as its placeholder column; a composite one as its formula, to inline."""
        if form.formula is None:
            return bare_column(form.placeholder)
        return exp.Paren(this=sqlglot.parse_one(form.formula, read=DEFINITION_DIALECT))

    def entity(self, entity: str, metric_keys: tuple[str, ...]) -> str:
        """The entity as the physical column it is on, per part: names differ across teams, columns do not."""
        columns = []
        for key in metric_keys:
            spec = self.catalog.metrics[key].spec
            assert isinstance(spec, Atomic)  # the resolver requires atomic parts here
            source = self.catalog.sources[spec.source]
            found = source.entity(entity)
            columns.append(f"{source.table.lower()}.{found.column if found else entity}")
        return ", ".join(dict.fromkeys(columns))


def canonical_form(metric_key: str, catalog: m.Catalog) -> Canonical:
    """The canonical form of one metric (build a `Canonicalizer` to compare many: it caches).

    >>> canonical_form("finance.gmv", catalog).agg          # doctest: +SKIP
    'sum'
    """
    return Canonicalizer(catalog)(metric_key)


@lru_cache(maxsize=65_536)
def _aggregated(text: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """An aggregated `expr` as (canonical value, filter terms it carries, `value IS NOT NULL` terms).

    Conditional aggregation `agg(CASE WHEN p THEN x END)` is `agg(x)` over the rows where p holds, and every
    aggregate Caliber offers skips NULL inputs, so `agg(x)` is `agg(x)` over the rows where x is set.
    """
    value = expression_tree(text)
    when: frozenset[str] = frozenset()
    if isinstance(value, exp.Case) and len(value.args["ifs"]) == 1 and value.args.get("default") is None:
        branch = value.args["ifs"][0]
        when = predicate_terms(clone(branch.this))
        value = clone(branch.args["true"])
    not_null: frozenset[str] = frozenset()
    if not isinstance(value, exp.Literal | exp.Star | exp.Boolean):
        not_null = predicate_terms(exp.Not(this=exp.Is(this=clone(value), expression=exp.Null())))
    return render(value), when, not_null


def clear_caches() -> None:
    """Forget every canonicalised text (benchmarks start cold with it)."""
    _aggregated.cache_clear()
    clear_normalize_caches()


def _fingerprinted(form: Canonical) -> Canonical:
    text = json.dumps(form.serialise(), ensure_ascii=False, separators=(",", ":"))
    object.__setattr__(form, "fingerprint", hashlib.sha256(text.encode()).hexdigest())
    return form

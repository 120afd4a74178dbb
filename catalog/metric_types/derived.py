"""Derived metrics: arithmetic over other metrics, e.g. `gmv - refund_amount`.

The compiler replaces each metric name with that metric's expression (recursively: the catalog has no
cycles). Every `/` becomes a guarded float division, as in ratios, so `gmv / paid_orders` cannot divide
integers as integers or by zero.

    >>> Derived("gmv - refunds", {"gmv": "shop.gmv", "refunds": "shop.refunds"}).references()
    ('shop.gmv', 'shop.refunds')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

import sqlglot
from sqlglot import exp

from catalog.compile.trees import unqualified
from catalog.metric_types.base import Labels, MetricType, Translate, Words
from catalog.model import Catalog, Metric, Spec
from catalog.sqlexpr import DEFINITION_DIALECT, clone, parse_expression

if TYPE_CHECKING:
    from catalog.compare.canonical import Canonical, Canonicalizer
    from catalog.compile.plan import Planner
    from catalog.resolve import Resolver
    from catalog.schema import MetricBase
    from catalog.validate import Item


@dataclass(frozen=True, slots=True)
class Derived(Spec):
    expr: str
    refs: Mapping[str, str]
    """How each metric name written in `expr` resolves: written text → qualified key."""

    def references(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.refs.values()))


@cache
def definition() -> type[MetricBase]:
    from catalog.schema import MetricBase, SqlText

    class DerivedDef(MetricBase):
        """Arithmetic over other metrics, e.g. `gmv - refund_amount`."""

        type: Literal["derived"]
        expr: SqlText

    return DerivedDef


def resolve(r: Resolver, item: Item, d: Any) -> Derived | None:
    if not r.sql(item, "expr", d.expr, None):
        return None
    parsed, _ = parse_expression(d.expr, "`expr`")
    assert parsed is not None
    found = {}
    for column in parsed.tree.find_all(exp.Column):
        text = _written(column)
        found[text] = text
    if not found:
        r.report(
            item,
            ("expr",),
            "R003",
            "a derived metric's `expr` must use at least one metric",
            "write arithmetic over metric names, e.g. `gmv - refund_amount`",
        )
        return None
    refs = r.metric_refs(item, {("expr", t): t for t in found})
    return Derived(d.expr, dict(zip(found, refs, strict=True))) if refs is not None else None


def compile_derived(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    spec = metric.spec
    assert isinstance(spec, Derived)
    tree = unqualified(spec.expr)  # its `/` already guarded float divisions
    for column in list(tree.find_all(exp.Column)):
        replacement = exp.paren(planner.component(spec.refs[_written(column)]), copy=False)
        if column is tree:
            return replacement
        column.replace(replacement)
    return tree


def canonical(forms: Canonicalizer, spec: Derived) -> Canonical:
    # A fresh parse, not the shared cache plus a copy: derived expressions are rarely written twice, and
    # the resolver has already checked this one against the allow-list.
    tree = sqlglot.parse_one(spec.expr, read=DEFINITION_DIALECT)
    parts: dict[str, Canonical] = {}
    for column in list(tree.find_all(exp.Column)):
        part = forms(spec.refs[_written(column)])
        parts[part.fingerprint] = part
        replacement = forms.inline(part)
        if column is tree:
            tree = replacement
        else:
            column.replace(replacement)
    return forms.formula(tree, tuple(("term", parts[k]) for k in sorted(parts)), prepare=True)


def qualify(spec: Derived) -> Mapping[str, Any]:
    """The `expr` with every metric name written as `namespace.name`."""
    parsed, _ = parse_expression(spec.expr, "`expr`")
    if parsed is None:  # resolved derived metrics parsed cleanly; keep the text if that ever changes
        return {"expr": spec.expr}
    tree = clone(parsed.tree)  # the parse is cached and shared
    for column in list(tree.find_all(exp.Column)):
        written = _written(column)
        namespace, _, name = spec.refs.get(written, written).rpartition(".")
        qualified = exp.column(name, table=namespace or None)
        if column is tree:
            tree = qualified
        else:
            column.replace(qualified)
    return {"expr": tree.sql(dialect=DEFINITION_DIALECT, comments=False)}


def names(definition: Mapping[str, Any]) -> list[str]:
    text = definition.get("expr")
    parsed, _ = parse_expression(text, "`expr`") if isinstance(text, str) else (None, [])
    return [_written(c) for c in parsed.tree.find_all(exp.Column)] if parsed is not None else []


def describe(spec: Derived, catalog: Catalog, t: Translate, label: Labels) -> str:
    terms = "; ".join(f"{written} = {label(key)}" for written, key in spec.refs.items())
    return f"{t('derived_words', expr=spec.expr)} {terms}"


def roles(spec: Derived, t: Translate) -> list[tuple[str, str]]:
    return [(t("role_term", name=written), key) for written, key in spec.refs.items()]


def _written(column: exp.Column) -> str:
    """A metric name as written in the expression: `gmv` or `finance.gmv`."""
    return f"{column.table}.{column.name}" if column.table else column.name


TYPE = MetricType(
    name="derived",
    definition=definition,
    spec=Derived,
    resolve=resolve,
    compile=compile_derived,
    canonical=canonical,
    qualify=qualify,
    names=names,
    words=Words(
        strings=(
            ("type_derived", "派生指标", "derived"),
            ("derived_words", "按表达式 {expr} 计算，其中", "computed as {expr}, where"),
            ("role_term", "{name}", "{name}"),
        ),
        describe=describe,
        roles=roles,
    ),
)

"""Labelled pairs of definitions: equivalent ones must be duplicates, different ones conflicts — no exception.

Each row is (left, right, equivalent, why). `left` and `right` are the inside of a YAML flow mapping; each
becomes metric `m` of its own namespace (`left`, `right`), so every pair shares a name and is compared.
Both may use the sources and the helper metrics of namespace `base` below.
"""

from __future__ import annotations

import pytest

from catalog.compare import Canonicalizer, find_conflicts
from catalog.lint import lint_texts

SOURCES = """
sources:
  orders:
    table: dw.fact_orders
    time: created_at
    columns: {order_id: integer, user_id: integer, created_at: timestamp, paid_at: timestamp, status: string,
              amount: decimal, coupon_amount: decimal, is_renewal: boolean}
    entities: {order: {column: order_id, primary: true}, user: {column: user_id}}
  orders_copy:          # the same physical table, declared again by another team, in capitals
    table: DW.FACT_ORDERS
    time: created_at
    columns: {order_id: integer, user_id: integer, created_at: timestamp, paid_at: timestamp, status: string,
              amount: decimal, coupon_amount: decimal, is_renewal: boolean}
    entities: {order: {column: order_id, primary: true}, user: {column: user_id}}
  orders_archive:       # same columns, another table
    table: dw.fact_orders_archive
    time: created_at
    columns: {order_id: integer, user_id: integer, created_at: timestamp, paid_at: timestamp, status: string,
              amount: decimal, coupon_amount: decimal, is_renewal: boolean}
    entities: {order: {column: order_id, primary: true}, user: {column: user_id}}
  refunds:              # shares the column names amount and user_id with orders
    table: dw.fact_refunds
    time: refunded_at
    columns: {refund_id: integer, order_id: integer, user_id: integer, amount: decimal,
              refunded_at: timestamp, created_at: timestamp}
    entities: {refund: {column: refund_id, primary: true}, user: {column: user_id}}
  lessons:
    table: dw.fact_lessons
    time: scheduled_at
    columns: {attendance_id: integer, user_id: integer, lesson_type: string, attended: boolean,
              scheduled_at: timestamp}
    entities: {attendance: {column: attendance_id, primary: true}, user: {column: user_id}}
"""

_BOILERPLATE = "description: d, stage: revenue, owner: t"
_HELPERS = {
    "gmv": "type: atomic, source: orders, agg: sum, expr: amount, time: paid_at, "
    "filter: \"status IN ('paid', 'refunded')\"",
    "paying_users": "type: atomic, source: orders, agg: count_distinct, expr: user_id, time: paid_at, "
    "filter: \"status IN ('paid', 'refunded')\"",
    "paid_orders": "type: atomic, source: orders, agg: count, time: paid_at, "
    "filter: \"status IN ('paid', 'refunded')\"",
    "refund_amount": "type: atomic, source: refunds, agg: sum, expr: amount",
    "coupon_cost": "type: atomic, source: orders, agg: sum, expr: coupon_amount, time: paid_at, "
    "filter: \"status IN ('paid', 'refunded')\"",
    "net_gmv": "type: derived, expr: gmv - refund_amount",
}
BASE = "metrics:\n" + "\n".join(
    f"  {name}: {{{body}, label: {{en: {name}, zh: {name}}}, {_BOILERPLATE}}}"
    for name, body in _HELPERS.items()
)

ORDERS = "type: atomic, source: orders"
PAID = "filter: \"status = 'paid'\""

# (left, right, equivalent, why)
CORPUS: list[tuple[str, str, bool, str]] = [
    # --- equivalent: the same caliber written another way ---------------------------------------------------
    (
        f"{ORDERS}, agg: sum, expr: amount, filter: \"status = 'paid' AND amount > 0\"",
        f"{ORDERS}, agg: sum, expr: amount, filter: \"amount > 0 AND status = 'paid'\"",
        True,
        "conjunct order",
    ),
    (
        f'{ORDERS}, agg: sum, expr: amount, filter: "0 < amount"',
        f'{ORDERS}, agg: sum, expr: amount, filter: "amount > 0"',
        True,
        "0 < x is x > 0",
    ),
    (
        f"{ORDERS}, agg: sum, expr: amount, filter: \"status = 'paid' OR status = 'refunded'\"",
        f"{ORDERS}, agg: sum, expr: amount, filter: \"status IN ('refunded', 'paid')\"",
        True,
        "OR of = is IN",
    ),
    (
        f"{ORDERS}, agg: count, filter: \"status IN ('paid', 'refunded', 'pending')\"",
        f"{ORDERS}, agg: count, filter: \"status IN ('pending', 'refunded', 'paid')\"",
        True,
        "IN-list order",
    ),
    (
        f"{ORDERS}, agg: count, filter: \"status IN ('paid')\"",
        f"{ORDERS}, agg: count, {PAID}",
        True,
        "one-value IN is =",
    ),
    (
        f"{ORDERS}, agg: count, filter: \"((status = 'paid'))\"",
        f"{ORDERS}, agg: count, {PAID}",
        True,
        "redundant parentheses",
    ),
    (
        f'{ORDERS}, agg: count, filter: "amount > CAST(100 AS INTEGER)"',
        f'{ORDERS}, agg: count, filter: "amount > 100"',
        True,
        "cast of a numeric literal",
    ),
    (
        f"{ORDERS}, agg: count, filter: \"status = 'paid'::text\"",
        f"{ORDERS}, agg: count, {PAID}",
        True,
        "cast of a string literal",
    ),
    (
        f"{ORDERS}, agg: sum, expr: Amount, filter: \"STATUS = 'paid'\"",
        f"{ORDERS}, agg: sum, expr: amount, {PAID}",
        True,
        "identifier case",
    ),
    (
        f"{ORDERS}, agg: sum, expr: amount * 1, {PAID}",
        f"{ORDERS}, agg: sum, expr: amount, {PAID}",
        True,
        "x * 1 is x",
    ),
    (
        f'{ORDERS}, agg: sum, expr: "CASE WHEN is_renewal THEN amount ELSE NULL END"',
        f'{ORDERS}, agg: sum, expr: "CASE WHEN is_renewal THEN amount END"',
        True,
        "CASE … ELSE NULL",
    ),
    (
        f'{ORDERS}, agg: sum, expr: "IF(is_renewal, amount, 0)"',
        f'{ORDERS}, agg: sum, expr: "CASE WHEN is_renewal THEN amount ELSE 0 END"',
        True,
        "IF is CASE",
    ),
    (
        f"{ORDERS}, agg: sum, expr: \"CASE WHEN status = 'paid' THEN amount END\"",
        f"{ORDERS}, agg: sum, expr: amount, {PAID}",
        True,
        "conditional aggregation is a filter",
    ),
    (
        f"{ORDERS}, agg: count_distinct, expr: \"CASE WHEN status = 'paid' THEN user_id END\"",
        f"{ORDERS}, agg: count_distinct, expr: user_id, {PAID}",
        True,
        "COUNT(DISTINCT CASE …) is a filter",
    ),
    (
        f"{ORDERS}, agg: count, filter: \"status NOT IN ('cancelled', 'pending')\"",
        f"{ORDERS}, agg: count, filter: \"status <> 'pending' AND status != 'cancelled'\"",
        True,
        "NOT IN is a conjunction of <>",
    ),
    (
        f"{ORDERS}, agg: count, filter: \"NOT (status = 'cancelled' OR status = 'pending')\"",
        f"{ORDERS}, agg: count, filter: \"status NOT IN ('pending', 'cancelled')\"",
        True,
        "De Morgan",
    ),
    (
        f'{ORDERS}, agg: sum, expr: amount, filter: "amount BETWEEN 10 AND 100"',
        f'{ORDERS}, agg: sum, expr: amount, filter: "amount >= 10 AND amount <= 100"',
        True,
        "BETWEEN",
    ),
    (
        f'{ORDERS}, agg: count, filter: "is_renewal = true"',
        f"{ORDERS}, agg: count, filter: is_renewal",
        True,
        "flag = TRUE is flag",
    ),
    (
        f'{ORDERS}, agg: sum, expr: amount, filter: "amount > 0.0"',
        f'{ORDERS}, agg: sum, expr: amount, filter: "amount > 0"',
        True,
        "0.0 and 0 compare alike",
    ),
    (
        f"{ORDERS}, agg: count, time: created_at",
        f"{ORDERS}, agg: count",
        True,
        "the source's time column, explicit or by default",
    ),
    (
        "type: atomic, source: orders_copy, agg: sum, expr: amount, time: paid_at",
        f"{ORDERS}, agg: sum, expr: amount, time: paid_at",
        True,
        "two sources over the same physical table (in another case)",
    ),
    (
        f"{ORDERS}, agg: count_distinct, expr: order_id",
        f"{ORDERS}, agg: count",
        True,
        "distinct primary keys are rows",
    ),
    (
        f"{ORDERS}, agg: count, expr: paid_at",
        f'{ORDERS}, agg: count, filter: "paid_at IS NOT NULL"',
        True,
        "COUNT(x) counts rows where x is set",
    ),
    (
        f"{ORDERS}, agg: count_distinct, expr: user_id, filter: \"user_id IS NOT NULL AND status = 'paid'\"",
        f"{ORDERS}, agg: count_distinct, expr: user_id, {PAID}",
        True,
        "aggregates ignore NULL already",
    ),
    (
        "type: ratio, numerator: base.gmv, denominator: base.paying_users",
        "type: derived, expr: base.gmv / base.paying_users",
        True,
        "a ratio is a division formula",
    ),
    (
        "type: derived, expr: base.gmv + base.coupon_cost",
        "type: derived, expr: base.coupon_cost + base.gmv",
        True,
        "addition commutes",
    ),
    (
        "type: derived, expr: base.net_gmv * 1",
        "type: derived, expr: base.gmv - base.refund_amount",
        True,
        "derived metrics expand to atomic parts",
    ),
    (
        "type: ratio, numerator: base.net_gmv, denominator: base.paying_users",
        "type: derived, expr: (base.gmv - base.refund_amount) / base.paying_users",
        True,
        "a ratio over a derived metric expands too",
    ),
    (
        "type: cumulative, metric: base.gmv, window: 14 days",
        "type: cumulative, metric: base.gmv, window: 14 day",
        True,
        "the same window",
    ),
    # --- different: the same name would give two numbers ----------------------------------------------------
    (
        f"{ORDERS}, agg: sum, expr: amount",
        "type: atomic, source: refunds, agg: sum, expr: amount, time: created_at",
        False,
        "same column names, different source tables",
    ),
    (
        "type: atomic, source: orders_archive, agg: sum, expr: amount",
        f"{ORDERS}, agg: sum, expr: amount",
        False,
        "same columns, another physical table",
    ),
    (
        "type: ratio, numerator: base.gmv, denominator: base.paying_users",
        "type: ratio, numerator: base.gmv, denominator: base.paid_orders",
        False,
        "same formula over different denominators",
    ),
    (
        f"{ORDERS}, agg: count_distinct, expr: user_id, {PAID}",
        f"{ORDERS}, agg: count_distinct, expr: user_id, filter: \"status IN ('paid', 'refunded')\"",
        False,
        "COUNT(DISTINCT user_id) under different filters",
    ),
    (
        f"{ORDERS}, agg: count_distinct, expr: user_id, {PAID}",
        f"{ORDERS}, agg: count_distinct, expr: user_id",
        False,
        "filtered against unfiltered",
    ),
    (
        f"{ORDERS}, agg: sum, expr: amount, time: paid_at",
        f"{ORDERS}, agg: sum, expr: amount, time: created_at",
        False,
        "different time columns",
    ),
    (f"{ORDERS}, agg: sum, expr: amount", f"{ORDERS}, agg: avg, expr: amount", False, "SUM against AVG"),
    (
        f"{ORDERS}, agg: count, expr: user_id",
        f"{ORDERS}, agg: count_distinct, expr: user_id",
        False,
        "COUNT against COUNT DISTINCT",
    ),
    (
        f'{ORDERS}, agg: count, filter: "amount > 0"',
        f'{ORDERS}, agg: count, filter: "amount >= 0"',
        False,
        "> against >=",
    ),
    (
        f"{ORDERS}, agg: count, filter: \"status = 'paid' AND amount > 0\"",
        f"{ORDERS}, agg: count, {PAID}",
        False,
        "one extra predicate",
    ),
    (
        f"{ORDERS}, agg: count, filter: \"status = 'paid' OR is_renewal\"",
        f"{ORDERS}, agg: count, filter: \"status = 'paid' AND is_renewal\"",
        False,
        "OR against AND",
    ),
    (
        f"{ORDERS}, agg: count, filter: \"status NOT IN ('paid', 'refunded')\"",
        f"{ORDERS}, agg: count, filter: \"status IN ('paid', 'refunded')\"",
        False,
        "NOT IN against IN",
    ),
    (
        f"{ORDERS}, agg: count, filter: \"status IN ('paid', 'refunded', 'pending')\"",
        f"{ORDERS}, agg: count, filter: \"status IN ('paid', 'refunded')\"",
        False,
        "one more value in the list",
    ),
    (
        f"{ORDERS}, agg: count, expr: paid_at",
        f"{ORDERS}, agg: count",
        False,
        "COUNT(x) skips rows where x is NULL, COUNT(*) does not",
    ),
    (
        f"{ORDERS}, agg: sum, expr: \"CASE WHEN status = 'paid' THEN amount ELSE 0 END\"",
        f"{ORDERS}, agg: sum, expr: amount, {PAID}",
        False,
        "ELSE 0 keeps every row: a period without paid orders sums to 0, not NULL",
    ),
    (
        f"{ORDERS}, agg: sum, expr: amount",
        f"{ORDERS}, agg: sum, expr: coupon_amount",
        False,
        "another column",
    ),
    (
        f"{ORDERS}, agg: sum, expr: amount - coupon_amount",
        f"{ORDERS}, agg: sum, expr: coupon_amount - amount",
        False,
        "subtraction does not commute",
    ),
    (
        f"{ORDERS}, agg: count, {PAID}",
        f"{ORDERS}, agg: count, filter: \"status = 'Paid'\"",
        False,
        "string literals are case-sensitive",
    ),
    (
        "type: derived, expr: base.gmv / base.paying_users",
        "type: derived, expr: base.paying_users / base.gmv",
        False,
        "division does not commute",
    ),
    (
        "type: derived, expr: base.gmv - base.refund_amount",
        "type: derived, expr: base.gmv + base.refund_amount",
        False,
        "another operator",
    ),
    ("type: derived, expr: base.gmv * 100", "type: derived, expr: base.gmv + 0", False, "a scale factor"),
    (
        "type: cumulative, metric: base.gmv, window: 7 days",
        "type: cumulative, metric: base.gmv, window: 30 days",
        False,
        "another window",
    ),
    (
        "type: cumulative, metric: base.gmv",
        "type: cumulative, metric: base.gmv, window: 7 days",
        False,
        "all time against a trailing window",
    ),
    (
        "type: ratio, numerator: base.gmv, denominator: base.paying_users",
        "type: atomic, source: orders, agg: sum, expr: amount, time: paid_at, "
        "filter: \"status IN ('paid', 'refunded')\"",
        False,
        "a ratio against its numerator",
    ),
    (
        "type: period_over_period, metric: base.gmv, calculation: growth",
        "type: period_over_period, metric: base.gmv, calculation: difference",
        False,
        "growth against difference",
    ),
    (
        "type: atomic, source: lessons, agg: count_distinct, expr: user_id, filter: attended",
        "type: atomic, source: lessons, agg: count_distinct, expr: user_id, filter: NOT attended",
        False,
        "a flag against its negation",
    ),
]


def _catalog(left: str, right: str):  # type: ignore[no-untyped-def]
    def file(namespace: str, body: str) -> str:
        return f"metrics:\n  m: {{{body}, label: {{en: {namespace} m, zh: {namespace}}}, {_BOILERPLATE}}}\n"

    result = lint_texts(
        {
            "common/sources.yaml": SOURCES,
            "base/metrics.yaml": BASE,
            "left/m.yaml": file("left", left),
            "right/m.yaml": file("right", right),
        }
    )
    definition_errors = [i for i in result.errors if not i.code.startswith("C")]
    assert not definition_errors, definition_errors
    return result.catalog


def test_the_corpus_is_large_and_balanced() -> None:
    equivalent = sum(1 for *_, same, _ in CORPUS if same)
    assert len(CORPUS) >= 40
    assert 0.4 <= equivalent / len(CORPUS) <= 0.6


@pytest.mark.parametrize(("left", "right", "equivalent", "why"), CORPUS, ids=[row[3] for row in CORPUS])
def test_pair_is_judged_as_labelled(left: str, right: str, equivalent: bool, why: str) -> None:
    catalog = _catalog(left, right)
    forms = Canonicalizer(catalog)
    assert (forms("left.m").fingerprint == forms("right.m").fingerprint) is equivalent, (
        why,
        forms("left.m").describe(),
        forms("right.m").describe(),
    )
    pair = [f for f in find_conflicts(catalog) if {f.left, f.right} == {"left.m", "right.m"}]
    assert [f.kind for f in pair] == ["duplicate" if equivalent else "conflict"], why
    if not equivalent:
        assert pair[0].differences, "a conflict always says what differs"

from __future__ import annotations

from collections.abc import Callable

import pytest

from catalog.lint import lint_texts
from catalog.model import Catalog

SOURCES = """
sources:
  orders:
    table: DW.Fact_Orders
    time: created_at
    columns: {order_id: integer, user_id: integer, created_at: timestamp, paid_at: timestamp, status: string,
              amount: decimal}
    entities: {order: {column: order_id, primary: true}, user: {column: user_id}}
  events:
    table: dw.fact_app_events
    time: event_time
    columns: {event_id: integer, user_id: integer, event_name: string, event_time: timestamp}
    entities: {event: {column: event_id, primary: true}, user: {column: user_id}, member: {column: user_id}}
"""


def metric(name: str, body: str, en: str | None = None, zh: str | None = None, extra: str = "") -> str:
    """One metric as a YAML line, with the boilerplate every metric needs."""
    label = f"{{en: '{en or name}', zh: '{zh or name}'}}"
    return f"  {name}: {{{body}, label: {label}, description: d, stage: revenue, owner: t{extra}}}\n"


@pytest.fixture
def build() -> Callable[..., Catalog]:
    """`build(ns=[metric(...)])` → the catalog of those namespaces over SOURCES; definition errors fail."""

    def make(**namespaces: list[str]) -> Catalog:
        files = {"common/sources.yaml": SOURCES}
        files.update({f"{ns}/m.yaml": "metrics:\n" + "".join(lines) for ns, lines in namespaces.items()})
        result = lint_texts(files)
        errors = [i for i in result.errors if not i.code.startswith("C")]
        assert not errors, errors
        return result.catalog

    return make

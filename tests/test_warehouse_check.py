"""The warehouse check as a pure function: a catalog and reflected columns in, coded issues at the right keys out."""

from __future__ import annotations

from catalog.connect import ConnectError, WarehouseColumn
from catalog.issues import Issue, Location, issue
from catalog.lint import lint_texts
from catalog.model import Catalog
from catalog.warehouse_check import (
    Reflected,
    at_definition,
    check_catalog,
    check_with,
    locate_in_texts,
    tables_of,
    with_issues,
)

SHOP = """\
sources:
  orders:
    table: dw.orders
    time: paid_at
    columns:
      order_id: integer
      user_id: integer
      paid_at: timestamp
      amount: decimal
      status: string
      is_paid: boolean
    entities:
      order: {column: order_id, primary: true}
      user: {column: user_id}
  users:
    table: dw.users
    time: signup_at
    columns:
      user_id: integer
      signup_at: timestamp
      signup_day: date
    entities:
      user: {column: user_id, primary: true}
metrics:
  gmv:
    type: atomic
    source: orders
    agg: sum
    expr: "CASE WHEN status = 'paid' THEN amount ELSE 0 END"
    label: {en: GMV, zh: 成交总额}
    description: Paid amount.
    stage: revenue
    owner: finance
  avg_status_len:
    type: atomic
    source: orders
    agg: avg
    expr: status
    label: {en: Status, zh: 状态}
    description: A mistake on purpose, an average over text.
    stage: revenue
    owner: finance
  signups_by_day:
    type: atomic
    source: users
    agg: count
    time: signup_day
    label: {en: Signups, zh: 注册数}
    description: Users by signup day.
    stage: acquisition
    owner: growth
"""
FILES = {"shop/defs.yaml": SHOP}


def col(name: str, type_: str, family: str) -> WarehouseColumn:
    return WarehouseColumn(name, type_, family)  # type: ignore[arg-type]


def healthy() -> dict[str, dict[str, WarehouseColumn]]:
    """The warehouse as the definitions describe it (with engine-specific type names)."""
    return {
        "dw.orders": {
            "order_id": col("order_id", "BIGINT", "integer"),
            "user_id": col("user_id", "BIGINT", "integer"),
            "paid_at": col("paid_at", "TIMESTAMP", "timestamp"),
            "amount": col("amount", "DOUBLE", "float"),
            "status": col("status", "VARCHAR(255)", "string"),
            "is_paid": col("is_paid", "TINYINT", "integer"),
        },
        "dw.users": {
            "user_id": col("user_id", "INTEGER", "integer"),
            "signup_at": col("signup_at", "DATETIME", "timestamp"),
            "signup_day": col("signup_day", "DATE", "date"),
        },
    }


def catalog() -> Catalog:
    result = lint_texts(FILES)
    assert result.ok, result.issues
    return result.catalog


def check(tables: Reflected) -> list[Issue]:
    return check_catalog(catalog(), tables, locate_in_texts(FILES))


def where(issues: list[Issue]) -> list[tuple[str, int, int]]:
    return [(i.code, i.location.line, i.location.col) for i in issues]


def test_a_warehouse_that_matches_gives_only_the_average_over_text() -> None:
    found = check(healthy())
    # avg(status): status is text in the declarations too, so only the warehouse check can catch it.
    assert where(found) == [("D005", 38, 5)]
    assert found[0].message == "avg over 'status', which is VARCHAR(255) in dw.orders"


def test_a_missing_table_is_reported_once_at_its_table_key() -> None:
    tables: dict[str, dict[str, WarehouseColumn] | None] = {**healthy(), "dw.users": None}
    found = [i for i in check(tables) if i.code != "D005"]
    assert where(found) == [("D001", 16, 5)]
    assert "dw.users" in found[0].message and "shop.users" in found[0].message


def test_a_missing_column_is_reported_at_its_declaration_with_the_closest_name() -> None:
    tables = healthy()
    del tables["dw.orders"]["status"]
    tables["dw.orders"]["order_status"] = col("order_status", "TEXT", "string")
    found = check(tables)
    assert where(found) == [("D002", 10, 7)]
    assert found[0].hint == "did you mean 'order_status'?"


def test_a_text_column_declared_decimal_and_summed_gives_d003_and_d005() -> None:
    tables = healthy()
    tables["dw.orders"]["amount"] = col("amount", "TEXT", "string")
    found = check(tables)
    assert where(found) == [("D003", 9, 7), ("D005", 29, 5), ("D005", 38, 5)]
    assert "declared decimal but is TEXT" in found[0].message
    assert found[0].hint.startswith("declare it as string")


def test_a_text_time_column_is_d004_at_time_not_d003() -> None:
    tables = healthy()
    tables["dw.users"]["signup_at"] = col("signup_at", "VARCHAR", "string")
    tables["dw.users"]["signup_day"] = col("signup_day", "INTEGER", "integer")
    found = [i for i in check(tables) if i.code != "D005"]
    # The source's time at the source's `time`, the metric's own time column at the metric's `time`.
    assert where(found) == [("D004", 17, 5), ("D004", 47, 5)]


def test_date_and_timestamp_are_different_types() -> None:
    tables = healthy()
    tables["dw.orders"]["paid_at"] = col("paid_at", "DATE", "date")
    assert where([i for i in check(tables) if i.code != "D005"]) == [("D003", 8, 7)]


def test_numbers_convert_among_themselves_and_a_boolean_may_be_a_tinyint() -> None:
    tables = healthy()
    tables["dw.orders"]["order_id"] = col("order_id", "NUMERIC(18,0)", "decimal")
    tables["dw.orders"]["is_paid"] = col("is_paid", "BOOLEAN", "boolean")
    assert where(check(tables)) == [("D005", 38, 5)]


def test_a_text_column_declared_boolean_is_incompatible() -> None:
    tables = healthy()
    tables["dw.orders"]["is_paid"] = col("is_paid", "TEXT", "string")
    assert where([i for i in check(tables) if i.code != "D005"]) == [("D003", 11, 7)]


def test_join_keys_of_different_kinds_are_d006_at_the_entity_column() -> None:
    tables = healthy()
    tables["dw.orders"]["user_id"] = col("user_id", "VARCHAR", "string")
    found = [i for i in check(tables) if i.code in ("D006",)]
    assert where(found) == [("D006", 14, 14)]
    assert found[0].message == (
        "entity 'user' joins dw.orders.user_id (VARCHAR) to dw.users.user_id (INTEGER): "
        "the warehouse types differ"
    )


def test_a_column_only_compared_inside_a_case_condition_may_be_text() -> None:
    tables = healthy()
    tables["dw.orders"]["amount"] = col("amount", "DECIMAL(12,2)", "decimal")
    # gmv sums CASE WHEN status = 'paid' THEN amount ELSE 0 END: status is text, amount numeric: fine.
    assert [i for i in check(tables) if i.location.line == 29] == []


def test_a_source_without_columns_has_every_column_it_reads_checked_at_the_reading_field() -> None:
    files = {
        "raw/defs.yaml": """\
sources:
  events:
    table: raw.events
    time: happened_at
    entities:
      user: {column: uid}
dimensions:
  platform:
    source: events
    expr: lower(platfrom)
    label: {en: Platform, zh: 平台}
metrics:
  revenue:
    type: atomic
    source: events
    agg: sum
    expr: price * quantity
    filter: "kind = 'buy'"
    label: {en: Revenue, zh: 收入}
    description: Money in.
    stage: revenue
    owner: growth
"""
    }
    result = lint_texts(files)
    assert [i.code for i in result.issues] == ["W001"]
    tables = {
        "raw.events": {
            "happened_at": col("happened_at", "VARCHAR", "string"),
            "platform": col("platform", "VARCHAR", "string"),
            "price": col("price", "VARCHAR", "string"),
            "kind": col("kind", "VARCHAR", "string"),
        }
    }
    found = check_catalog(result.catalog, tables, locate_in_texts(files))
    assert [(i.code, i.location.line, i.message.split(" of ")[0]) for i in found] == [
        ("D004", 4, "time column 'happened_at'"),
        ("D002", 6, "column 'uid'"),
        ("D002", 10, "column 'platfrom'"),
        ("D002", 17, "column 'quantity'"),
        ("D005", 17, "sum over 'price', which is VARCHAR in raw.events"),
    ]


def test_tables_that_were_not_reflected_are_not_checked() -> None:
    assert check({}) == []


def test_tables_of_lists_each_table_once() -> None:
    assert tables_of(catalog()) == ["dw.orders", "dw.users"]


def test_without_the_documents_issues_point_at_the_definition() -> None:
    tables: dict[str, dict[str, WarehouseColumn] | None] = {**healthy(), "dw.users": None}
    found = check_catalog(catalog(), tables)
    assert [(i.code, i.location.line) for i in found if i.code == "D001"] == [("D001", 15)]


def test_with_issues_keeps_the_lint_order() -> None:
    result = lint_texts({"shop/a.yaml": "sources:\n  s: {table: dw.t}\n"})
    merged = with_issues(result, [issue("D001", "m", Location("shop/a.yaml", 1, 1))])
    assert [i.code for i in merged.issues] == ["D001", "W001"]


def test_an_unreadable_warehouse_is_one_d007_at_the_place_given() -> None:
    def refuse(_tables: list[str]) -> Reflected:
        raise ConnectError("cannot connect", "check the URL")

    result = check_with(lint_texts(FILES), refuse, at_definition, Location("postgresql://u:***@h/db"))
    assert [(i.code, str(i.location), i.hint) for i in result.issues] == [
        ("D007", "postgresql://u:***@h/db:0:0", "check the URL")
    ]


def test_a_rule_that_crashes_is_an_internal_issue_not_a_traceback() -> None:
    def garbage(tables: list[str]) -> Reflected:
        return {table: {"amount": "not a column"} for table in tables}  # type: ignore[misc]

    result = check_with(lint_texts(FILES), garbage, at_definition, Location("warehouse"))
    assert [i.code for i in result.issues] == ["I001"]

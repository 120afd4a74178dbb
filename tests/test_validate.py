"""Shape of each definition: fields, required fields, types, enum values and names, with hints."""

from __future__ import annotations

from catalog.issues import Issue
from catalog.load import load_text
from catalog.validate import validate_document

METRIC = """    type: atomic
    source: orders
    agg: count
    label: {en: Orders, zh: 订单}
    description: Orders placed.
    stage: revenue
    owner: finance
"""


def validate(text: str, namespace: str = "finance") -> tuple[list[str], list[Issue]]:
    doc, issues = load_text(text, "f.yaml")
    assert doc is not None and issues == []
    items, found = validate_document(doc, namespace)
    return [i.key for i in items if i.definition is not None], found


def where(issues: list[Issue]) -> list[tuple[str, int, int]]:
    return [(i.code, i.location.line, i.location.col) for i in issues]


def test_a_valid_metric_passes_with_its_namespace() -> None:
    keys, issues = validate("metrics:\n  orders:\n" + METRIC)
    assert keys == ["finance.orders"] and issues == []


def test_the_namespace_field_overrides_the_folder() -> None:
    keys, _ = validate("namespace: sales\nmetrics:\n  orders:\n" + METRIC)
    assert keys == ["sales.orders"]


def test_a_misspelled_field_suggests_the_close_name() -> None:
    _, issues = validate("metrics:\n  orders:\n" + METRIC + "    filtr: x = 1\n")
    assert where(issues) == [("S001", 10, 5)]
    assert issues[0].hint == "did you mean `filter`?"


def test_an_unknown_field_without_a_close_name_lists_the_known_ones() -> None:
    _, issues = validate("metrics:\n  orders:\n" + METRIC + "    zzz: 1\n")
    assert "known fields:" in issues[0].hint and "description" in issues[0].hint


def test_a_misspelled_section_suggests_the_section() -> None:
    _, issues = validate("dimension: {}\n")
    assert where(issues) == [("S001", 1, 1)] and issues[0].hint == "did you mean `dimensions`?"


def test_each_missing_required_field_is_reported_at_the_definition() -> None:
    _, issues = validate("metrics:\n  orders: {type: atomic, source: orders, agg: count}\n")
    assert sorted(i.message for i in issues) == [
        f"missing required field `{f}`" for f in ("description", "label", "owner", "stage")
    ]
    assert {(i.code, i.location.line) for i in issues} == {("S002", 2)}


def test_a_wrong_enum_value_suggests_the_close_value() -> None:
    _, issues = validate("metrics:\n  orders:\n" + METRIC.replace("stage: revenue", "stage: retension"))
    assert where(issues) == [("S004", 8, 5)] and issues[0].hint == "did you mean 'retention'?"


def test_an_unknown_metric_type_suggests_the_close_type() -> None:
    _, issues = validate("metrics:\n  orders:\n" + METRIC.replace("type: atomic", "type: ratios"))
    assert where(issues) == [("S004", 3, 5)] and issues[0].hint == "did you mean 'ratio'?"


def test_wrong_types_are_strict_and_located_at_the_field() -> None:
    _, issues = validate("metrics:\n  orders:\n" + METRIC + "    standard: 1\n    tags: nope\n")
    assert where(issues) == [("S003", 10, 5), ("S003", 11, 5)]
    assert issues[0].hint == "write true or false"


def test_a_number_where_text_is_expected_is_a_type_error_with_a_quoting_hint() -> None:
    _, issues = validate("metrics:\n  orders:\n" + METRIC.replace("owner: finance", "owner: 42"))
    assert where(issues) == [("S003", 9, 5)] and "quote it" in issues[0].hint


def test_names_must_be_snake_case_with_a_suggested_rename() -> None:
    _, issues = validate("metrics:\n  PaidOrders:\n" + METRIC)
    assert where(issues) == [("S005", 2, 3)] and issues[0].hint == "rename it to 'paid_orders'"


def test_one_broken_metric_does_not_hide_the_others() -> None:
    keys, issues = validate("metrics:\n  broken: {type: atomic}\n  orders:\n" + METRIC)
    assert keys == ["finance.orders"] and issues and all(i.location.line == 2 for i in issues)


def test_a_section_must_be_a_mapping_and_a_file_must_be_a_mapping() -> None:
    assert where(validate("metrics: [a]\n")[1]) == [("S003", 1, 1)]
    assert where(validate("- a\n")[1]) == [("Y006", 1, 1)]
    assert where(validate("metrics:\n  orders: 3\n")[1]) == [("S003", 2, 3)]


def test_errors_inside_nested_mappings_point_at_the_nested_key() -> None:
    _, issues = validate(
        "sources:\n  orders:\n    table: t\n    entities:\n      user: {column: uid, primary: 1}\n"
    )
    assert where(issues) == [("S003", 5, 27)]


def test_an_over_long_value_is_a_type_error_not_a_crash() -> None:
    _, issues = validate("metrics:\n  orders:\n" + METRIC.replace("owner: finance", "owner: " + "x" * 300))
    assert [i.code for i in issues] == ["S003"]

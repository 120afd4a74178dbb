"""`caliber import ossie` / `caliber export ossie`: Apache Ossie 0.1.1 documents in and out, round trips."""

from __future__ import annotations

from pathlib import Path

import sqlglot
from typer.testing import CliRunner

from catalog.cli import app
from catalog.interchange.ossie import VERSION, export_ossie_catalog, import_ossie_path, import_ossie_texts
from catalog.interchange.yamlio import parse_documents
from catalog.lint import lint_paths, lint_texts
from tests.interchange.same import differences

SAMPLE = Path(__file__).parent.parent / "fixtures" / "ossie" / "ecommerce.yaml"


def document(text: str) -> dict:
    docs, error = parse_documents(text)
    assert error is None and len(docs) == 1
    return docs[0]


def test_caliber_definitions_survive_a_trip_through_ossie():
    for defs in (["bench/model/caliber"], ["metric_defs"]):
        before = lint_paths(defs).catalog
        text, report = export_ossie_catalog(before)
        left_out = {f.name for f in report.findings}
        after = lint_texts(import_ossie_texts({"model.yaml": text}).files())
        assert after.issues == ()
        assert differences(before, after.catalog, left_out) == []
        assert len(after.catalog.metrics) == len(before.metrics) - len(left_out)


def test_metric_types_ossie_cannot_express_are_reported():
    _, report = export_ossie_catalog(lint_paths(["metric_defs"]).catalog)
    assert {(f.code, f.name) for f in report.findings} >= {
        ("no_target_equivalent", "finance.cumulative_gmv"),
        ("no_target_equivalent", "sales.sales_funnel"),
        ("no_target_equivalent", "growth.trial_to_paid_conversion_14d"),
    }
    assert report.metric_outcomes()["skipped"] == 16


def test_the_export_is_an_ossie_0_1_1_document_with_per_dialect_expressions():
    text, _ = export_ossie_catalog(lint_paths(["bench/model/caliber"]).catalog, name="edu")
    doc = document(text)
    assert doc["version"] == VERSION == "0.1.1"
    model = doc["semantic_model"][0]
    assert model["name"] == "edu"
    orders = next(d for d in model["datasets"] if d["name"] == "orders")
    assert (orders["source"], orders["primary_key"]) == ("dw.fact_orders", ["order_id"])
    assert {
        "name": "orders_user",
        "from": "orders",
        "to": "users",
        "from_columns": ["user_id"],
    }.items() <= next(r for r in model["relationships"] if r["name"] == "orders_user").items()
    arppu = next(m for m in model["metrics"] if m["name"] == "arppu")["expression"]["dialects"]
    assert [d["dialect"] for d in arppu] == ["ANSI_SQL", "SNOWFLAKE", "DATABRICKS"]
    assert arppu[0]["expression"] == (
        "CAST(SUM(CASE WHEN orders.status IN ('paid', 'refunded') THEN orders.amount END) AS DOUBLE PRECISION)"
        " / NULLIF(COUNT(DISTINCT CASE WHEN orders.status IN ('paid', 'refunded') THEN orders.user_id END), 0)"
    )
    assert "AS DOUBLE)" in arppu[1]["expression"]


def test_a_foreign_sample_is_read_from_ossie_alone():
    result = import_ossie_path(SAMPLE)
    definitions = result.namespaces["ecommerce"]
    metrics = definitions["metrics"]
    assert (metrics["total_amount"]["agg"], metrics["total_amount"]["expr"]) == ("sum", "amount - discount")
    assert (metrics["paid_amount"]["expr"], metrics["paid_amount"]["filter"]) == ("amount", "status = 'paid'")
    assert metrics["customer_count"]["agg"] == "count_distinct"  # read from the SNOWFLAKE dialect
    assert metrics["revenue_per_customer"] | {} == metrics["revenue_per_customer"]
    assert metrics["revenue_per_customer"]["expr"] == "total_amount / customer_count"
    assert metrics["paid_share"]["type"] == "ratio" and metrics["paid_share"]["numerator"] == "paid_amount"
    orders = definitions["sources"]["orders"]
    assert orders["time"] == "order_date"
    assert orders["entities"] == {
        "orders": {"column": "order_id", "primary": True},
        "customers": {"column": "customer_id"},
    }
    assert definitions["dimensions"]["full_name"]["expr"] == "first_name || ' ' || last_name"
    assert {(f.code, f.name, f.status) for f in result.report.findings} == {
        ("composite_key", "order_lines", "partial"),
        ("composite_key", "lines_to_orders", "skipped"),
        ("cross_dataset_aggregate", "units_per_customer", "skipped"),
        ("unrecognized_expression", "constant", "skipped"),
        ("unrecognized_expression", "mdx_only", "skipped"),
    }


def test_the_sample_goes_back_to_ossie_as_it_came_where_mapped(tmp_path: Path):
    sample = document(SAMPLE.read_text("utf-8"))["semantic_model"][0]
    CliRunner().invoke(app, ["import", "ossie", str(SAMPLE), "--out", str(tmp_path)])
    result = CliRunner().invoke(app, ["export", "ossie", "--defs", str(tmp_path)])
    assert result.exit_code == 0, result.output
    back = document(result.output)["semantic_model"][0]
    datasets = {d["name"]: d for d in back["datasets"]}
    fields: dict[str, str] = {}
    for dataset in sample["datasets"]:
        mine = datasets[dataset["name"]]
        assert mine["source"] == dataset["source"]
        if len(dataset["primary_key"]) == 1:
            assert mine["primary_key"] == dataset["primary_key"]
        theirs = {f["name"]: f for f in mine["fields"]}
        for field in dataset["fields"]:
            ansi = _ansi(field)
            assert _same_sql(_ansi(theirs[field["name"]]), ansi), field["name"]
            fields[f"{dataset['name']}.{field['name']}"] = (
                f"{dataset['name']}.{ansi}" if ansi.isidentifier() else ansi
            )
    pairs = {
        (r["from"], r["to"], tuple(r["from_columns"]), tuple(r["to_columns"])) for r in back["relationships"]
    }
    assert ("orders", "customers", ("customer_id",), ("id",)) in pairs
    exported = {m["name"]: _ansi(m) for m in back["metrics"]}
    for metric in sample["metrics"]:
        if metric["name"] in ("units_per_customer", "constant", "mdx_only"):
            assert metric["name"] not in exported
            continue
        assert _same_sql(exported[metric["name"]], _expanded(_ansi(metric), fields)), metric["name"]


def test_a_second_trip_changes_nothing(tmp_path: Path):
    first = import_ossie_path(SAMPLE)
    before = lint_texts(first.files())
    text, _ = export_ossie_catalog(before.catalog, name="ecommerce")
    again = import_ossie_texts({"ecommerce.yaml": text})
    assert again.namespaces == first.namespaces


def test_bad_documents_are_coded_findings_not_tracebacks(tmp_path: Path):
    bad = import_ossie_texts(
        {
            "broken.yaml": "semantic_model: [",
            "other.yaml": "something: else",
            "sql.yaml": """
version: "0.1.1"
semantic_model:
  - name: m
    datasets:
      - {name: t, source: db.t, fields: [{name: f, expression: {dialects: [{dialect: ANSI_SQL, expression: "a +"}]}}]}
      - {name: u}
    relationships: [{name: r, from: t, to: nowhere, from_columns: [a], to_columns: [b]}]
    metrics:
      - {name: x, expression: {dialects: [{dialect: ANSI_SQL, expression: "SUM(t.a); DROP TABLE t"}]}}
      - {name: y, expression: {dialects: [{dialect: ANSI_SQL, expression: "SUM(ghost.a)"}]}}
      - {name: z, expression: {dialects: [{dialect: ANSI_SQL, expression: "SUM((SELECT 1))"}]}}
""",
        }
    )
    assert {(f.code, f.file) for f in bad.report.findings} >= {
        ("bad_yaml", "broken.yaml"),
        ("unknown_document", "other.yaml"),
        ("expression_not_allowed", "sql.yaml"),
        ("invalid_definition", "sql.yaml"),
        ("unresolved_reference", "sql.yaml"),
    }
    assert {f.name for f in bad.report.findings if f.kind == "metric"} == {"x", "y", "z"}
    assert bad.namespaces["m"]["metrics"] == {}
    assert lint_texts(bad.files()).errors == ()


def _ansi(item: dict) -> str:
    return next(
        d["expression"] for d in item["expression"]["dialects"] if d["dialect"] in ("ANSI_SQL", "SNOWFLAKE")
    )


def _expanded(text: str, fields: dict[str, str]) -> str:
    """A sample metric with `dataset.field` written out as the field's expression over `dataset`'s columns."""
    tree = sqlglot.parse_one(text, read="postgres")

    def swap(node):
        key = f"{node.table}.{node.name}" if isinstance(node, sqlglot.exp.Column) else ""
        if key in fields and fields[key] != key:
            dataset = node.table
            inner = sqlglot.parse_one(fields[key], read="postgres")
            return inner.transform(
                lambda n: sqlglot.exp.column(n.name, dataset) if isinstance(n, sqlglot.exp.Column) else n
            )
        return node

    return tree.transform(swap).sql("postgres")


def _same_sql(a: str, b: str) -> bool:
    return sqlglot.parse_one(a, read="postgres") == sqlglot.parse_one(b, read="postgres")


def test_dataset_scoped_metrics_of_the_0_2_draft_read_their_dataset_s_columns():
    result = import_ossie_texts(
        {
            "draft.yaml": """
version: 0.2.0.dev0
semantic_model:
  - name: shop
    datasets:
      - name: orders
        source: sales.orders
        primary_key: [order_id]
        fields:
          - {name: net_amount, expression: {dialects: [{dialect: ANSI_SQL, expression: amount - discount}]}}
        metrics:
          - {name: total_tax, expression: {dialects: [{dialect: ANSI_SQL, expression: SUM(tax)}]}}
          - {name: order_count, expression: {dialects: [{dialect: ANSI_SQL, expression: COUNT(*)}]}}
          - name: net_per_order
            expression: {dialects: [{dialect: ANSI_SQL, expression: SUM(orders.net_amount) / COUNT(order_id)}]}
      - name: customers
        source: sales.customers
        metrics:
          - {name: order_count, expression: {dialects: [{dialect: ANSI_SQL, expression: COUNT(*)}]}}
"""
        }
    )
    metrics = result.namespaces["shop"]["metrics"]
    assert (metrics["total_tax"]["source"], metrics["total_tax"]["expr"]) == ("orders", "tax")
    assert metrics["order_count"]["source"] == "orders"
    assert metrics["customers__order_count"]["source"] == "customers"
    assert metrics["net_per_order"]["type"] == "derived"
    assert lint_texts(result.files()).errors == ()

"""The standard metric library in `metric_defs/`: well-formed, complete, unambiguous, and every metric
gives a real number on the demo warehouse."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlglot import exp

from catalog import schema
from catalog.demo_data import generate, write_duckdb
from catalog.load import load_file
from catalog.metric_types.registry import METRIC_TYPES, file_definition
from catalog.sqlexpr import DEFINITION_DIALECT, parse_expression

ROOT = Path(__file__).resolve().parents[1] / "metric_defs"
FUNNEL_STEPS = (
    "leads_reached",
    "leads_trial",
    "leads_signed",
    "leads_project_setup",
    "leads_paid",
    "leads_regular_use",
    "leads_referral",
)
AARRR_TYPES = {"cumulative", "conversion", "funnel", "retention", "period_over_period"}
DEFINITIONS = {kind.name: kind.definition() for kind in METRIC_TYPES}
ATOMIC = DEFINITIONS["atomic"]
"""Computed by the compiler only; tests/compile/test_aarrr_library.py checks their values on the demo."""

Key = tuple[str, str]  # (namespace, name)


def _files() -> list[Path]:
    return sorted(ROOT.rglob("*.yaml"))


def _library() -> tuple[dict[str, schema.SourceDef], dict[str, schema.DimensionDef], dict[Key, Any]]:
    sources: dict[str, schema.SourceDef] = {}
    dimensions: dict[str, schema.DimensionDef] = {}
    metrics: dict[Key, Any] = {}
    for path in _files():
        doc, issues = load_file(path)
        assert doc is not None and not issues, (path, issues)
        namespace = path.relative_to(ROOT).parts[0]
        for name, item in doc.data.get("sources", {}).items():
            assert name not in sources, name
            sources[name] = schema.SourceDef.model_validate(item)
        for name, item in doc.data.get("dimensions", {}).items():
            assert name not in dimensions, name
            dimensions[name] = schema.DimensionDef.model_validate(item)
        for name, item in doc.data.get("metrics", {}).items():
            assert (namespace, name) not in metrics, (namespace, name)
            metrics[(namespace, name)] = DEFINITIONS[item["type"]].model_validate(item)
    return sources, dimensions, metrics


SOURCES, DIMENSIONS, METRICS = _library()


def _resolve(reference: str, namespace: str) -> Key:
    """`ns.name` is explicit; a bare name is the same namespace's, else the unique one anywhere."""
    if "." in reference:
        qualifier, _, name = reference.partition(".")
        assert (qualifier, name) in METRICS, reference
        return qualifier, name
    if (namespace, reference) in METRICS:
        return namespace, reference
    found = [key for key in METRICS if key[1] == reference]
    assert len(found) == 1, f"{reference!r} from {namespace} matches {found}"
    return found[0]


def test_every_file_is_a_valid_definition_file() -> None:
    assert _files()
    for path in _files():
        doc, _ = load_file(path)
        assert doc is not None
        file_definition().model_validate(doc.data)


def test_size_stages_and_namespaces() -> None:
    assert len(METRICS) >= 40
    assert {m.stage for m in METRICS.values()} == set(schema.Stage)
    assert len({namespace for namespace, _ in METRICS}) >= 4
    assert {m.type for m in METRICS.values()} >= AARRR_TYPES


def test_labels_are_unique_across_the_library() -> None:
    for language in ("en", "zh"):
        labels = Counter(getattr(m.label, language).casefold() for m in METRICS.values())
        assert [label for label, n in labels.items() if n > 1] == [], language


def test_no_two_atomic_metrics_mean_the_same_thing() -> None:
    def meaning(m: Any) -> tuple[str, ...]:
        normal = [" ".join((text or "").lower().split()) for text in (m.expr, m.filter)]
        return (m.source, m.agg.value, *normal)

    seen = Counter(meaning(m) for m in METRICS.values() if isinstance(m, ATOMIC))
    assert [key for key, n in seen.items() if n > 1] == []


def test_every_metric_says_what_it_counts() -> None:
    for key, metric in METRICS.items():
        assert len(metric.description) >= 30 and metric.owner and metric.unit, key
    assert {"gmv", "paying_users", "signups", "active_learners"} <= {
        name for (_, name), m in METRICS.items() if m.standard
    }


def test_the_b2b_funnel_is_seven_atomic_steps_on_their_own_time() -> None:
    for step in FUNNEL_STEPS:
        metric = METRICS[("sales", step)]
        assert isinstance(metric, ATOMIC) and metric.source == "leads", step
        assert metric.agg == schema.Agg.COUNT_DISTINCT and metric.expr == "lead_id", step
        assert metric.filter == f"{metric.time} IS NOT NULL", step


def test_sql_parses_and_reads_only_declared_columns() -> None:
    for name, dimension in DIMENSIONS.items():
        source = SOURCES[dimension.source]
        parsed, problems = parse_expression(dimension.expr, "expr")
        assert parsed is not None, (name, problems)
        assert parsed.columns <= set(source.columns or {}), name
    for key, metric in METRICS.items():
        if not isinstance(metric, ATOMIC):
            continue
        source = SOURCES[metric.source]
        declared = set(source.columns or {})
        assert (metric.time or source.time) in declared, key
        for text in (metric.expr, metric.filter):
            if text is not None:
                parsed, problems = parse_expression(text, "expr")
                assert parsed is not None, (key, text, problems)
                assert parsed.columns <= declared, (key, parsed.columns - declared)


def test_dimensions_and_entities_point_at_real_sources() -> None:
    for source in SOURCES.values():
        assert sum(e.primary for e in source.entities.values()) <= 1
        assert {e.column for e in source.entities.values()} <= set(source.columns or {})
    primaries = {name for s in SOURCES.values() for name, e in s.entities.items() if e.primary}
    assert {"user", "order", "lead", "teacher"} <= primaries
    labels = Counter(label for d in DIMENSIONS.values() for label in (d.label.en, d.label.zh))
    assert [label for label, n in labels.items() if n > 1] == []


def test_references_resolve() -> None:
    for (namespace, _), metric in METRICS.items():
        if isinstance(metric, DEFINITIONS["ratio"]):
            _resolve(metric.numerator, namespace)
            _resolve(metric.denominator, namespace)
        elif isinstance(metric, DEFINITIONS["derived"]):
            parsed, problems = parse_expression(metric.expr, "expr")
            assert parsed is not None, problems
            for column in parsed.tree.find_all(exp.Column):
                _resolve(column.sql(dialect=DEFINITION_DIALECT), namespace)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = str(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    write_duckdb(generate(5_000), path)
    con = duckdb.connect(path, read_only=True)
    yield con
    con.close()


def _value(con: duckdb.DuckDBPyConnection, key: Key, cache: dict[Key, Any]) -> Any:
    """The metric over the whole demo warehouse, computed by hand from its definition."""
    if key in cache:
        return cache[key]
    namespace, _ = key
    metric = METRICS[key]
    if isinstance(metric, ATOMIC):
        aggregate = {
            "count": "COUNT(*)",
            "count_distinct": f"COUNT(DISTINCT {metric.expr})",
        }.get(metric.agg.value, f"{metric.agg.value.upper()}({metric.expr})")
        where = f" WHERE {metric.filter}" if metric.filter else ""
        row = con.execute(f"SELECT {aggregate} FROM {SOURCES[metric.source].table}{where}").fetchone()
        value = row[0] if row else None
    elif isinstance(metric, DEFINITIONS["ratio"]):
        numerator = _value(con, _resolve(metric.numerator, namespace), cache)
        denominator = _value(con, _resolve(metric.denominator, namespace), cache)
        value = float(numerator) / float(denominator) if denominator else None
    else:
        assert isinstance(metric, DEFINITIONS["derived"])
        parsed, _ = parse_expression(metric.expr, "expr")
        assert parsed is not None

        def literal(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Column):
                ref = _resolve(node.sql(dialect=DEFINITION_DIALECT), namespace)
                return exp.convert(float(_value(con, ref, cache)))
            return node

        tree = parsed.tree.copy().transform(literal)
        row = con.execute(f"SELECT {tree.sql(dialect='duckdb')}").fetchone()
        value = row[0] if row else None
    cache[key] = value
    return value


@pytest.mark.parametrize(
    "key",
    sorted(k for k, m in METRICS.items() if m.type not in AARRR_TYPES),
    ids=lambda key: f"{key[0]}.{key[1]}",
)
def test_every_metric_has_a_real_value_on_the_demo_warehouse(
    demo: duckdb.DuckDBPyConnection, key: Key
) -> None:
    value = _value(demo, key, {})
    assert value is not None and value != 0, key

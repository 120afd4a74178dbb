"""Caliber definitions ⇄ Apache Ossie (formerly Open Semantic Interchange) YAML, spec version 0.1.1.

An Ossie document holds semantic models of datasets (a table, its primary key, its fields), relationships
(many-to-one foreign keys) and metrics, each a SQL aggregate written per dialect. The mapping:

- a source ⇄ a dataset (`table` ⇄ `source`, primary entity column ⇄ `primary_key`); entities ⇄ relationships
  (`from` the dataset carrying the entity, `to` the dataset whose primary entity it is);
- a dimension ⇄ a field (`expr` ⇄ the ANSI_SQL expression, `type: time` ⇄ `dimension.is_time`);
- atomic, ratio and derived metrics ⇄ metrics whose expression is the aggregate Caliber computes:
  `SUM(CASE WHEN orders.status = 'paid' THEN orders.amount END)`, a ratio as
  `CAST(n AS DOUBLE PRECISION) / NULLIF(d, 0)`, a derived metric with its inputs written out. Expressions are written
  for ANSI_SQL, SNOWFLAKE and DATABRICKS (rendered by sqlglot) and read from the first of those present.

Ossie has no cumulative, conversion, funnel, retention or period-over-period metric: those are reported, not
written. What Ossie cannot hold (the Chinese label, stage, owner, namespace, column types, a metric's time
column) travels in `custom_extensions` under the vendor name `CALIBER`; a metric's extension also records
how it was built (ratio of which metrics), and is trusted only while its expression is unchanged.

    >>> from catalog.lint import lint_paths
    >>> text, report = export_ossie_catalog(lint_paths(["bench/model/caliber"]).catalog)
    >>> result = import_ossie_texts({"edu.yaml": text})
    >>> result.namespaces["edu"]["metrics"]["gmv"]["filter"]
    "status IN ('paid', 'refunded')"
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from catalog import model as m
from catalog.interchange import naming
from catalog.interchange.report import Report
from catalog.interchange.yamlio import dump, parse_documents, read_tree
from catalog.metric_types.atomic import Atomic
from catalog.metric_types.derived import Derived
from catalog.metric_types.ratio import Ratio
from catalog.schema import Stage

VERSION = "0.1.1"
VENDOR = "CALIBER"
# ANSI_SQL is read and written as PostgreSQL, the dialect of Caliber's own definitions: sqlglot's generic
# dialect would turn `a / b` into a float division with casts the author never wrote.
DIALECTS = {"ANSI_SQL": "postgres", "SNOWFLAKE": "snowflake", "DATABRICKS": "databricks"}
_AGG_NODES: dict[type[exp.Expr], str] = {exp.Sum: "sum", exp.Avg: "avg", exp.Min: "min", exp.Max: "max"}
_AGG_BUILD = {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}
_EXPORTED = (Atomic, Ratio, Derived)


# -- export --------------------------------------------------------------------------------------------------
def export_ossie_catalog(catalog: m.Catalog, name: str = "caliber") -> tuple[str, Report]:
    """One Ossie document (YAML text) with one semantic model holding every source, dimension and metric."""
    return _Exporter(catalog).run(name)


class _Exporter:
    def __init__(self, catalog: m.Catalog) -> None:
        self.catalog = catalog
        self.report = Report("caliber", "ossie")
        self.datasets = _names(catalog.sources)
        self.metric_names = _names(catalog.metrics)
        self.sql: dict[str, exp.Expr | None] = {}

    def run(self, name: str) -> tuple[str, Report]:
        datasets = [self._dataset(key, source) for key, source in self.catalog.sources.items()]
        metrics = []
        for key, metric in self.catalog.metrics.items():
            tree = self._metric_sql(key)
            if tree is None:
                self.report.add(
                    "no_target_equivalent",
                    "metric",
                    key,
                    metric.location.file,
                    f"Ossie has no {metric.type} metric",
                )
                self.report.count("metric", "skipped")
                continue
            metrics.append(self._metric(key, metric, tree))
            self.report.count("metric", "translated")
        model: dict[str, Any] = {
            "name": name,
            "description": "Exported from Caliber definitions.",
            "datasets": datasets,
            "relationships": self._relationships(),
            "metrics": metrics,
        }
        return dump({"version": VERSION, "semantic_model": [model]}), self.report

    def _dataset(self, key: str, source: m.Source) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.datasets[key], "source": source.table}
        if source.primary is not None:
            body["primary_key"] = [source.primary.column]
        if source.description:
            body["description"] = source.description
        fields = []
        for dim_key, dimension in self.catalog.dimensions.items():
            if dimension.source == key:
                fields.append(self._field(dim_key, dimension))
        taken = {f["name"] for f in fields}
        for column in source.columns or {}:
            if column not in taken:
                fields.append(
                    {
                        "name": column,
                        "expression": _dialects(exp.column(column)),
                        **_extension({"column": True}),
                    }
                )
        body["fields"] = fields
        data: dict[str, Any] = {"namespace": source.namespace, "name": source.name, "time": source.time}
        if source.columns is not None:
            data["columns"] = dict(source.columns)
        data["entities"] = {e.name: {"column": e.column, "primary": e.primary} for e in source.entities}
        return {**body, **_extension(data)}

    def _field(self, key: str, dimension: m.Dimension) -> dict[str, Any]:
        tree = naming.parse(dimension.expr)
        assert tree is not None  # linted
        body: dict[str, Any] = {
            "name": dimension.name,
            "expression": _dialects(tree),
            "dimension": {"is_time": dimension.type == "time"},
            "label": dimension.label.en,
        }
        if dimension.description:
            body["description"] = dimension.description
        data = {"namespace": dimension.namespace, "name": dimension.name, "label_zh": dimension.label.zh}
        return {**body, **_extension(data)}

    def _relationships(self) -> list[dict[str, Any]]:
        found = []
        for key, source in self.catalog.sources.items():
            for entity in source.entities:
                if entity.primary:
                    continue
                for other_key, other in self.catalog.sources.items():
                    target = other.primary
                    if other_key != key and target is not None and target.name == entity.name:
                        found.append(
                            {
                                "name": f"{self.datasets[key]}_{entity.name}",
                                "from": self.datasets[key],
                                "to": self.datasets[other_key],
                                "from_columns": [entity.column],
                                "to_columns": [target.column],
                                **_extension({"entity": entity.name}),
                            }
                        )
        return found

    def _metric_sql(self, key: str) -> exp.Expr | None:
        """The aggregate SQL of a metric over qualified dataset columns; None when Ossie cannot say it."""
        if key in self.sql:
            return self.sql[key]
        metric = self.catalog.metrics[key]
        spec = metric.spec
        tree: exp.Expr | None = None
        if isinstance(spec, Atomic):
            tree = self._atomic_sql(spec)
        elif isinstance(spec, Ratio):
            parts = [self._metric_sql(spec.numerator), self._metric_sql(spec.denominator)]
            if parts[0] is not None and parts[1] is not None:
                numerator = exp.Cast(this=parts[0].copy(), to=exp.DataType.build("double"))
                denominator = exp.Nullif(this=parts[1].copy(), expression=exp.Literal.number(0))
                tree = exp.Div(this=numerator, expression=denominator)
        elif isinstance(spec, Derived):
            inner = {written: self._metric_sql(ref) for written, ref in spec.refs.items()}
            if all(v is not None for v in inner.values()):
                parsed = naming.parse(spec.expr)
                assert parsed is not None

                def swap(node: exp.Expr) -> exp.Expr:
                    if isinstance(node, exp.Column):
                        written = f"{node.table}.{node.name}" if node.table else node.name
                        if written in inner:
                            value = inner[written].copy()  # type: ignore[union-attr]
                            return value if isinstance(value, exp.Func) else exp.paren(value, copy=False)
                    return node

                tree = parsed.transform(swap)
        self.sql[key] = tree
        return tree

    def _atomic_sql(self, spec: Atomic) -> exp.Expr:
        dataset = self.datasets[spec.source]
        value = _qualified(spec.expr, dataset) if spec.expr and spec.expr.strip() != "*" else None
        if spec.filter:
            then = value if value is not None else exp.Literal.number(1)
            value = exp.Case(ifs=[exp.If(this=_qualified(spec.filter, dataset), true=then)])
        if spec.agg == "count":
            return exp.Count(this=value if value is not None else exp.Star())
        if spec.agg == "count_distinct":
            return exp.Count(this=exp.Distinct(expressions=[value]))
        return _AGG_BUILD[spec.agg](this=value)

    def _metric(self, key: str, metric: m.Metric, tree: exp.Expr) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.metric_names[key], "expression": _dialects(tree)}
        body["description"] = metric.description
        data: dict[str, Any] = {
            "namespace": metric.namespace,
            "name": metric.name,
            "label": {"en": metric.label.en, "zh": metric.label.zh},
            "stage": metric.stage,
            "owner": metric.owner,
        }
        for attribute in ("unit", "tags", "status", "standard"):
            value = getattr(metric, attribute)
            if value and value != "active":
                data[attribute] = list(value) if isinstance(value, tuple) else value
        spec = metric.spec
        if isinstance(spec, Atomic):
            source = self.catalog.sources[spec.source]
            data["dataset"] = self.datasets[spec.source]  # COUNT(*) names no dataset of its own
            if spec.time is not None and spec.time != source.time:
                data["time"] = spec.time
        else:
            data["built"] = _structure(metric)
            data["built_for"] = _fingerprint(body["expression"]["dialects"][0]["expression"])
        return {**body, **_extension(data)}


def _structure(metric: m.Metric) -> dict[str, Any]:
    """How a ratio or derived metric is built, in names that resolve from its own namespace."""

    def ref(key: str) -> str:
        namespace, name = m.split_key(key)
        return name if namespace == metric.namespace else key

    spec = metric.spec
    if isinstance(spec, Ratio):
        return {"type": "ratio", "numerator": ref(spec.numerator), "denominator": ref(spec.denominator)}
    assert isinstance(spec, Derived)
    return {"type": "derived", "expr": spec.expr}


def _names(table: Mapping[str, Any]) -> dict[str, str]:
    """Key → Ossie name: the bare name, or `namespace__name` where two namespaces share it."""
    bare: dict[str, int] = {}
    for key in table:
        bare[key.rsplit(".", 1)[-1]] = bare.get(key.rsplit(".", 1)[-1], 0) + 1
    return {
        k: k.rsplit(".", 1)[-1] if bare[k.rsplit(".", 1)[-1]] == 1 else k.replace(".", "__") for k in table
    }


def _qualified(text: str, dataset: str) -> exp.Expr:
    tree = naming.parse(text)
    assert tree is not None  # linted
    return tree.transform(lambda n: exp.column(n.name, dataset) if isinstance(n, exp.Column) else n)


def _dialects(tree: exp.Expr) -> dict[str, Any]:
    return {
        "dialects": [
            {"dialect": name, "expression": tree.sql(dialect=dialect, comments=False)}
            for name, dialect in DIALECTS.items()
        ]
    }


def _extension(data: dict[str, Any]) -> dict[str, Any]:
    return {"custom_extensions": [{"vendor_name": VENDOR, "data": json.dumps(data, ensure_ascii=False)}]}


def _fingerprint(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


# -- import --------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class OssieImport:
    namespaces: dict[str, dict[str, dict[str, Any]]]
    """namespace → {"sources": …, "dimensions": …, "metrics": …}."""
    report: Report

    def files(self) -> dict[str, str]:
        return {
            f"{ns}/{section}.yaml": dump({section: items})
            for ns, sections in self.namespaces.items()
            for section, items in sections.items()
            if items
        }


def import_ossie_path(path: Path, **options: str) -> OssieImport:
    """Import every Ossie document under `path` (a file or a folder)."""
    report = Report("ossie", "caliber")
    documents, unreadable = read_tree(path)
    for name, error in unreadable:
        report.add("bad_yaml", "file", name, name, error)
    return _Importer(report, **options).run(documents)


def import_ossie_documents(documents: list[tuple[str, Any]], **options: str) -> OssieImport:
    """Import already parsed Ossie documents, each with the file it came from."""
    return _Importer(Report("ossie", "caliber"), **options).run(documents)


def import_ossie_texts(files: Mapping[str, str], **options: str) -> OssieImport:
    report = Report("ossie", "caliber")
    documents: list[tuple[str, Any]] = []
    for name, text in files.items():
        found, error = parse_documents(text)
        if error is not None:
            report.add("bad_yaml", "file", name, name, error)
        documents.extend((name, doc) for doc in found)
    return _Importer(report, **options).run(documents)


class _Skip(Exception):
    pass


@dataclass(slots=True)
class _Dataset:
    name: str
    namespace: str
    source: str
    fields: dict[str, exp.Expr] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    declared: bool = False


class _Importer:
    def __init__(self, report: Report, stage: str = "revenue", owner: str = "") -> None:
        self.report = report
        self.stage = stage
        self.owner = owner
        self.namespaces: dict[str, dict[str, dict[str, Any]]] = {}
        self.datasets: dict[str, _Dataset] = {}
        self.file = ""
        self.model = ""

    def run(self, documents: list[tuple[str, Any]]) -> OssieImport:
        for file, doc in documents:
            self.file = file
            models = doc.get("semantic_model") if isinstance(doc, dict) else None
            if not isinstance(models, list):
                self.report.add("unknown_document", "file", file, file, "no `semantic_model:` list")
                continue
            for model in models:
                if isinstance(model, dict) and isinstance(model.get("name"), str):
                    self._model(model)
                else:
                    self.report.add("invalid_definition", "semantic_model", "?", file, "a model needs a name")
        for dataset in self.datasets.values():
            source = self._section(dataset.namespace, "sources")[dataset.source]
            source["columns"] = dataset.columns
        return OssieImport(self.namespaces, self.report)

    def _section(self, namespace: str, section: str) -> dict[str, Any]:
        sections = self.namespaces.setdefault(namespace, {"sources": {}, "dimensions": {}, "metrics": {}})
        return sections[section]

    def _model(self, model: dict[str, Any]) -> None:
        self.model = naming.snake(model["name"])
        self.datasets = {}
        for raw in _list(model.get("datasets")):
            self._dataset(raw)
        for raw in _list(model.get("relationships")):
            self._relationship(raw)
        # Model metrics, then the 0.2 draft's dataset-scoped ones (unqualified columns are their dataset's).
        metrics: list[tuple[dict[str, Any], str | None]] = [
            (r, None) for r in _list(model.get("metrics")) if isinstance(r, dict)
        ]
        for dataset in _list(model.get("datasets")):
            name = str(_dict(dataset).get("name"))
            metrics += [(r, name) for r in _list(_dict(dataset).get("metrics")) if isinstance(r, dict)]
        parsed = [(raw, scope, self._parse_metric(raw)) for raw, scope in metrics]
        # Single aggregates first, so a composite metric reuses them as its parts.
        ordered = [p for p in parsed if p[2] is not None and _aggregate_of(p[2]) is p[2]]
        ordered += [p for p in parsed if p[2] is not None and _aggregate_of(p[2]) is not p[2]]
        for raw, scope, tree in ordered:
            assert tree is not None
            try:
                self._metric(raw, tree, scope)
            except _Skip:
                self.report.count("metric", "skipped")
            else:
                self.report.count("metric", "translated")

    # -- datasets and fields ------------------------------------------------------------------------------
    def _dataset(self, raw: Any) -> None:
        if not isinstance(raw, dict) or not raw.get("name") or not raw.get("source"):
            self.report.add(
                "invalid_definition", "dataset", str(_get(raw, "name")), self.file, "needs name and source"
            )
            return
        data = _caliber(raw)
        namespace = naming.snake(str(data.get("namespace") or self.model))
        name = naming.snake(str(data.get("name") or raw["name"]))
        dataset = _Dataset(str(raw["name"]), namespace, name)
        body: dict[str, Any] = {"table": str(raw["source"])}
        if raw.get("description"):
            body["description"] = str(raw["description"])
        entities: dict[str, dict[str, Any]] = {}
        if isinstance(data.get("entities"), dict):
            entities = {str(k): _entity(v) for k, v in data["entities"].items() if isinstance(v, dict)}
        else:
            key = _list(raw.get("primary_key"))
            if len(key) == 1:
                entities[naming.snake(str(raw["name"]))] = {"column": str(key[0]).lower(), "primary": True}
            elif len(key) > 1:
                self.report.add(
                    "composite_key", "dataset", str(raw["name"]), self.file, f"primary key {key}", "partial"
                )
        if isinstance(data.get("columns"), dict):
            dataset.columns = {str(c): str(t) for c, t in data["columns"].items()}
            dataset.declared = True
        for column in (e["column"] for e in entities.values()):
            self._note(dataset, column, "string")
        self._section(namespace, "sources")[name] = body
        self.datasets[dataset.name] = dataset
        time_field: str | None = None
        for field_raw in _list(raw.get("fields")):
            column = self._field(dataset, field_raw)
            if column is not None and time_field is None:
                time_field = column
        time = data.get("time", time_field)
        if time:
            body["time"] = str(time)
            self._note(dataset, str(time), "timestamp")
        body["entities"] = entities

    def _field(self, dataset: _Dataset, raw: Any) -> str | None:
        """Read one field (a dimension, or a plain column); the column it is when it is a time column."""
        if not isinstance(raw, dict) or not raw.get("name"):
            self.report.add(
                "invalid_definition", "field", f"{dataset.name}.?", self.file, "a field needs a name"
            )
            return None
        where = f"{dataset.name}.{raw['name']}"
        tree = self._expression(raw.get("expression"), "field", where, aggregate=False)
        if tree is None:
            return None
        dataset.fields[str(raw["name"])] = tree
        data = _caliber(raw)
        is_time = bool(_dict(raw.get("dimension")).get("is_time"))
        for column in tree.find_all(exp.Column):
            self._note(dataset, column.name.lower(), "timestamp" if is_time else "string")
        if data.get("column"):
            return None
        text = naming.render(tree)
        problem = naming.check_sql(text, "expr")
        if problem is not None:
            self.report.add("expression_not_allowed", "field", where, self.file, problem)
            return None
        name = naming.snake(str(data.get("name") or raw["name"]))
        namespace = naming.snake(str(data.get("namespace") or self.model))
        dimensions = self._section(namespace, "dimensions")
        if name in dimensions:
            name = naming.snake(f"{dataset.name}__{raw['name']}")
        label = str(raw.get("label") or str(raw["name"]).replace("_", " ").capitalize())
        body: dict[str, Any] = {
            "source": dataset.source
            if namespace == dataset.namespace
            else f"{dataset.namespace}.{dataset.source}",
            "expr": text,
            "label": {"en": label, "zh": str(data.get("label_zh") or label)},
        }
        if raw.get("description"):
            body["description"] = str(raw["description"])
        if is_time:
            body["type"] = "time"
        dimensions[name] = body
        return naming.plain_column(text) if is_time else None

    def _relationship(self, raw: Any) -> None:
        if not isinstance(raw, dict):
            return
        name = str(raw.get("name", "?"))
        start, end = self.datasets.get(str(raw.get("from"))), self.datasets.get(str(raw.get("to")))
        if start is None or end is None:
            self.report.add(
                "unresolved_reference", "relationship", name, self.file, "from/to names no dataset"
            )
            return
        columns = [_list(raw.get("from_columns")), _list(raw.get("to_columns"))]
        if len(columns[0]) != 1 or len(columns[1]) != 1:
            self.report.add("composite_key", "relationship", name, self.file, "several columns")
            return
        source_from = self._section(start.namespace, "sources")[start.source]
        source_to = self._section(end.namespace, "sources")[end.source]
        column_from, column_to = str(columns[0][0]).lower(), str(columns[1][0]).lower()
        target = next((n for n, e in source_to["entities"].items() if e["column"] == column_to), None)
        entity = str(_caliber(raw).get("entity") or target or naming.snake(end.name))
        if target is None:
            primary = not any(e.get("primary") for e in source_to["entities"].values())
            source_to["entities"][entity] = (
                {"column": column_to, "primary": True} if primary else {"column": column_to}
            )
            self._note(end, column_to, "string")
        elif target != entity:
            self.report.add(
                "duplicate_name", "relationship", name, self.file, f"entity {entity!r} is {target!r}"
            )
            return
        known = source_from["entities"].get(entity)
        if known is not None and known["column"] != column_from:
            self.report.add(
                "duplicate_name", "relationship", name, self.file, f"entity {entity!r} twice on {start.name}"
            )
            return
        source_from["entities"].setdefault(entity, {"column": column_from})
        self._note(start, column_from, "string")

    # -- metrics ------------------------------------------------------------------------------------------
    def _parse_metric(self, raw: dict[str, Any]) -> exp.Expr | None:
        name = str(raw.get("name") or "?")
        tree = self._expression(raw.get("expression"), "metric", name, aggregate=True)
        if tree is None:
            self.report.count("metric", "skipped")
        return tree

    def _metric(self, raw: dict[str, Any], tree: exp.Expr, scope: str | None = None) -> None:
        data = _caliber(raw)
        written = str(raw["name"])
        name = naming.snake(str(data.get("name") or written))
        namespace = naming.snake(str(data.get("namespace") or self.model))
        metrics = self._section(namespace, "metrics")
        if scope is not None and name in metrics:
            name = naming.snake(f"{scope}__{written}")  # referenced as `dataset.metric` in Ossie
        if name in metrics:
            self._fail("duplicate_name", written, f"metric {name!r} is defined twice")
        built = data.get("built")
        original = _text(raw.get("expression"))
        if isinstance(built, dict) and original and data.get("built_for") == _fingerprint(original):
            body = dict(built)
        else:
            hint = data.get("dataset") if isinstance(data.get("dataset"), str) else scope
            body = self._from_sql(tree, name, namespace, written, hint)
        if (
            body.get("type") == "atomic"
            and "time" in data
            and data["time"] != self._source_time(namespace, body)
        ):
            body["time"] = data["time"]
        metrics[name] = {**body, **self._about(written, raw, data, namespace)}

    def _source_time(self, namespace: str, body: dict[str, Any]) -> str | None:
        owner, _, name = str(body["source"]).rpartition(".")
        return self._section(owner or namespace, "sources").get(name, {}).get("time")

    def _from_sql(
        self, tree: exp.Expr, name: str, namespace: str, written: str, hint: str | None = None
    ) -> dict[str, Any]:
        if _aggregate_of(tree) is tree:
            return self._atomic(tree, written, namespace, hint)
        parts: dict[int, str] = {}
        for i, node in enumerate(list(_aggregates(tree))):
            body = self._atomic(node, written, namespace, hint)
            parts[id(node)] = self._part(body, namespace, f"{name}_part_{i + 1}", written)
        numerator, denominator = _ratio_sides(tree)
        if (
            numerator is not None
            and denominator is not None
            and id(numerator) in parts
            and id(denominator) in parts
        ):
            return {"type": "ratio", "numerator": parts[id(numerator)], "denominator": parts[id(denominator)]}
        # In place: the parts are keyed by the identity of the nodes of this very tree.
        swapped = tree.transform(lambda n: exp.column(parts[id(n)]) if id(n) in parts else n, copy=False)
        expr = naming.render(swapped)
        problem = naming.check_sql(expr, "expr")
        if problem is not None:
            self._fail("unrecognized_expression", written, problem)
        return {"type": "derived", "expr": expr}

    def _part(self, body: dict[str, Any], namespace: str, name: str, owner: str) -> str:
        """An atomic metric computing `body`: an identical one already imported, else a new one."""
        for section_ns, sections in self.namespaces.items():
            for key, metric in sections["metrics"].items():
                if all(metric.get(k) == body.get(k) for k in ("type", "source", "agg", "expr", "filter")):
                    return key if section_ns == namespace else f"{section_ns}.{key}"
        about = {
            "label": {"en": f"{owner} ({name})", "zh": f"{owner} ({name})"},
            "description": f"Part of Ossie metric {owner}.",
            "stage": self.stage,
            "owner": self.owner or namespace,
        }
        self._section(namespace, "metrics")[name] = {**body, **about}
        return name

    def _atomic(
        self, node: exp.Expr, written: str, namespace: str, hint: str | None = None
    ) -> dict[str, Any]:
        """`AGG([DISTINCT] [CASE WHEN filter THEN] value [END])` over one dataset → an atomic metric body."""
        distinct = False
        if isinstance(node, exp.Count):
            agg, arg = "count", node.this
            if isinstance(arg, exp.Distinct):
                agg, distinct, arg = "count_distinct", True, arg.expressions[0]
        else:
            agg, arg = _AGG_NODES[type(node)], node.this
        condition = None
        if (
            isinstance(arg, exp.Case)
            and len(arg.args.get("ifs") or []) == 1
            and arg.args.get("default") is None
        ):
            branch = arg.args["ifs"][0]
            condition, arg = branch.this, branch.args["true"]
            if agg == "count" and isinstance(arg, exp.Literal) and not distinct:
                arg = exp.Star()
        dataset = self._dataset_of([arg, condition], written, hint)
        value = None if isinstance(arg, exp.Star) else self._local(arg, dataset)
        source = dataset.source if dataset.namespace == namespace else f"{dataset.namespace}.{dataset.source}"
        body: dict[str, Any] = {"type": "atomic", "source": source, "agg": agg}
        if value is not None:
            body["expr"] = value
            if agg in ("sum", "avg") and naming.plain_column(value):
                self._note(dataset, value, "decimal")
        if condition is not None:
            body["filter"] = self._local(condition, dataset)
        for text in (body.get("expr"), body.get("filter")):
            problem = naming.check_sql(text, "expr") if text else None
            if problem is not None:
                self._fail("expression_not_allowed", written, problem)
        return body

    def _dataset_of(self, nodes: list[exp.Expr | None], written: str, hint: str | None) -> _Dataset:
        tables = {c.table for n in nodes if n is not None for c in n.find_all(exp.Column) if c.table}
        if len(tables) > 1:
            self._fail("cross_dataset_aggregate", written, f"one aggregate reads {', '.join(sorted(tables))}")
        if not tables and hint is not None and hint in self.datasets:
            return self.datasets[hint]
        if not tables and len(self.datasets) == 1:
            return next(iter(self.datasets.values()))
        table = tables.pop() if tables else ""
        if table not in self.datasets:
            self._fail("unresolved_reference", written, f"dataset {table!r}" if table else "no dataset named")
        return self.datasets[table]

    def _local(self, node: exp.Expr, dataset: _Dataset) -> str:
        """`node` over the dataset's own columns: qualified field names become the field's expression."""

        def swap(n: exp.Expr) -> exp.Expr:
            if isinstance(n, exp.Column):
                if n.table and n.name in dataset.fields:
                    return (
                        exp.paren(dataset.fields[n.name].copy(), copy=False)
                        if not isinstance(dataset.fields[n.name], exp.Column)
                        else dataset.fields[n.name].copy()
                    )
                return exp.column(n.name.lower())
            return n

        local = node.copy().transform(swap)
        while isinstance(local, exp.Paren):
            local = local.this
        for column in local.find_all(exp.Column):
            self._note(dataset, column.name.lower(), "string")
        return naming.render(local)

    def _about(
        self, written: str, raw: dict[str, Any], data: dict[str, Any], namespace: str
    ) -> dict[str, Any]:
        labels = _dict(data.get("label"))
        text = written.replace("_", " ").capitalize()
        stage = data.get("stage") if data.get("stage") in set(Stage) else self.stage
        about: dict[str, Any] = {
            "label": {
                "en": str(labels.get("en") or text),
                "zh": str(labels.get("zh") or labels.get("en") or text),
            },
            "description": str(raw.get("description") or f"Imported from Ossie metric {written}."),
            "stage": stage,
            "owner": str(data.get("owner") or self.owner or namespace),
        }
        for key in ("unit", "tags", "status", "standard"):
            if key in data:
                about[key] = data[key]
        return about

    # -- helpers ------------------------------------------------------------------------------------------
    def _expression(self, raw: Any, kind: str, name: str, aggregate: bool) -> exp.Expr | None:
        """The first readable dialect of an Ossie expression as a sqlglot tree."""
        for dialect_name, text in _dialect_texts(raw):
            try:
                found = sqlglot.parse(text, read=DIALECTS[dialect_name])
            except SqlglotError as err:
                self.report.add(
                    "expression_not_allowed", kind, name, self.file, f"{dialect_name}: {err}"[:300]
                )
                return None
            if len(found) != 1 or found[0] is None:
                self.report.add(
                    "expression_not_allowed", kind, name, self.file, f"{dialect_name}: not one expression"
                )
                return None
            tree = found[0]
            if not aggregate and any(tree.find_all(*_AGG_NODES, exp.Count)):
                self.report.add("expression_not_allowed", kind, name, self.file, "a field may not aggregate")
                return None
            if aggregate and _aggregate_of(tree) is None and not any(True for _ in _aggregates(tree)):
                self.report.add(
                    "unrecognized_expression", kind, name, self.file, f"`{text}` aggregates nothing"
                )
                return None
            return tree
        self.report.add(
            "unrecognized_expression", kind, name, self.file, f"no expression in {', '.join(DIALECTS)}"
        )
        return None

    def _note(self, dataset: _Dataset, column: str, kind: str) -> None:
        if dataset.declared:
            return
        rank = {"string": 0, "decimal": 1, "timestamp": 2}
        if rank[kind] >= rank.get(dataset.columns.get(column, "string"), 0):
            dataset.columns[column] = kind

    def _fail(self, code: str, name: str, message: str) -> NoReturn:
        self.report.add(code, "metric", name, self.file, message)
        raise _Skip


def _aggregates(tree: exp.Expr) -> list[exp.Expr]:
    """The outermost aggregate calls in `tree`."""
    found: list[exp.Expr] = []
    for node in tree.walk(bfs=False):
        if isinstance(node, (*_AGG_NODES, exp.Count)) and not any(
            isinstance(p, (*_AGG_NODES, exp.Count)) for p in _parents(node)
        ):
            found.append(node)
    return found


def _parents(node: exp.Expr) -> list[exp.Expr]:
    parents = []
    while node.parent is not None:
        node = node.parent
        parents.append(node)
    return parents


def _aggregate_of(tree: exp.Expr) -> exp.Expr | None:
    """`tree` itself when it is one aggregate call (parentheses aside)."""
    while isinstance(tree, exp.Paren):
        tree = tree.this
    return tree if isinstance(tree, (*_AGG_NODES, exp.Count)) else None


def _ratio_sides(tree: exp.Expr) -> tuple[exp.Expr | None, exp.Expr | None]:
    """`CAST(n AS DOUBLE PRECISION) / NULLIF(d, 0)` (or without the cast) → (n, d) when both are single aggregates."""
    while isinstance(tree, exp.Paren):
        tree = tree.this
    if not isinstance(tree, exp.Div) or not isinstance(tree.expression, exp.Nullif):
        return None, None
    numerator = tree.this.this if isinstance(tree.this, exp.Cast) else tree.this
    nullif = tree.expression
    if not (isinstance(nullif.expression, exp.Literal) and nullif.expression.this == "0"):
        return None, None
    return _aggregate_of(numerator), _aggregate_of(nullif.this)


def _dialect_texts(raw: Any) -> list[tuple[str, str]]:
    """(dialect, text) pairs of an expression object, in the order of `DIALECTS` preference."""
    entries = _dict(raw).get("dialects")
    if isinstance(raw, str):
        return [("ANSI_SQL", raw)]
    texts = {
        str(e.get("dialect")): str(e["expression"])
        for e in _list(entries)
        if isinstance(e, dict) and isinstance(e.get("expression"), str)
    }
    return [(d, texts[d]) for d in DIALECTS if d in texts]


def _text(raw: Any) -> str | None:
    texts = _dialect_texts(raw)
    return texts[0][1] if texts else None


def _caliber(raw: Any) -> dict[str, Any]:
    """The data of a `CALIBER` custom extension, if any."""
    for extension in _list(_dict(raw).get("custom_extensions")):
        if isinstance(extension, dict) and extension.get("vendor_name") == VENDOR:
            try:
                data = json.loads(str(extension.get("data")))
            except json.JSONDecodeError:
                return {}
            return data if isinstance(data, dict) else {}
    return {}


def _entity(raw: dict[str, Any]) -> dict[str, Any]:
    entity: dict[str, Any] = {"column": str(raw.get("column"))}
    if raw.get("primary"):
        entity["primary"] = True
    return entity


def _get(raw: Any, key: str) -> Any:
    return raw.get(key) if isinstance(raw, dict) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []

"""dbt semantic models and metrics (MetricFlow's YAML) → Caliber definitions, with a report of what was left out.

Mapping (docs/interchange.md has the full table):

- a semantic model → a source (`node_relation` → `table`, `defaults.agg_time_dimension` → `time`), its
  entities → entities, its dimensions → dimensions named `<primary entity>__<dimension>` as MetricFlow
  addresses them (`user__channel`), so dbt queries keep their names;
- a simple metric → an atomic metric over its measure (agg, expr, agg_time_dimension, filters);
- ratio, derived, cumulative, conversion → the Caliber types of the same names; an input that carries its
  own filter becomes an atomic metric of its own;
- `{{ Dimension('entity__dim') }}`, `{{ TimeDimension(...) }}` and `{{ Entity(...) }}` in filters become
  columns of the metric's own source.

Nothing is guessed silently: every object not translated, or translated with a caveat, is a `Finding`.

    >>> project = '''
    ... semantic_model:
    ...   name: orders
    ...   node_relation: {schema_name: dw, alias: fact_orders}
    ...   defaults: {agg_time_dimension: paid_at}
    ...   entities: [{name: order, type: primary, expr: order_id}]
    ...   dimensions:
    ...     - {name: status, type: categorical}
    ...     - {name: paid_at, type: time, type_params: {time_granularity: day}}
    ...   measures: [{name: amount, agg: sum}]
    ... ---
    ... metric:
    ...   name: gmv
    ...   type: simple
    ...   type_params: {measure: amount}
    ...   filter: "{{ Dimension('order__status') }} = 'paid'"
    ... '''
    >>> result = import_dbt_texts({"models.yaml": project}, "shop")
    >>> gmv = result.definitions["metrics"]["gmv"]
    >>> gmv["source"], gmv["agg"], gmv["expr"], gmv["filter"]
    ('orders', 'sum', 'amount', "status = 'paid'")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from sqlglot import exp

from catalog.interchange import naming
from catalog.interchange.dbt_templates import Template, TemplateError, split_templates
from catalog.interchange.report import Report
from catalog.interchange.yamlio import dump, parse_documents, read_tree
from catalog.model import Window
from catalog.schema import Stage

_AGGS = {
    "sum": "sum",
    "count": "count",
    "count_distinct": "count_distinct",
    "average": "avg",
    "avg": "avg",
    "min": "min",
    "max": "max",
    "sum_boolean": "sum",
}
_METRIC_TYPES = ("simple", "ratio", "derived", "cumulative", "conversion")
_META_METRIC_KEYS = ("label", "description", "stage", "owner", "unit", "tags", "status", "standard")
_DAY_GRAINS = (None, "day")
_TYPE_RANK = {"string": 0, "decimal": 1, "boolean": 2, "timestamp": 3, "date": 3}


class _Skip(Exception):
    """One object cannot be translated: the reason is already in the report."""


@dataclass(slots=True)
class _Dimension:
    name: str
    """The dbt name (`status`)."""
    caliber: str
    """The Caliber name (`order__status`)."""
    expr: str
    is_time: bool
    grain: str
    column: str | None


@dataclass(slots=True)
class _Model:
    name: str
    file: str
    source: str
    primary: str | None
    entity_columns: dict[str, str] = field(default_factory=dict)
    dimensions: dict[str, _Dimension] = field(default_factory=dict)
    default_time: str | None = None
    measures: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(slots=True)
class ImportResult:
    namespace: str
    definitions: dict[str, dict[str, Any]]
    """`{"sources": {...}, "dimensions": {...}, "metrics": {...}}` as Caliber YAML would hold them."""
    report: Report

    def files(self) -> dict[str, str]:
        """Relative path → YAML text, one file per section, under the namespace folder."""
        return {
            f"{self.namespace}/{section}.yaml": dump({section: items})
            for section, items in self.definitions.items()
            if items
        }


def import_dbt_path(path: Path, namespace: str | None = None, **options: str) -> ImportResult:
    """Import every YAML file under `path` (a dbt project, a MetricFlow manifest folder or one file)."""
    report = Report("dbt", "caliber")
    documents, unreadable = read_tree(path)
    for name, error in unreadable:
        report.add("bad_yaml", "file", name, name, error)
    return _Importer(namespace or naming.snake(path.resolve().name), report, **options).run(documents)


def import_dbt_documents(documents: list[tuple[str, Any]], namespace: str, **options: str) -> ImportResult:
    """Import already parsed YAML documents, each with the file it came from."""
    return _Importer(namespace, Report("dbt", "caliber"), **options).run(documents)


def import_dbt_texts(files: Mapping[str, str], namespace: str, **options: str) -> ImportResult:
    """Import in-memory files, `{"models/orders.yml": text}`."""
    report = Report("dbt", "caliber")
    documents: list[tuple[str, Any]] = []
    for name, text in files.items():
        found, error = parse_documents(text)
        if error is not None:
            report.add("bad_yaml", "file", name, name, error)
        documents.extend((name, doc) for doc in found)
    return _Importer(namespace, report, **options).run(documents)


DEFAULT_SCHEMA = "analytics"
"""The schema of a table dbt names without one (`ref('orders')` builds into the run's target schema)."""


class _Importer:
    def __init__(
        self,
        namespace: str,
        report: Report,
        stage: str = "revenue",
        owner: str = "",
        schema: str = DEFAULT_SCHEMA,
    ) -> None:
        self.namespace = naming.snake(namespace)
        self.schema = schema
        self.report = report
        self.stage = stage
        self.owner = owner or self.namespace
        self.models: dict[str, _Model] = {}
        self.measures: dict[str, tuple[_Model, dict[str, Any]]] = {}
        self.metrics_raw: dict[str, tuple[str, dict[str, Any]]] = {}
        self.sources: dict[str, dict[str, Any]] = {}
        self.dimensions: dict[str, dict[str, Any]] = {}
        self.metrics: dict[str, dict[str, Any]] = {}
        self.done: dict[str, str | None] = {}
        """dbt metric name → Caliber metric name, or None when it was not translated."""
        self.simple: set[str] = set()
        self.visiting: set[str] = set()
        self.columns: dict[str, dict[str, str]] = {}
        self.labels: set[str] = set()
        self.declared: dict[str, dict[str, str]] = {}
        """Column types an export kept under the semantic model's `config.meta.caliber.columns`."""

    # -- reading ----------------------------------------------------------------------------------------
    def run(self, documents: list[tuple[str, Any]]) -> ImportResult:
        models: list[tuple[str, dict[str, Any]]] = []
        for file, doc in documents:
            if not isinstance(doc, dict):
                self.report.add(
                    "unknown_document", "file", file, file, "a YAML document that is not a mapping"
                )
                continue
            known = False
            for key, kind in (("semantic_model", "model"), ("metric", "metric"), ("saved_query", "saved")):
                if key in doc:
                    known = True
                    self._collect(file, kind, [doc[key]], models)
            for key, kind in (
                ("semantic_models", "model"),
                ("metrics", "metric"),
                ("saved_queries", "saved"),
            ):
                if key in doc:
                    known = True
                    items = doc[key] if isinstance(doc[key], list) else []
                    self._collect(file, kind, items, models)
            dbt_file = any(k in doc for k in ("version", "models", "sources", "seeds", "name", "exposures"))
            if not known and "project_configuration" not in doc and not dbt_file:
                keys = ", ".join(sorted(map(str, doc))[:5])
                self.report.add("unknown_document", "file", file, file, f"document with keys {keys}")
        for file, raw in models:
            self._model(file, raw)
        for file, raw in models:
            self._measure_metrics(file, raw)
        for name, (_, raw) in self.metrics_raw.items():
            if raw.get("type") == "simple":
                self._metric(name)
        for name in self.metrics_raw:
            self._metric(name)
        for source, columns in self.columns.items():
            self.sources[source]["columns"] = self.declared.get(source) or columns
        self._count_metrics()
        definitions = {"sources": self.sources, "dimensions": self.dimensions, "metrics": self.metrics}
        return ImportResult(self.namespace, definitions, self.report)

    def _count_metrics(self) -> None:
        """Outcomes per dbt metric; one with several caveats is one partly translated metric."""
        partial = {f.name for f in self.report.findings if f.kind == "metric" and f.status == "partial"}
        for name, result in self.done.items():
            outcome = "skipped" if result is None else "partial" if name in partial else "translated"
            self.report.count("metric", outcome)

    def _collect(
        self, file: str, kind: str, items: list[Any], models: list[tuple[str, dict[str, Any]]]
    ) -> None:
        for raw in items:
            name = raw.get("name") if isinstance(raw, dict) else None
            if not isinstance(name, str) or not name:
                self.report.add("invalid_definition", kind, "?", file, "an object without a `name`")
                continue
            if kind == "model":
                models.append((file, raw))
            elif kind == "saved":
                self.report.add("saved_query", "saved_query", name, file, "saved queries are not translated")
            elif name in self.metrics_raw:
                self.report.add(
                    "duplicate_name", "metric", name, file, "a metric of this name is defined twice"
                )
            else:
                self.metrics_raw[name] = (file, raw)

    # -- semantic models ------------------------------------------------------------------------------
    def _model(self, file: str, raw: dict[str, Any]) -> None:
        name = raw["name"]
        source = self._name(name, "semantic_model", file)
        if source in self.sources:
            self.report.add(
                "duplicate_name", "semantic_model", name, file, f"source {source!r} exists already"
            )
            return
        table = self._table(raw, file)
        if table is None:
            return
        entities: dict[str, dict[str, Any]] = {}
        model = _Model(name, file, source, None)
        raw_entities = [e for e in _list(raw.get("entities")) if isinstance(e, dict) and e.get("name")]
        types = [str(e.get("type", "")).lower() for e in raw_entities]
        primary_type = "primary" if "primary" in types else "unique" if "unique" in types else None
        for entity, kind in zip(raw_entities, types, strict=True):
            ename = str(entity["name"])
            if kind == primary_type and model.primary is None:
                model.primary = ename  # names the dimensions even when the key cannot be a Caliber entity
            if kind == "natural":
                self.report.add("natural_entity", "entity", f"{name}.{ename}", file, REASON_NATURAL)
                continue
            column = naming.plain_column(str(entity.get("expr") or ename))
            if column is None:
                self.report.add(
                    "entity_expression", "entity", f"{name}.{ename}", file, f"key is `{entity.get('expr')}`"
                )
                continue
            primary = (
                kind == primary_type
                and model.primary == ename
                and not any(e.get("primary") for e in entities.values())
            )
            entities[ename] = {"column": column, "primary": True} if primary else {"column": column}
            model.entity_columns[ename] = column
        if model.primary is None and isinstance(raw.get("primary_entity"), str):
            model.primary = raw["primary_entity"]
        body: dict[str, Any] = {"table": table}
        if raw.get("description"):
            body["description"] = str(raw["description"])
        self.sources[source] = body
        self.columns[source] = {}
        declared = _caliber_meta(raw).get("columns")
        if isinstance(declared, dict) and all(isinstance(t, str) for t in declared.values()):
            self.declared[source] = {str(c): t for c, t in declared.items()}
        for column in model.entity_columns.values():
            self._note(source, column, "string")
        for dim in _list(raw.get("dimensions")):
            self._dimension(model, dim, file)
        defaults = _dict(raw.get("defaults"))
        default_time = defaults.get("agg_time_dimension")
        if isinstance(default_time, str):
            model.default_time = default_time
            column = self._time_column(model, default_time, "semantic_model", name)
            if column is not None:
                body["time"] = column
        if entities:
            body["entities"] = entities
        for measure in _list(raw.get("measures")):
            if isinstance(measure, dict) and isinstance(measure.get("name"), str) and measure["name"]:
                model.measures[measure["name"]] = measure
                if measure["name"] in self.measures:
                    self.report.add(
                        "duplicate_name", "measure", measure["name"], file, "measure names must be unique"
                    )
                    continue
                self.measures[str(measure["name"])] = (model, measure)
        self.models[name] = model

    def _table(self, raw: dict[str, Any], file: str) -> str | None:
        """`schema.table` (or `database.schema.table`): Caliber refuses bare names (S008), so a table whose
        schema dbt leaves to the run's target, or to a `$template`, is put in `--schema`, and reported."""
        table = self._relation(raw, file)
        if table is None:
            return None
        parts = [self.schema if p.startswith("$") else p for p in table.split(".")]
        if len(parts) == 1:
            parts.insert(0, self.schema)
        qualified = ".".join(parts)
        if qualified != table:
            self.report.add(
                "schema_assumed",
                "semantic_model",
                raw["name"],
                file,
                f"table `{table}` read as `{qualified}` (--schema)",
                "partial",
            )
        return qualified

    def _relation(self, raw: dict[str, Any], file: str) -> str | None:
        relation = raw.get("node_relation")
        if isinstance(relation, dict):
            if relation.get("relation_name"):
                return str(relation["relation_name"])
            parts = [relation.get(k) for k in ("database", "schema_name", "alias")]
            if relation.get("alias"):
                return ".".join(str(p) for p in parts if p)
        model = raw.get("model")
        if isinstance(model, str):
            inner = model.strip().removeprefix("{{").removesuffix("}}").strip()
            if inner.startswith("ref(") and inner.endswith(")"):
                table = inner[4:-1].split(",")[-1].strip().strip("'\"")
                self.report.add(
                    "table_from_ref", "semantic_model", raw["name"], file, f"table `{table}`", "partial"
                )
                return table
        self.report.add(
            "invalid_definition", "semantic_model", raw["name"], file, "no node_relation or model: ref(...)"
        )
        return None

    def _dimension(self, model: _Model, raw: Any, file: str) -> None:
        if not isinstance(raw, dict) or not raw.get("name"):
            self.report.add(
                "invalid_definition", "dimension", f"{model.name}.?", file, "dimension without name"
            )
            return
        name = str(raw["name"])
        where = f"{model.name}.{name}"
        expr = str(raw.get("expr") if raw.get("expr") is not None else name)
        problem = naming.check_sql(expr, "expr")
        if problem is not None:
            self.report.add("expression_not_allowed", "dimension", where, file, problem)
            return
        is_time = str(raw.get("type", "")).lower() == "time"
        params = _dict(raw.get("type_params"))
        grain = str(params.get("time_granularity") or "day").lower()
        meta = _caliber_meta(raw)
        caliber = self._name(str(meta.get("name") or f"{model.primary}__{name}"), "dimension", file)
        # Kept even when it cannot become a Caliber dimension: metrics still read it as their time column.
        model.dimensions[name] = _Dimension(name, caliber, expr, is_time, grain, naming.plain_column(expr))
        for column in naming.columns_of(expr):
            self._note(model.source, column, "timestamp" if is_time else "string")
        if model.primary is None:
            self.report.add(
                "no_primary_entity", "dimension", where, file, "MetricFlow cannot group by it either"
            )
            return
        if caliber in self.dimensions:
            self.report.add(
                "duplicate_name", "dimension", where, file, f"dimension {caliber!r} exists already"
            )
            return
        if meta.get("generated"):
            return
        label = raw.get("label") or name.replace("_", " ").capitalize()
        labels = _dict(meta.get("label"))
        body: dict[str, Any] = {
            "source": model.source,
            "expr": expr,
            "label": {"en": str(labels.get("en") or label), "zh": str(labels.get("zh") or label)},
        }
        if raw.get("description"):
            body["description"] = str(raw["description"])
        if is_time:
            body["type"] = "time"
        self.dimensions[caliber] = body

    def _time_column(self, model: _Model, dimension: str, kind: str, owner: str) -> str | None:
        dim = model.dimensions.get(dimension)
        if dim is None or not dim.is_time:
            self.report.add(
                "unresolved_reference",
                kind,
                owner,
                model.file,
                f"agg_time_dimension {dimension!r} is not a time dimension of {model.name}",
                "partial",
            )
            return None
        if dim.column is None:
            self.report.add(
                "time_expression", kind, owner, model.file, f"time dimension is `{dim.expr}`", "partial"
            )
            return None
        self._note(model.source, dim.column, "timestamp")
        return dim.column

    def _measure_metrics(self, file: str, raw: dict[str, Any]) -> None:
        """`create_metric: true` on a measure defines a simple metric of the same name."""
        for measure in _list(raw.get("measures")):
            if isinstance(measure, dict) and measure.get("create_metric") and measure.get("name"):
                name = str(measure["name"])
                if name not in self.metrics_raw:
                    metric = {"name": name, "type": "simple", "type_params": {"measure": name}}
                    if measure.get("description"):
                        metric["description"] = measure["description"]
                    self.metrics_raw[name] = (file, metric)

    # -- metrics --------------------------------------------------------------------------------------
    def _metric(self, name: str) -> str | None:
        """The Caliber name of dbt metric `name`, translating it (and what it uses) on first call."""
        if name in self.done:
            return self.done[name]
        if name not in self.metrics_raw:
            return None
        file, raw = self.metrics_raw[name]
        if name in self.visiting:
            self.report.add(
                "invalid_definition", "metric", name, file, "metrics refer to each other in a cycle"
            )
            self.done[name] = None
            return None
        self.visiting.add(name)
        try:
            result: str | None = self._translate(name, file, raw)
        except _Skip:
            result = None
        self.visiting.discard(name)
        self.done[name] = result
        return result

    def _translate(self, name: str, file: str, raw: dict[str, Any]) -> str:
        kind = str(raw.get("type", "")).lower()
        params = _dict(raw.get("type_params"))
        if kind not in _METRIC_TYPES:
            self._fail("unknown_metric_type", name, file, f"type {raw.get('type')!r}")
        if raw.get("time_granularity"):
            self._partial(
                "default_grain", name, file, f"time_granularity {raw['time_granularity']!r} dropped"
            )
        filters = _filters(raw.get("filter"))
        body: dict[str, Any]
        if kind == "simple":
            body = self._simple(name, file, params, filters)
            self.simple.add(name)
        elif kind == "ratio":
            body = {
                "type": "ratio",
                "numerator": self._input(params.get("numerator"), name, file, "numerator", filters),
                "denominator": self._input(params.get("denominator"), name, file, "denominator", filters),
            }
        elif kind == "derived":
            body = self._derived(name, file, params, filters)
        elif kind == "cumulative":
            body = self._cumulative(name, file, params, filters)
        else:
            body = self._conversion(name, file, params, filters)
        caliber = self._name(name, "metric", file)
        if caliber in self.metrics:
            self._fail("duplicate_name", name, file, f"Caliber metric {caliber!r} exists already")
        self.metrics[caliber] = {**body, **self._about(name, raw)}
        return caliber

    def _about(self, name: str, raw: dict[str, Any], input_of: str | None = None) -> dict[str, Any]:
        """label, description, stage, owner: from the dbt metric, its `config.meta.caliber`, or defaults."""
        meta = _caliber_meta(raw)
        text = str(raw.get("label") or name.replace("_", " ").capitalize())
        labels = _dict(meta.get("label"))
        en, zh = str(labels.get("en") or text), str(labels.get("zh") or labels.get("en") or text)
        if en in self.labels:
            en, zh = f"{en} ({name})", f"{zh} ({name})"
        self.labels.add(en)
        description = raw.get("description") or (
            f"Input of {input_of}, imported from dbt." if input_of else f"Imported from dbt metric {name}."
        )
        stage = meta.get("stage") if meta.get("stage") in set(Stage) else self.stage
        about: dict[str, Any] = {
            "label": {"en": en, "zh": zh},
            "description": str(meta.get("description") or description),
            "stage": stage,
            "owner": str(meta.get("owner") or self.owner),
        }
        for key in ("unit", "tags", "status", "standard"):
            if key in meta:
                about[key] = meta[key]
        return about

    def _simple(self, name: str, file: str, params: dict[str, Any], filters: list[str]) -> dict[str, Any]:
        measure = params.get("measure")
        if measure is None and isinstance(params.get("metric_aggregation_params"), dict):
            return self._inline_measure(name, file, params, filters)
        return self._atomic(name, file, measure, filters)

    def _inline_measure(
        self, name: str, file: str, params: dict[str, Any], filters: list[str]
    ) -> dict[str, Any]:
        """A simple metric that declares its own aggregation (`metric_aggregation_params` + `expr`)."""
        agg = params["metric_aggregation_params"]
        model = self.models.get(str(agg.get("semantic_model")))
        if model is None:
            self._fail("unresolved_reference", name, file, f"semantic model {agg.get('semantic_model')!r}")
        measure = {**agg, "name": name, "expr": params.get("expr", name)}
        return self._atomic_body(name, file, model, measure, filters)

    def _atomic(self, name: str, file: str, measure: Any, filters: list[str]) -> dict[str, Any]:
        if isinstance(measure, dict):
            filters = [*filters, *_filters(measure.get("filter"))]
            if measure.get("fill_nulls_with") is not None or measure.get("join_to_timespine"):
                self._partial("fill_nulls", name, file, "fill_nulls_with / join_to_timespine dropped")
            measure = measure.get("name")
        if not isinstance(measure, str) or measure not in self.measures:
            self._fail("unresolved_reference", name, file, f"measure {measure!r} is not defined")
        model, raw = self.measures[measure]
        return self._atomic_body(name, file, model, raw, filters)

    def _atomic_body(
        self, name: str, file: str, model: _Model, measure: dict[str, Any], filters: list[str]
    ) -> dict[str, Any]:
        agg = str(measure.get("agg", "")).lower()
        if agg not in _AGGS:
            self._fail("unsupported_agg", name, file, f"agg {agg!r} of measure {measure.get('name')!r}")
        if measure.get("non_additive_dimension"):
            self._fail("semi_additive", name, file, f"measure {measure.get('name')!r} is semi-additive")
        expr = str(measure.get("expr") if measure.get("expr") is not None else measure["name"])
        if agg == "sum_boolean":
            expr = f"CAST({expr} AS INTEGER)"
        if agg == "count" and expr.strip() in ("1", "*"):
            expr = ""
        problem = naming.check_sql(expr, "expr") if expr else None
        if problem is not None:
            self._fail("expression_not_allowed", name, file, f"measure expr: {problem}")
        source = self.sources[model.source]
        time_dim = measure.get("agg_time_dimension") or model.default_time
        time = None
        if isinstance(time_dim, str):
            time = self._time_column(model, time_dim, "metric", name)
        body: dict[str, Any] = {"type": "atomic", "source": model.source, "agg": _AGGS[agg]}
        if expr:
            body["expr"] = expr
        condition = self._filter(filters, model, time, name, file)
        if condition:
            body["filter"] = condition
        if time is not None and time != source.get("time"):
            body["time"] = time
        plain = naming.plain_column(expr)
        for column in naming.columns_of(expr):
            kind = (
                "boolean"
                if agg == "sum_boolean"
                else "decimal"
                if plain and agg in ("sum", "average")
                else ""
            )
            self._note(model.source, column, kind or "string")
        return body

    def _filter(
        self, filters: list[str], model: _Model, time: str | None, name: str, file: str
    ) -> str | None:
        parts = [self._one_filter(text, model, time, name, file) for text in filters]
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return " AND ".join(f"({p})" for p in parts)

    def _one_filter(self, text: str, model: _Model, time: str | None, name: str, file: str) -> str:
        try:
            sql, templates = split_templates(text)
        except TemplateError as err:
            self._fail("filter_syntax", name, file, str(err))
        replacements = {t.placeholder: self._template(t, model, time, name, file) for t in templates}
        rendered = naming.rename_columns(sql, replacements)
        if rendered is None:
            self._fail("filter_syntax", name, file, f"filter `{text}` is not SQL")
        problem = naming.check_sql(rendered, "filter")
        if problem is not None:
            self._fail("expression_not_allowed", name, file, f"filter `{text}`: {problem}")
        for column in naming.columns_of(rendered):
            self._note(model.source, column, "string")
        return rendered

    def _template(self, t: Template, model: _Model, time: str | None, name: str, file: str) -> exp.Expr:
        written = "__".join((*t.path, t.name))
        if t.kind == "Metric":
            self._fail("filter_metric", name, file, f"filter on metric {t.name!r}")
        if t.kind == "Entity":
            if t.path == () and t.name in model.entity_columns:
                return exp.column(model.entity_columns[t.name])
            self._outside(written, name, file)
        if t.name == "metric_time" and not t.path:
            if time is None:
                self._fail("unresolved_reference", name, file, "metric_time: the metric has no time column")
            return self._day(exp.column(time), t.grain, name, file)
        own = t.path in ((), (model.primary,)) and t.name in model.dimensions
        if not own:
            self._outside(written, name, file)
        dim = model.dimensions[t.name]
        tree = naming.parse(dim.expr)
        assert tree is not None  # checked when the dimension was read
        if t.kind == "TimeDimension" or (dim.is_time and t.grain is not None):
            return self._day(tree, t.grain or dim.grain, name, file)
        return tree

    def _day(self, tree: exp.Expr, grain: str | None, name: str, file: str) -> exp.Expr:
        if grain not in _DAY_GRAINS:
            self._fail("filter_time_grain", name, file, f"filter at grain {grain!r}")
        return exp.Cast(this=tree, to=exp.DataType.build("date"))

    def _outside(self, written: str, name: str, file: str) -> NoReturn:
        known = any(
            written.endswith(f"__{d}") or written == d for m in self.models.values() for d in m.dimensions
        ) or any(written in m.entity_columns for m in self.models.values())
        if known:
            self._fail("filter_outside_source", name, file, f"filter on {written!r}")
        self._fail("unresolved_reference", name, file, f"filter on {written!r}, which is not defined")

    def _input(self, raw: Any, owner: str, file: str, role: str, owner_filters: list[str]) -> str:
        """The Caliber metric behind one input of a ratio or derived metric (a filtered copy if needed)."""
        if isinstance(raw, str):
            raw = {"name": raw}
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            self._fail("invalid_definition", owner, file, f"{role} names no metric")
        if raw.get("offset_window") or raw.get("offset_to_grain"):
            self._fail("offset_window", owner, file, f"{role} {raw['name']!r} is shifted in time")
        target = self._metric(raw["name"])
        if target is None:
            code = "depends_on_untranslated" if raw["name"] in self.metrics_raw else "unresolved_reference"
            self._fail(code, owner, file, f"{role} {raw['name']!r}")
        filters = [*_filters(raw.get("filter")), *owner_filters]
        if not filters:
            return target
        if raw["name"] not in self.simple:
            self._fail("input_filter_on_derived", owner, file, f"{role} {raw['name']!r} is filtered")
        _, dbt_raw = self.metrics_raw[raw["name"]]
        params = _dict(dbt_raw.get("type_params"))
        body = self._simple(owner, file, params, [*_filters(dbt_raw.get("filter")), *filters])
        names = [n for n in (raw.get("alias"), f"{owner}_{role}") if isinstance(n, str)]
        return self._helper(body, names, owner)

    def _helper(self, body: dict[str, Any], names: list[str], owner: str) -> str:
        """An atomic metric with `body`: an existing identical one, else a new one under the first free name."""
        for key, metric in self.metrics.items():
            if all(metric.get(k) == body.get(k) for k in ("type", "source", "agg", "expr", "filter", "time")):
                return key
        for candidate in names:
            name = naming.snake(candidate)
            if name not in self.metrics and name not in self.metrics_raw:
                break
        else:
            name = naming.snake(f"{names[-1]}_{len(self.metrics)}")
        self.metrics[name] = {**body, **self._about(name, {}, input_of=owner)}
        return name

    def _derived(self, name: str, file: str, params: dict[str, Any], filters: list[str]) -> dict[str, Any]:
        expr = params.get("expr")
        inputs = _list(params.get("metrics"))
        if not isinstance(expr, str) or not inputs:
            self._fail("invalid_definition", name, file, "a derived metric needs `expr` and `metrics`")
        written: dict[str, exp.Expr] = {}
        for i, raw in enumerate(inputs):
            ref = raw if isinstance(raw, dict) else {"name": raw}
            target = self._input(ref, name, file, f"input_{i + 1}", filters)
            written[str(ref.get("alias") or ref.get("name"))] = exp.column(target)
        rewritten = naming.rename_columns(expr, written)
        if rewritten is None:
            self._fail("expression_not_allowed", name, file, f"expr `{expr}` is not SQL")
        problem = naming.check_sql(rewritten, "expr")
        if problem is not None:
            self._fail("expression_not_allowed", name, file, f"expr `{expr}`: {problem}")
        return {"type": "derived", "expr": rewritten}

    def _cumulative(self, name: str, file: str, params: dict[str, Any], filters: list[str]) -> dict[str, Any]:
        cumulative = _dict(params.get("cumulative_type_params"))
        window = cumulative.get("window") or params.get("window")
        if cumulative.get("grain_to_date") or params.get("grain_to_date"):
            self._fail("grain_to_date", name, file, "reset at each period")
        body: dict[str, Any] = {
            "type": "cumulative",
            "metric": self._base(name, file, params, cumulative, filters),
        }
        if window is not None:
            parsed = _window(window)
            if parsed is None:
                self._fail("custom_granularity", name, file, f"window {window!r}")
            body["window"] = parsed
        else:
            self._partial("cumulative_all_time", name, file, "no window")
        if str(cumulative.get("period_agg") or "first").lower() != "last":
            self._partial(
                "cumulative_period_agg", name, file, f"period_agg {cumulative.get('period_agg') or 'first'}"
            )
        return body

    def _base(
        self, name: str, file: str, params: dict[str, Any], cumulative: dict[str, Any], filters: list[str]
    ) -> str:
        metric = cumulative.get("metric") or params.get("metric")
        if metric is not None:
            ref = metric if isinstance(metric, dict) else {"name": metric}
            return self._atomic_input(ref, name, file, "input", filters)
        body = self._atomic(name, file, params.get("measure"), filters)
        measure = params.get("measure")
        measure_name = measure.get("name") if isinstance(measure, dict) else measure
        return self._helper(body, [str(measure_name), f"{name}_input"], name)

    def _atomic_input(self, ref: dict[str, Any], owner: str, file: str, role: str, filters: list[str]) -> str:
        """An input that Caliber needs atomic (cumulative, conversion): a simple dbt metric."""
        target = self._input(ref, owner, file, role, filters)
        if ref.get("name") not in self.simple:
            self._fail("input_filter_on_derived", owner, file, f"{role} {ref.get('name')!r} is not simple")
        return target

    def _conversion(self, name: str, file: str, params: dict[str, Any], filters: list[str]) -> dict[str, Any]:
        conversion = params.get("conversion_type_params")
        if not isinstance(conversion, dict) or not conversion.get("entity"):
            self._fail("invalid_definition", name, file, "conversion_type_params with an entity is required")
        if filters:
            self._fail("conversion_filter", name, file, "the metric has a filter")
        if conversion.get("constant_properties"):
            self._fail("constant_properties", name, file, "constant_properties")
        window = conversion.get("window")
        if window is None:
            self._fail("conversion_without_window", name, file, "no window")
        parsed = _window(window)
        if parsed is None:
            self._fail("custom_granularity", name, file, f"window {window!r}")
        steps = []
        for role in ("base", "conversion"):
            if conversion.get(f"{role}_metric") is not None:
                ref = conversion[f"{role}_metric"]
                steps.append(
                    self._atomic_input(ref if isinstance(ref, dict) else {"name": ref}, name, file, role, [])
                )
                continue
            measure = conversion.get(f"{role}_measure")
            step = self._atomic(name, file, measure, [])
            measure_name = measure.get("name") if isinstance(measure, dict) else measure
            steps.append(self._helper(step, [str(measure_name), f"{name}_{role}"], name))
        entity = str(conversion["entity"])
        for key in steps:
            source = self.sources[self.metrics[key]["source"]]
            if entity not in source.get("entities", {}):
                self._fail("unresolved_reference", name, file, f"entity {entity!r} has no column on {key}")
        body: dict[str, Any] = {
            "type": "conversion",
            "entity": entity,
            "base": steps[0],
            "conversion": steps[1],
            "window": parsed,
        }
        calculation = str(conversion.get("calculation") or "conversion_rate").lower()
        if calculation == "conversions":
            body["calculation"] = "count"
        elif calculation != "conversion_rate":
            self._fail("invalid_definition", name, file, f"calculation {calculation!r}")
        return body

    # -- helpers --------------------------------------------------------------------------------------
    def _name(self, name: str, kind: str, file: str) -> str:
        snake = naming.snake(name)
        if snake != name:
            self.report.add("renamed", kind, name, file, f"written as {snake!r}", "partial")
        return snake

    def _note(self, source: str, column: str, kind: str) -> None:
        columns = self.columns[source]
        if _TYPE_RANK[kind] >= _TYPE_RANK.get(columns.get(column, "string"), 0):
            columns[column] = kind

    def _fail(self, code: str, name: str, file: str, message: str) -> NoReturn:
        self.report.add(code, "metric", name, file, message)
        raise _Skip

    def _partial(self, code: str, name: str, file: str, message: str) -> None:
        self.report.add(code, "metric", name, file, message, "partial")


REASON_NATURAL = "natural keys join with validity windows (SCD type II), which Caliber does not model"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _filters(value: Any) -> list[str]:
    """A dbt `filter`: one string, or a list of strings that must all hold."""
    if isinstance(value, str) and value.strip():
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str) and v.strip()]
    return []


def _window(value: Any) -> str | None:
    """A dbt window (`7 days`, `2 month`, {count: 7, granularity: day}) as a Caliber duration."""
    if isinstance(value, dict):
        value = f"{value.get('count')} {value.get('granularity')}"
    parsed = Window.parse(str(value))
    return str(parsed) if parsed else None


def _caliber_meta(raw: dict[str, Any]) -> dict[str, Any]:
    """What an export kept for Caliber under `config.meta.caliber` (or `meta.caliber`)."""
    config = _dict(raw.get("config"))
    for holder in (config.get("meta"), raw.get("meta")):
        if isinstance(holder, dict) and isinstance(holder.get("caliber"), dict):
            return dict(holder["caliber"])
    return {}

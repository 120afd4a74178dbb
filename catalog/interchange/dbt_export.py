"""Caliber definitions → dbt semantic models and metrics in MetricFlow's YAML, with a report of what has no
dbt equivalent (funnel, retention, period_over_period).

A source becomes a semantic model, its dimensions dbt dimensions (named without the `<entity>__` prefix that
MetricFlow adds back), each atomic metric a measure of the same name plus a simple metric, and filters use
`{{ Dimension('entity__dim') }}` templates; columns a filter or time needs that no dimension exposes get a
dimension of their own, marked `generated` so an import does not turn them into Caliber dimensions. What
dbt cannot hold (the Chinese label, stage, owner, unit…) is kept under `config.meta.caliber`, which
`caliber import dbt` reads back: import(export(x)) == x for every type dbt has.

    >>> from catalog.lint import lint_paths
    >>> files, report = export_dbt_catalog(lint_paths(["bench/model/caliber"]).catalog)
    >>> sorted(files), report.metric_outcomes()["skipped"]
    (['metrics.yaml', 'semantic_models.yaml'], 0)
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from catalog import model as m
from catalog.interchange import naming
from catalog.interchange.report import Report
from catalog.interchange.yamlio import dump, dump_all
from catalog.metric_types.atomic import Atomic
from catalog.metric_types.conversion import Conversion
from catalog.metric_types.cumulative import Cumulative
from catalog.metric_types.derived import Derived
from catalog.metric_types.ratio import Ratio

_AGGS = {
    "sum": "sum",
    "count": "count",
    "count_distinct": "count_distinct",
    "avg": "average",
    "min": "min",
    "max": "max",
}


def export_dbt_catalog(catalog: m.Catalog, time_spine: str | None = None) -> tuple[dict[str, str], Report]:
    """`{"semantic_models.yaml": …, "metrics.yaml": …}` (and `project_configuration.yaml` with a time spine)."""
    return _Exporter(catalog).run(time_spine)


class _Exporter:
    def __init__(self, catalog: m.Catalog) -> None:
        self.catalog = catalog
        self.report = Report("caliber", "dbt")
        self.models: dict[str, dict[str, Any]] = {}
        """source key → semantic model."""
        self.entity: dict[str, str] = {}
        """source key → the entity its dimensions are addressed through."""
        self.dims: dict[str, dict[str, str]] = {}
        """source key → {column: dbt dimension name} for dimensions that are a bare column."""
        self.names: dict[str, str] = {}
        """metric key → dbt name."""
        self.metrics: list[dict[str, Any]] = []

    def run(self, time_spine: str | None) -> tuple[dict[str, str], Report]:
        for key, source in self.catalog.sources.items():
            self._source(key, source)
        for dimension in self.catalog.dimensions.values():
            self._dimension(dimension)
        taken: set[str] = set()
        for key, metric in self.catalog.metrics.items():
            if metric.name in taken:
                self.report.add("duplicate_name", "metric", key, _file(metric), "dbt metric names are global")
                continue
            taken.add(metric.name)
            self.names[key] = metric.name
        for key, metric in self.catalog.metrics.items():
            if key in self.names:
                self._metric(metric)
        files = {
            "semantic_models.yaml": dump_all({"semantic_model": sm} for sm in self.models.values()),
            "metrics.yaml": dump_all({"metric": metric} for metric in self.metrics),
        }
        if time_spine:
            files["project_configuration.yaml"] = dump({"project_configuration": _project(time_spine)})
        return files, self.report

    # -- sources and dimensions ---------------------------------------------------------------------
    def _source(self, key: str, source: m.Source) -> None:
        parts = source.table.split(".")
        relation: dict[str, str] = {"alias": parts[-1], "schema_name": parts[-2] if len(parts) > 1 else ""}
        if len(parts) > 2:
            relation["database"] = ".".join(parts[:-2])
        model: dict[str, Any] = {"name": source.name}
        if source.description:
            model["description"] = source.description
        model["node_relation"] = relation
        primary = source.primary
        self.entity[key] = primary.name if primary else self._dimension_prefix(key) or source.name
        if primary is None:
            model["primary_entity"] = self.entity[key]
        model["entities"] = [
            {"name": e.name, "type": "primary" if e.primary else "foreign", "expr": e.column}
            for e in source.entities
        ]
        model["dimensions"] = []
        model["measures"] = []
        if source.columns:
            model["config"] = {"meta": {"caliber": {"columns": dict(source.columns)}}}
        self.models[key] = model
        self.dims[key] = {}
        if source.time:
            self._column_dimension(key, source.time, time=True)
            model["defaults"] = {"agg_time_dimension": self.dims[key][source.time]}

    def _dimension_prefix(self, key: str) -> str | None:
        """The `<entity>__` every dimension of a source without a primary entity is named with, if any."""
        prefixes = {d.name.split("__")[0] for d in self.catalog.dimensions.values() if d.source == key}
        names = [d.name for d in self.catalog.dimensions.values() if d.source == key]
        if len(prefixes) == 1 and all("__" in n for n in names):
            return prefixes.pop()
        return None

    def _dimension(self, dimension: m.Dimension) -> None:
        model = self.models[dimension.source]
        prefix = f"{self.entity[dimension.source]}__"
        local = dimension.name.removeprefix(prefix)
        body: dict[str, Any] = {"name": local, "type": dimension.type, "label": dimension.label.en}
        if dimension.description:
            body["description"] = dimension.description
        body["expr"] = dimension.expr
        if dimension.type == "time":
            body["type_params"] = {"time_granularity": "day"}
        meta: dict[str, Any] = {}
        if local == dimension.name:
            meta["name"] = dimension.name
        if dimension.label.zh != dimension.label.en:
            meta["label"] = {"zh": dimension.label.zh}
        if meta:
            body["config"] = {"meta": {"caliber": meta}}
        column = naming.plain_column(dimension.expr)
        existing = next((d for d in model["dimensions"] if d["name"] == local), None)
        if existing is not None and not _generated(existing):
            self.report.add(
                "duplicate_name",
                "dimension",
                dimension.key,
                dimension.location.file,
                f"{local!r} twice on one model",
            )
            return
        if existing is not None:
            model["dimensions"].remove(existing)  # a generated time dimension gives way to the real one
        model["dimensions"].append(body)
        if column is not None and (dimension.type == "time" or column not in self.dims[dimension.source]):
            self.dims[dimension.source][column] = local

    def _column_dimension(self, key: str, column: str, time: bool) -> str:
        """The dbt dimension over `column`, added (marked generated) when no dimension is just that column."""
        found = self.dims[key].get(column)
        if found is not None:
            return found
        model = self.models[key]
        names = {d["name"] for d in model["dimensions"]}
        name = column if column not in names else f"{column}_column"
        body: dict[str, Any] = {"name": name, "type": "time" if time else "categorical", "expr": column}
        if time:
            body["type_params"] = {"time_granularity": "day"}
        body["config"] = {"meta": {"caliber": {"generated": True}}}
        model["dimensions"].append(body)
        self.dims[key][column] = name
        return name

    # -- metrics --------------------------------------------------------------------------------------
    def _metric(self, metric: m.Metric) -> None:
        spec = metric.spec
        body: dict[str, Any] = {"name": metric.name}
        match spec:
            case Atomic():
                self._measure(metric, spec)
                body |= {"type": "simple", "type_params": {"measure": metric.name}}
                if spec.filter:
                    body["filter"] = self._filter(spec.source, spec.filter)
            case Ratio():
                body |= {
                    "type": "ratio",
                    "type_params": {
                        "numerator": {"name": self.names[spec.numerator]},
                        "denominator": {"name": self.names[spec.denominator]},
                    },
                }
            case Derived():
                replacements = {
                    written.split(".")[-1]: exp.column(self.names[key]) for written, key in spec.refs.items()
                }
                tree = naming.parse(spec.expr)
                assert tree is not None  # linted
                bare = tree.transform(
                    lambda n: exp.column(n.name) if isinstance(n, exp.Column) and n.table else n
                )
                expr = naming.rename_columns(naming.render(bare), replacements)
                inputs = [{"name": self.names[key]} for key in dict.fromkeys(spec.refs.values())]
                body |= {"type": "derived", "type_params": {"expr": expr, "metrics": inputs}}
            case Cumulative():
                base = self.catalog.metrics[spec.metric]
                assert isinstance(base.spec, Atomic)
                params: dict[str, Any] = {"period_agg": "last"}
                if spec.window:
                    params = {"window": str(spec.window), **params}
                body |= {
                    "type": "cumulative",
                    "type_params": {"measure": self.names[spec.metric], "cumulative_type_params": params},
                }
                if base.spec.filter:
                    body["filter"] = self._filter(base.spec.source, base.spec.filter)
            case Conversion():
                conversion: dict[str, Any] = {
                    "base_measure": self._measure_input(spec.base),
                    "conversion_measure": self._measure_input(spec.conversion),
                    "entity": spec.entity,
                    "window": str(spec.window),
                    "calculation": "conversions" if spec.calculation == "count" else "conversion_rate",
                }
                body |= {"type": "conversion", "type_params": {"conversion_type_params": conversion}}
            case _:
                self.report.add(
                    "no_target_equivalent",
                    "metric",
                    metric.key,
                    _file(metric),
                    f"dbt has no {metric.type} metric",
                )
                self.report.count("metric", "skipped")
                return
        self.metrics.append(self._about(metric, body))
        self.report.count("metric", "translated")

    def _about(self, metric: m.Metric, body: dict[str, Any]) -> dict[str, Any]:
        about: dict[str, Any] = {"name": body.pop("name"), "label": metric.label.en}
        about["description"] = metric.description
        meta: dict[str, Any] = {"stage": metric.stage, "owner": metric.owner}
        if metric.label.zh != metric.label.en:
            meta["label"] = {"zh": metric.label.zh}
        if metric.unit:
            meta["unit"] = metric.unit
        if metric.tags:
            meta["tags"] = list(metric.tags)
        if metric.status != "active":
            meta["status"] = metric.status
        if metric.standard:
            meta["standard"] = True
        return {**about, **body, "config": {"meta": {"caliber": meta}}}

    def _measure(self, metric: m.Metric, spec: Atomic) -> None:
        model = self.models[spec.source]
        measure: dict[str, Any] = {"name": metric.name, "agg": _AGGS[spec.agg], "expr": spec.expr or "1"}
        source = self.catalog.sources[spec.source]
        if spec.time and spec.time != source.time:
            measure["agg_time_dimension"] = self._column_dimension(spec.source, spec.time, time=True)
        model["measures"].append(measure)

    def _measure_input(self, key: str) -> dict[str, Any]:
        metric = self.catalog.metrics[key]
        assert isinstance(metric.spec, Atomic)
        measure: dict[str, Any] = {"name": self.names[key]}
        if metric.spec.filter:
            measure["filter"] = self._filter(metric.spec.source, metric.spec.filter)
        return measure

    def _filter(self, source: str, text: str) -> str:
        """A row filter with each column written as the dbt dimension template that reads it."""
        tree = naming.parse(text)
        assert tree is not None  # linted
        templates: dict[str, str] = {}
        for column in naming.columns_of(text):
            dimension = self._column_dimension(source, column, time=False)
            templates[f"__col_{len(templates)}__"] = (
                f"{{{{ Dimension('{self.entity[source]}__{dimension}') }}}}"
            )
        placeholders = {column: name for column, name in zip(naming.columns_of(text), templates, strict=True)}
        swapped = tree.transform(
            lambda n: (
                exp.column(placeholders[n.name.lower()])
                if isinstance(n, exp.Column) and n.name.lower() in placeholders
                else n
            )
        )
        rendered = naming.render(swapped)
        for placeholder, template in templates.items():
            rendered = rendered.replace(placeholder, template)
        return rendered


def _project(time_spine: str) -> dict[str, Any]:
    schema, _, table = time_spine.rpartition(".")
    return {
        "time_spine_table_configurations": [{"location": time_spine, "column_name": "ds", "grain": "day"}],
        "time_spines": [
            {
                "node_relation": {"alias": table, "schema_name": schema},
                "primary_column": {"name": "ds", "time_granularity": "day"},
            }
        ],
    }


def _generated(dimension: dict[str, Any]) -> bool:
    return bool(dimension.get("config", {}).get("meta", {}).get("caliber", {}).get("generated"))


def _file(metric: m.Metric) -> str:
    return metric.location.file

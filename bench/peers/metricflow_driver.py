"""Compile benchmark queries with dbt MetricFlow, inside bench/.venvs/metricflow (Caliber never imports it).

    bench/.venvs/metricflow/bin/python bench/peers/metricflow_driver.py bench/model/metricflow

A query spec: {"metrics": [...], "group_by": ["metric_time__month", "user__channel"], "where": ["..."],
"start": "2025-01-01", "end": "2025-04-01"} (a half-open range on metric_time).
"""

from __future__ import annotations

import sys
import time
from typing import Any

_t0 = time.perf_counter_ns()
import datetime as dt  # noqa: E402

from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest  # noqa: E402
from metricflow.protocols.sql_client import SqlEngine  # noqa: E402
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer  # noqa: E402
from metricflow_semantic_interfaces.parsing.dir_to_model import (  # noqa: E402
    parse_directory_of_yaml_files_to_semantic_manifest,
)
from metricflow_semantic_interfaces.validations.semantic_manifest_validator import (  # noqa: E402
    SemanticManifestValidator,
)
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup  # noqa: E402
from protocol import CompileFn  # noqa: E402
from protocol import main as drive  # noqa: E402

IMPORT_NS = time.perf_counter_ns() - _t0


class _CompileOnlyClient:
    """MetricFlow needs a SQL client only for its engine type and renderer when it explains a query."""

    sql_engine_type = SqlEngine.DUCKDB
    sql_plan_renderer = DuckDbSqlPlanRenderer()


def load(model_dir: str) -> MetricFlowEngine:
    manifest = parse_directory_of_yaml_files_to_semantic_manifest(model_dir).semantic_manifest
    results = SemanticManifestValidator().validate_semantic_manifest(manifest)
    if results.has_blocking_issues:
        raise SystemExit(f"MetricFlow model is invalid: {results.errors}")
    return MetricFlowEngine(
        semantic_manifest_lookup=SemanticManifestLookup(manifest), sql_client=_CompileOnlyClient()
    )  # type: ignore[arg-type]


def prepare(engine: MetricFlowEngine, spec: dict[str, Any]) -> CompileFn:
    start = dt.datetime.fromisoformat(spec["start"]) if spec.get("start") else None
    # MetricFlow's time constraint is inclusive at both ends; the shared contract is [start, end).
    end = dt.datetime.fromisoformat(spec["end"]) - dt.timedelta(microseconds=1) if spec.get("end") else None

    def compile_once() -> str:
        request = MetricFlowQueryRequest.create(
            metric_names=spec["metrics"],
            group_by_names=spec.get("group_by", []),
            where_constraints=spec.get("where") or None,
            time_constraint_start=start,
            time_constraint_end=end,
        )
        return engine.explain(request).sql_statement.without_descriptions.sql

    return compile_once


def main() -> None:
    t0 = time.perf_counter_ns()
    engine = load(sys.argv[1])
    load_ns = time.perf_counter_ns() - t0
    drive(lambda spec, _mode: prepare(engine, spec), IMPORT_NS, load_ns, sys.argv[2:])


if __name__ == "__main__":
    main()

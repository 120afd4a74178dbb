"""Issue 18 figures: how much of MetricFlow's own test manifests `caliber import dbt` translates, and the
parity of the imported bench model with MetricFlow on the benchmark DuckDB.

    python -m bench.interchange            # prints the two markdown tables docs/interchange.md quotes

The manifests are read from the `metricflow` package installed in bench/.venvs/metricflow (created on first
use, as the side-by-side benchmark does): `metricflow_semantics/test_helpers/semantic_manifest_yamls/`.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.drivers import MODEL, TOOLS, Driver, ensure_venv
from bench.rows import fetch, same_rows
from bench.side_by_side import check, load_queries
from bench.warehouse import build, open_warehouse
from catalog.compile import compile_query
from catalog.interchange.dbt_import import import_dbt_path
from catalog.interchange.dbt_query import caliber_query
from catalog.interchange.files import write_files
from catalog.lint import lint_paths

MANIFESTS = "metricflow_semantics/test_helpers/semantic_manifest_yamls"


def manifests_folder() -> Path:
    tool = TOOLS["metricflow"]
    problem = ensure_venv(tool)
    if problem:
        raise SystemExit(problem)
    code = "import metricflow_semantics, os; print(os.path.dirname(os.path.dirname(metricflow_semantics.__file__)))"
    site = subprocess.run(
        [str(tool.python), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    return Path(site) / MANIFESTS


def translation_tables(folder: Path) -> str:
    rows, reasons = [], Counter[tuple[str, str]]()
    totals = Counter[str]()
    with tempfile.TemporaryDirectory() as out:
        for manifest in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("_")):
            result = import_dbt_path(manifest, manifest.name)
            outcomes = result.report.metric_outcomes()
            lint_errors = 0
            if result.files():
                write_files(Path(out), result.files())
                lint_errors = len(lint_paths([Path(out) / result.namespace]).errors)
            total = sum(outcomes.values())
            totals.update(outcomes)
            rows.append(
                f"| {manifest.name} | {total} | {outcomes['translated']} | {outcomes['partial']} "
                f"| {outcomes['skipped']} | {lint_errors} |"
            )
            for f in result.report.findings:
                if f.kind == "metric":
                    reasons[(f.code, f.status)] += 1
                elif f.status == "skipped" or f.code in ("bad_yaml",):
                    reasons[(f"{f.code} ({f.kind})", f.status)] += 1
    total = sum(totals.values())
    lines = [
        "| manifest | metrics | translated | partly | not translated | lint errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        f"| **all** | **{total}** | **{totals['translated']}** | **{totals['partial']}** "
        f"| **{totals['skipped']}** | |",
        "",
        "| reason code | outcome | findings |",
        "| --- | --- | ---: |",
        *(
            f"| `{code}` | {status} | {n} |"
            for (code, status), n in sorted(reasons.items(), key=lambda x: -x[1])
        ),
    ]
    return "\n".join(lines)


def parity_table(rows: int = 20_000) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        con = open_warehouse(build(Path(tmp) / "bench.duckdb", rows=rows))
        out = Path(tmp) / "defs"
        result = import_dbt_path(MODEL / "metricflow", "edu")
        write_files(out, result.files())
        catalog = lint_paths([out / "edu"]).catalog
        lines = [
            "| query | imported model = reference | MetricFlow = imported model |",
            "| --- | --- | --- |",
        ]
        with Driver.start(TOOLS["metricflow"]) as metricflow:
            for query in load_queries():
                sql = compile_query(caliber_query(query.specs["metricflow"]), catalog, cache=False).sql
                mine = check(con, query, "caliber", sql)
                theirs = fetch(
                    con,
                    metricflow.prepare(query.id, query.specs["metricflow"])["sql"],
                    query.columns.get("metricflow"),
                )
                same = same_rows(theirs, fetch(con, sql))
                lines.append(
                    f"| {query.id} | {'yes' if mine.ok else 'NO: ' + mine.detail[:80]} "
                    f"| {'yes' if same.ok else 'no: ' + same.detail[:120]} |"
                )
        con.close()
    return "\n".join(lines)


def main() -> None:
    print(translation_tables(manifests_folder()))
    print()
    print(parity_table(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000))


if __name__ == "__main__":
    main()

"""`caliber` — the command line over the library: lint, compile, publish, serve, db, token, demo-data.

Heavy modules (the compiler, the web app, the store) are imported inside the commands that need them, so
`caliber lint` starts fast in CI.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Caliber: one agreed definition per metric, compiled to SQL for every engine.")


@app.command()
def lint(
    paths: Annotated[list[Path], typer.Argument(help="YAML files or folders (the folder is the namespace).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text | json | github | sarif")] = "text",
    strict: Annotated[bool, typer.Option(help="Warnings fail the run too.")] = False,
) -> None:
    """Check definitions: exit 0 clean, 1 errors found, 2 usage or I/O error."""
    from catalog.lint import lint_paths
    from catalog.report import FORMATS, render

    if fmt not in FORMATS:
        typer.echo(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    result = lint_paths(paths)
    typer.echo(render(result.issues, fmt))
    if any(i.code == "Y005" for i in result.issues):
        raise typer.Exit(2)
    failed = result.errors or (strict and result.warnings)
    raise typer.Exit(1 if failed else 0)


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Option(help="DuckDB file to write.")] = Path("demo.duckdb"),
    rows: Annotated[int, typer.Option(min=100, max=50_000_000, help="Scale of the data.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 7,
) -> None:
    """Write the deterministic demo warehouse (every standard source) to a DuckDB file."""
    from catalog.demo_data import generate, write_duckdb

    if out.exists():
        out.unlink()
    write_duckdb(generate(rows, seed), str(out))
    typer.echo(f"wrote {out} ({rows:,} rows scale, seed {seed})")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)

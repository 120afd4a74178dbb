"""The library's command line: lint, conflicts, compile, test, publish, db, token, demo-data, import, export.

The `caliber` program is `app.cli`, which adds `serve` (the service) and `mcp` to these commands: the library
never imports the service. Heavy modules (the compiler, the store) are imported inside the commands that need them,
so `caliber lint` starts fast in CI.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from catalog.store.roles import role_summary

if TYPE_CHECKING:
    from catalog.store.records import TokenRecord

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Caliber: one agreed definition per metric, compiled to SQL for every engine.",
)


def _print_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"caliber {version('caliber')}")
        raise typer.Exit(0)


@app.callback()
def options(
    _version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Caliber: one agreed definition per metric, compiled to SQL for every engine."""


@app.command()
def lint(
    paths: Annotated[list[Path], typer.Argument(help="YAML files or folders (the folder is the namespace).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text | json | github | sarif")] = "text",
    strict: Annotated[bool, typer.Option(help="Warnings fail the run too.")] = False,
    conflicts: Annotated[
        str, typer.Option(help="C001/C003, same name or label with another caliber: error | warning | off")
    ] = "error",
    duplicates: Annotated[
        str, typer.Option(help="C002, same caliber twice: warning | error | off")
    ] = "warning",
    warehouse: Annotated[
        str | None,
        typer.Option(
            help="Also check tables and columns against this warehouse (read-only): a SQLAlchemy URL "
            "or duckdb:///file.duckdb."
        ),
    ] = None,
) -> None:
    """Check definitions: exit 0 clean, 1 errors found, 2 usage or I/O error (or an unreachable warehouse)."""
    from catalog.compare.lint_check import SETTINGS, with_levels
    from catalog.issues import Level
    from catalog.lint import lint_paths
    from catalog.report import FORMATS, render

    if fmt not in FORMATS:
        typer.echo(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    if conflicts not in SETTINGS or duplicates not in SETTINGS:
        typer.echo(f"--conflicts and --duplicates take one of {', '.join(SETTINGS)}", err=True)
        raise typer.Exit(2)
    result = lint_paths(paths)
    if warehouse is not None:
        from catalog.warehouse_check import check_warehouse, locate_in_files

        result = check_warehouse(result, warehouse, locate_in_files())
    issues = with_levels(result.issues, conflicts, duplicates)  # type: ignore[arg-type]
    typer.echo(render(issues, fmt))
    if any(i.code in ("Y005", "D007") for i in issues):
        raise typer.Exit(2)
    failed = any(i.level is Level.ERROR or (strict and i.level is Level.WARNING) for i in issues)
    raise typer.Exit(1 if failed else 0)


@app.command("test")
def golden_test(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="YAML files or folders [default: metric_defs].")
    ] = None,
    warehouse: Annotated[
        str | None,
        typer.Option(
            help="Run on this engine instead of an in-memory DuckDB (SQLAlchemy URL or duckdb:///file): "
            "the data goes into a scratch schema, dropped after."
        ),
    ] = None,
) -> None:
    """Run the golden tests (`tests:`) of the definitions. Exit 0 all pass, 1 a failure, 2 usage errors.

    Example: caliber test metric_defs/ --warehouse postgresql+psycopg://ci@localhost/scratch
    """
    from catalog.connect import ConnectError
    from catalog.golden.runner import render as render_outcomes
    from catalog.golden.runner import run_tests
    from catalog.golden.spec import find_tests
    from catalog.lint import lint_paths
    from catalog.report import render

    given = paths or [Path("metric_defs")]
    result = lint_paths(given)
    if any(i.code == "Y005" for i in result.issues):
        typer.echo("\n".join(i.message for i in result.issues if i.code == "Y005"), err=True)
        raise typer.Exit(2)
    if result.errors:
        typer.echo(render(result.errors, "text"))
        typer.echo("the definitions have errors: fix them first (`caliber lint`)", err=True)
        raise typer.Exit(1)
    tests = find_tests(given)
    if not tests:
        typer.echo(f"no golden tests under {', '.join(map(str, given))}", err=True)
        raise typer.Exit(2)
    try:
        outcomes = run_tests(tests, result.catalog, warehouse)
    except ConnectError as err:
        typer.echo(f"{err}\n  hint: {err.hint}", err=True)
        raise typer.Exit(2) from None
    typer.echo(render_outcomes(outcomes))
    raise typer.Exit(0 if all(o.status == "passed" for o in outcomes) else 1)


@app.command("conflicts")
def conflicts_report(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="YAML files or folders.", show_default="metric_defs")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
) -> None:
    """Report metrics that share a name or label with another caliber, and calibers defined twice.

    Exit 0 when there is no conflict (duplicates alone are advice), 1 with conflicts, 2 on usage errors.
    """
    from catalog.compare.conflicts import find_conflicts
    from catalog.compare.report import FORMATS, render
    from catalog.lint import lint_paths

    if fmt not in FORMATS:
        typer.echo(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    result = lint_paths(paths or [Path("metric_defs")])
    if any(i.code == "Y005" for i in result.issues):
        typer.echo("\n".join(i.message for i in result.issues if i.code == "Y005"), err=True)
        raise typer.Exit(2)
    findings = find_conflicts(result.catalog)
    typer.echo(render(findings, fmt))
    raise typer.Exit(1 if any(f.kind != "duplicate" for f in findings) else 0)


@app.command("compile")
def compile_command(
    metric: Annotated[
        list[str], typer.Option("--metric", "-m", help="Metric (repeat); gmv@3 pins version 3.")
    ],
    by: Annotated[
        list[str] | None, typer.Option("--by", "-b", help="Dimension (repeat), in column order.")
    ] = None,
    grain: Annotated[str | None, typer.Option(help="day | week | month | quarter | year.")] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(
            help="Condition over dimensions, e.g. \"city in ('北京')\". Repeat it: every condition must hold (AND)."
        ),
    ] = None,
    dialect: Annotated[str, typer.Option("--dialect", "-d", help="Target engine (sqlglot name).")] = "duckdb",
    defs: Annotated[
        list[Path] | None,
        typer.Option("--defs", help="Definition files or folders.", show_default="metric_defs"),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(help="Time range start, inclusive: YYYY-MM-DD, or a date-time (…T08:00:00+08:00)."),
    ] = None,
    end: Annotated[
        str | None, typer.Option(help="Time range end, exclusive; the same kind as --start.")
    ] = None,
    time_zone: Annotated[
        str,
        typer.Option(help="IANA zone of the warehouse's times; --start/--end with an offset convert to it."),
    ] = "UTC",
    order_by: Annotated[
        list[str] | None, typer.Option("--order-by", help="Column (repeat); -x: descending.")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=0, help="Row limit.")] = None,
    pretty: Annotated[bool, typer.Option(help="Indent the SQL.")] = True,
) -> None:
    """Print the SQL of a metric query. Exit 0, 1 when it cannot be compiled, 2 on usage errors.

    Example: caliber compile -m gmv -m arppu --by channel --grain month --where "city in ('北京')" -d hive
    """
    from catalog.compile import CompileError, compile_query
    from catalog.snapshot import load_catalog

    if (start is None) != (end is None):
        typer.echo("give both --start and --end (the range is [start, end))", err=True)
        raise typer.Exit(2)
    # Unchanged definitions are not linted again: their catalog is unpickled from a content-keyed snapshot.
    result = load_catalog(defs or [Path("metric_defs")])
    if any(i.code == "Y005" for i in result.issues):
        typer.echo("\n".join(i.message for i in result.issues if i.code == "Y005"), err=True)
        raise typer.Exit(2)
    if result.errors:
        typer.echo(
            f"note: {len(result.errors)} definition error(s) leave some metrics out; run `caliber lint`",
            err=True,
        )
    query = {
        "metrics": metric,
        "dimensions": by or [],
        "grain": grain,
        "where": where or None,
        "dialect": dialect,
        "order_by": order_by or [],
        "limit": limit,
        "time_range": {"start": start, "end": end} if start is not None else None,
        "time_zone": time_zone,
    }
    try:
        compiled = compile_query(query, result.catalog, pretty=pretty)
    except CompileError as err:
        for problem in err.issues:
            hint = f"\n  hint: {problem.hint}" if problem.hint else ""
            typer.echo(f"{problem.code} {problem.message}{hint}", err=True)
        raise typer.Exit(1) from None
    for warning in compiled.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(compiled.sql)


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


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Catalog database URL.",
        show_default="CALIBER_DATABASE_URL or sqlite:///./caliber.db",
    ),
]


@app.command()
def publish(
    paths: Annotated[list[Path], typer.Argument(help="YAML files or folders, e.g. metric_defs/.")],
    db: DbOption = None,
    author: Annotated[
        str | None, typer.Option(help="Recorded on each new version.", show_default="$USER")
    ] = None,
    note: Annotated[str, typer.Option(help="Change note recorded on each new version.")] = "",
    conflicts: Annotated[
        str,
        typer.Option(
            help="C001/C003 involving a changed metric: error | warning "
            "(warning: publish them; they show as open conflicts)"
        ),
    ] = "error",
    duplicates: Annotated[
        str, typer.Option(help="C002, same caliber twice: warning | error | off")
    ] = "warning",
) -> None:
    """Store a new version of every changed definition (migrating the database first); exit 1 on lint errors.

    Everything is checked first, together with what is already published: any definition error, or a conflict
    involving a metric this publish changes, and nothing is written. Conflicts already stored between metrics
    it does not change are printed as warnings.
    """
    import getpass

    from catalog.compare.lint_check import Setting
    from catalog.report import render
    from catalog.store.records import PublishRejected
    from catalog.store.repository import ConflictSetting, Repository

    if conflicts not in ("error", "warning") or duplicates not in ("error", "warning", "off"):
        typer.echo("--conflicts takes error | warning; --duplicates takes error | warning | off", err=True)
        raise typer.Exit(2)
    repo = Repository.from_url(db)
    try:
        repo.upgrade()
        result = repo.publish_paths(
            paths,
            author=author or getpass.getuser(),
            note=note,
            conflicts=cast(ConflictSetting, conflicts),
            duplicates=cast(Setting, duplicates),
        )
    except PublishRejected as rejected:
        typer.echo(render(rejected.issues, "text"))
        typer.echo("publish rejected: nothing was written", err=True)
        raise typer.Exit(1) from None
    finally:
        repo.engine.dispose()
    if result.warnings:
        typer.echo(render(result.warnings, "text"), err=True)
    for kind, key, version in result.created:
        typer.echo(f"{kind} {key} v{version}")
    typer.echo(f"{len(result.created)} new version(s), {result.unchanged} unchanged")


db_app = typer.Typer(no_args_is_help=True, help="Migrate the catalog database (Alembic).")
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(
    db: DbOption = None, revision: Annotated[str, typer.Argument(help="Target revision.")] = "head"
) -> None:
    """Migrate the catalog database up to `revision` (default: the latest)."""
    from catalog.store.repository import Repository

    repo = Repository.from_url(db)
    repo.upgrade(revision)
    repo.engine.dispose()
    typer.echo(f"catalog database at {revision}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision; base drops everything.")],
    db: DbOption = None,
) -> None:
    """Migrate the catalog database down to `revision`."""
    from catalog.store.repository import Repository

    repo = Repository.from_url(db)
    repo.downgrade(revision)
    repo.engine.dispose()
    typer.echo(f"catalog database at {revision}")


token_app = typer.Typer(no_args_is_help=True, help="API tokens for the service: create, list, revoke.")
app.add_typer(token_app, name="token")

_ROLES_HELP = "A token acts as its user, with the user's roles (`caliber user grant`). Each role may do " + (
    "everything the one before it may:\n\n" + "\n\n".join(role_summary().splitlines())
)


@token_app.command(
    "create",
    help="Create a token of a user and print it once: only its hash is stored.\n\n"
    + _ROLES_HELP
    + "\n\nAnonymous callers may read, compile, query and lint while the server's reads are open.",
)
def token_create(
    user: Annotated[str, typer.Option(help="The user the token acts as (`caliber user create`).")],
    name: Annotated[
        str, typer.Option(help="What the token is for (`ci`, `laptop`) [default: the user].")
    ] = "",
    db: DbOption = None,
) -> None:
    import getpass

    from catalog.store.repository import Repository
    from catalog.store.users import AccountError

    repo = Repository.from_url(db)
    try:
        repo.upgrade()
        token = repo.create_token(user, name, actor=getpass.getuser())
    except AccountError as err:
        typer.echo(f"{err.issue.code} {err.issue.message} ({err.issue.hint})", err=True)
        raise typer.Exit(1) from None
    finally:
        repo.engine.dispose()
    typer.echo(token)


@token_app.command("list")
def token_list(
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
) -> None:
    """List every token, oldest first: id, name, user, created, revoked. Secrets are never shown: only their
    hashes are stored."""
    import json

    from catalog.store.repository import Repository

    if fmt not in ("text", "json"):
        typer.echo(f"unknown format {fmt!r}; use text or json", err=True)
        raise typer.Exit(2)
    repo = Repository.from_url(db)
    repo.upgrade()
    tokens = repo.list_tokens()
    repo.engine.dispose()
    if fmt == "json":
        shown = [
            {
                "id": t.id,
                "name": t.name,
                "user": t.user,
                "created_at": t.created_at.isoformat(),
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in tokens
        ]
        typer.echo(json.dumps(shown, indent=2, ensure_ascii=False))
        return
    rows = [("id", "name", "user", "created", "revoked")] + [
        (str(t.id), t.name, t.user, _minute(t.created_at), _minute(t.revoked_at) if t.revoked_at else "-")
        for t in tokens
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@token_app.command("revoke")
def token_revoke(
    name_or_id: Annotated[
        str,
        typer.Argument(
            metavar="NAME_OR_ID",
            help="The token's id (`caliber token list`), or its name when no other live token has it.",
        ),
    ],
    db: DbOption = None,
) -> None:
    """Revoke a token: every request with it fails from now on, on every worker. Audited as token.revoke.

    Exit 0 when it is revoked (or already was), 1 when no token matches or the name is ambiguous.
    """
    import getpass

    from catalog.store.repository import Repository

    repo = Repository.from_url(db)
    try:
        repo.upgrade()
        found = _pick_token(repo.list_tokens(), name_or_id)
        if isinstance(found, str):
            typer.echo(found, err=True)
            raise typer.Exit(1)
        if found.revoked_at is not None:
            typer.echo(f"token {found.id} ({found.name}) was already revoked at {_minute(found.revoked_at)}")
            return
        repo.revoke_token(found.id, actor=getpass.getuser())
    finally:
        repo.engine.dispose()
    typer.echo(f"revoked token {found.id} ({found.name}, of {found.user})")


def _pick_token(tokens: list[TokenRecord], name_or_id: str) -> TokenRecord | str:
    """The token an id names first, else the one live token of that name; else why there is none."""
    if name_or_id.isdigit():
        by_id = [t for t in tokens if t.id == int(name_or_id)]
        if by_id:
            return by_id[0]
    named = [t for t in tokens if t.name == name_or_id]
    live = [t for t in named if t.revoked_at is None]
    if len(live) > 1:
        ids = ", ".join(str(t.id) for t in live)
        return f"{len(live)} live tokens are named `{name_or_id}` (ids {ids}); revoke one by its id"
    if live or named:
        return (live or named)[-1]
    return f"no token named or numbered `{name_or_id}`; see `caliber token list`"


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


import_app = typer.Typer(
    no_args_is_help=True, help="Translate dbt/MetricFlow or Ossie YAML into definitions."
)
app.add_typer(import_app, name="import")
export_app = typer.Typer(
    no_args_is_help=True, help="Translate definitions into dbt/MetricFlow or Ossie YAML."
)
app.add_typer(export_app, name="export")
FormatOption = Annotated[str, typer.Option("--format", "-f", help="Report: text | json")]
ForceOption = Annotated[bool, typer.Option(help="Replace files that exist (otherwise nothing is written).")]
StrictOption = Annotated[bool, typer.Option(help="Exit 1 when anything was left out or changed.")]
StageOption = Annotated[str, typer.Option(help="AARRR stage of imported metrics without one.")]
OwnerOption = Annotated[str, typer.Option(help="Owner of imported metrics without one [default: namespace].")]
DefsOption = Annotated[list[Path] | None, typer.Option("--defs", help="Definitions [default: metric_defs].")]


@import_app.command("dbt")
def import_dbt(
    path: Annotated[Path, typer.Argument(help="dbt project, MetricFlow manifest folder or YAML file.")],
    out: Annotated[Path, typer.Option(help="Folder to write <namespace>/*.yaml under.")] = Path(
        "metric_defs"
    ),
    namespace: Annotated[str | None, typer.Option(help="Namespace [default: the folder name].")] = None,
    fmt: FormatOption = "text",
    force: ForceOption = False,
    strict: StrictOption = False,
    stage: StageOption = "revenue",
    owner: OwnerOption = "",
    schema: Annotated[
        str,
        typer.Option(help="Schema of tables dbt names without one (its target schema).", show_default=True),
    ] = "analytics",
) -> None:
    """Write Caliber definitions for dbt semantic models and metrics, and report what was not translated."""
    from catalog.interchange import commands

    text, code = commands.import_dbt(path, out, namespace, fmt, force, strict, stage, owner, schema)
    typer.echo(text, err=code == 2)
    raise typer.Exit(code)


@import_app.command("ossie")
def import_ossie(
    path: Annotated[Path, typer.Argument(help="Ossie (0.1.1) YAML file or folder.")],
    out: Annotated[Path, typer.Option(help="Folder to write <model>/*.yaml under.")] = Path("metric_defs"),
    fmt: FormatOption = "text",
    force: ForceOption = False,
    strict: StrictOption = False,
    stage: StageOption = "revenue",
    owner: OwnerOption = "",
) -> None:
    """Write Caliber definitions for Ossie semantic models, and report what was not translated."""
    from catalog.interchange import commands

    text, code = commands.import_ossie(path, out, fmt, force, strict, stage, owner)
    typer.echo(text, err=code == 2)
    raise typer.Exit(code)


@export_app.command("dbt")
def export_dbt(
    out: Annotated[Path, typer.Option(help="Folder for semantic_models.yaml and metrics.yaml.")],
    defs: DefsOption = None,
    time_spine: Annotated[
        str | None, typer.Option(help="Day time spine table (schema.table), for project_configuration.yaml.")
    ] = None,
    fmt: FormatOption = "text",
    force: ForceOption = False,
    strict: StrictOption = False,
) -> None:
    """Write MetricFlow YAML for the definitions, and report what has no dbt equivalent."""
    from catalog.interchange import commands

    text, code = commands.export_dbt(defs or [Path("metric_defs")], out, fmt, force, strict, time_spine)
    typer.echo(text, err=code == 2)
    raise typer.Exit(code)


@export_app.command("ossie")
def export_ossie(
    defs: DefsOption = None,
    out: Annotated[Path | None, typer.Option(help="File to write [default: standard output].")] = None,
    fmt: FormatOption = "text",
    force: ForceOption = False,
    strict: StrictOption = False,
) -> None:
    """Write an Ossie 0.1.1 document for the definitions, and report what has no Ossie equivalent."""
    from catalog.interchange import commands

    text, code = commands.export_ossie(defs or [Path("metric_defs")], out, fmt, strict, force)
    typer.echo(text, err=code == 2)
    raise typer.Exit(code)


@app.command("explain-change")
def explain_change_command(
    metric: Annotated[str, typer.Option("--metric", "-m", help="The metric whose change to explain.")],
    from_period: Annotated[str, typer.Option("--from", help="Period: 2025, 2025Q1, 2025-01, 2025-W03, …")],
    to_period: Annotated[str, typer.Option("--to", help="Period, in the same forms as --from.")],
    by: Annotated[list[str], typer.Option("--by", "-b", help="Dimension to split by (repeat).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
    warehouse: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL or DuckDB file [default: CALIBER_WAREHOUSE_PATH or demo.duckdb]."),
    ] = None,
    defs: Annotated[
        list[Path] | None,
        typer.Option("--defs", help="Definition files or folders.", show_default="metric_defs"),
    ] = None,
) -> None:
    """Split a metric's change between two periods into each dimension value's contribution.

    Example: caliber explain-change --metric gmv --from 2025-01 --to 2025-02 --by channel --format json
    """
    from catalog import explain_command

    text, code = explain_command.run(
        metric, from_period, to_period, by, fmt, warehouse, defs or [Path("metric_defs")]
    )
    typer.echo(text, err=code != 0)
    raise typer.Exit(code)


monitor_app = typer.Typer(
    no_args_is_help=True, help="Monitors (预警): check them, run them (docs/monitors.md)."
)
app.add_typer(monitor_app, name="monitor")
MonitorsOption = Annotated[
    list[Path] | None, typer.Option("--monitors", help="Monitor files or folders.", show_default="monitors")
]


@monitor_app.command("lint")
def monitor_lint(
    monitors: MonitorsOption = None,
    defs: Annotated[list[Path] | None, typer.Option("--defs", show_default="metric_defs")] = None,
) -> None:
    """Check monitor files (M001 unknown field, M002 bad value, M003 query does not compile). Exit 0 or 1."""
    from catalog.monitors import command

    text, code = command.lint(monitors or [Path("monitors")], defs or [Path("metric_defs")])
    typer.echo(text)
    raise typer.Exit(code)


@monitor_app.command("run")
def monitor_run(
    at: Annotated[
        str | None,
        typer.Option(help="Evaluate as on this day (YYYY-MM-DD): the last complete period before it."),
    ] = None,
    monitors: MonitorsOption = None,
    defs: Annotated[list[Path] | None, typer.Option("--defs", show_default="metric_defs")] = None,
    warehouse: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL or DuckDB file [default: CALIBER_WAREHOUSE_PATH or demo.duckdb]."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Evaluate every monitor, store it, alert once per period, retry failed deliveries. Cron-safe.

    Example: caliber monitor run --at 2025-02-01 --warehouse dw.duckdb
    """
    from datetime import date

    from catalog.monitors import command

    try:
        day = date.fromisoformat(at) if at else datetime.now(UTC).date()
    except ValueError:
        typer.echo(f"--at takes a day, YYYY-MM-DD; got {at!r}", err=True)
        raise typer.Exit(2) from None
    text, code = command.run(
        monitors or [Path("monitors")], defs or [Path("metric_defs")], warehouse, db, day
    )
    typer.echo(text, err=code == 2)
    raise typer.Exit(code)


def _governance() -> None:
    from catalog.cli_governance import register

    register(app)


_governance()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()

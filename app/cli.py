"""`caliber`: the library's commands (`catalog.cli`) and those of this service, `serve` and `mcp`.

caliber serve --workers 2        # migrate and seed once, then uvicorn with two worker processes
caliber mcp                      # the catalog for an AI agent, over MCP on stdin/stdout
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Annotated, Any

import typer

from catalog import cli as library

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help=library.app.info.help,
)
# The library's commands and its `--version`, taken over one by one: a nameless `add_typer` would drop the
# library's callback (and warn on every run).
app.callback()(library.options)
app.registered_commands += library.app.registered_commands
app.registered_groups += library.app.registered_groups


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (CALIBER_HOST, else 127.0.0.1).")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65_535, help="Port (CALIBER_PORT, else 8000).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="Processes (CALIBER_WORKERS, else 1).")
    ] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development; one worker).")] = False,
) -> None:
    """Run the REST service. Settings come from CALIBER_* variables (CALIBER_DATABASE_URL, ...)."""
    import uvicorn

    from app.logs import log_config
    from app.settings import Settings
    from app.startup import prepare
    from catalog.store.repository import Repository

    given: dict[str, Any] = {"host": host, "port": port, "workers": workers}
    settings = Settings(**{k: v for k, v in given.items() if v is not None})
    # Migrate and seed once here, so workers never race on it; they inherit the switch that skips it.
    repo = Repository.from_url(settings.database_url, settings.allowed_schemas)
    for line in prepare(repo, settings):
        typer.echo(line)
    repo.engine.dispose()
    os.environ["CALIBER_PREPARE_ON_START"] = "false"
    processes = 1 if reload else settings.workers
    if processes > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # Set before any worker imports prometheus_client: each then writes its samples there, and /metrics
        # sums them. A fresh directory per start: samples of a previous run must not be counted again.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="caliber-metrics-")
    # uvicorn's own access log is off: `CALIBER_ACCESS_LOG` writes one JSON line per request instead.
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=None if reload else settings.workers,
        reload=reload,
        access_log=False,
        log_config=log_config(settings.log_level),
    )


@app.command()
def mcp(
    token: Annotated[
        str | None,
        typer.Option(
            envvar="CALIBER_TOKEN",
            show_default=False,
            help="Act as the holder of this token (`caliber token create`); without one, as an anonymous "
            "caller (refused everything when CALIBER_OPEN_READS=false).",
        ),
    ] = None,
) -> None:
    """Serve the catalog to an AI agent over MCP on stdin/stdout (the service also serves it at /mcp).

    Settings come from CALIBER_* variables, as for `caliber serve`: the store, the warehouse, open reads.
    The tools search metrics, show caliber cards and dimensions, compile and run metric queries. See docs/mcp.md.
    """
    from app.mcp_server import serve_stdio

    raise typer.Exit(serve_stdio(token))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()

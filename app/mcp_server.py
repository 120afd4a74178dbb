"""`caliber mcp`: the metric catalog as an MCP server, so that an agent asks for the agreed number instead of
writing its own SQL.

Tools, each checking its action of the role table (`catalog.store.roles`) before it reads anything:
`search_metrics`, `get_caliber_card`, `list_dimensions` (read), `compile_query` (compile), `run_query`
(query: read-only, row-capped, its answer carries the caliber and the SQL next to the rows). Resources:
`caliber://metrics` and `caliber://metrics/{key}` (read). Refusals and bad requests are tool errors carrying
the project's codes and hints (`E001 unknown metric 'gmvv'` / `hint: did you mean 'gmv'?`), never a trace.

One server, two transports: stdio (`caliber mcp`, acting as the holder of `--token`/`CALIBER_TOKEN`) and
streamable HTTP inside the service at `/mcp` (`app.mcp_http`), where each request's `Authorization` header
names the caller.

    server = build_server(Backend(repo, settings, CurrentCatalog(repo), warehouse, stdio_caller(repo, token)))
    server.run("stdio")
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError

from app.cards import CaliberCard, DimensionInfo, Lang, MetricHit, caliber_card, dimensions_of, search_metrics
from app.current import CurrentCatalog
from app.deps import check_action, token_holder
from app.problems import ApiProblem, close_names, did_you_mean
from app.settings import Settings
from app.warehouse import Warehouse, WarehouseError
from app.web.view_models import ViewCache
from catalog.compile import CompileError, compile_query
from catalog.compile.dialects import DIALECTS
from catalog.issues import Issue, Location, issue
from catalog.lint import LintResult
from catalog.model import GRAINS, Catalog, Grain, Metric
from catalog.query import MAX_DIMENSIONS, MAX_FILTERS, MAX_METRICS, Filter, MetricQuery, TimeRange
from catalog.schema import Stage
from catalog.store.records import Caller as Principal
from catalog.store.records import DefinitionRecord
from catalog.store.repository import Repository
from catalog.store.roles import ActionName

log = logging.getLogger("caliber.mcp")

MAX_ROWS = 1000
"""The most rows `run_query` returns: an agent's context is small, and a metric answer rarely needs more."""
DEFAULT_ROWS = 200

TOOL_ACTIONS: dict[str, ActionName] = {
    "search_metrics": "read",
    "get_caliber_card": "read",
    "list_dimensions": "read",
    "compile_query": "compile",
    "run_query": "query",
}
"""The action of the role table each tool needs (docs/mcp.md shows it); the resources need `read`."""

Caller = Callable[[], Awaitable[Principal | None]]
"""Who is calling, checked anew on every call (a revoked token fails at once); raises a 401 `ApiProblem`."""

INSTRUCTIONS = """\
Caliber is this organisation's catalog of agreed metric definitions (calibers, 统计口径). Answer every question \
about a metric that is in the catalog through these tools:
1. search_metrics to find it. Standard metrics (standard=true) are the agreed calibers and search ranks them \
first: use the standard metric unless the user names another one.
2. get_caliber_card to learn what it counts (filter, time column, unit), and list_dimensions to learn what it \
can be sliced by.
3. run_query for the numbers, or compile_query for SQL to run elsewhere.
Never write your own SQL for a metric in the catalog: hand-written SQL gets the caliber wrong (a missed \
filter, another time column). Quote the caliber and the SQL that come with the rows."""

NEVER_OWN_SQL = "Never write your own SQL for a metric that is in the catalog."
QUERY_SHAPE = (
    "Columns: metric_time (with a grain) first, then the dimensions in the order asked, then the metrics. "
    "time_range is half-open [start, end) on each metric's own time column."
)

MetricsArg = Annotated[
    list[str],
    Field(
        min_length=1,
        max_length=MAX_METRICS,
        description="Metric keys from search_metrics, e.g. ['shop.gmv']; `key@3` pins version 3.",
    ),
]
DimensionsArg = Annotated[
    list[str],
    Field(
        max_length=MAX_DIMENSIONS,
        description="Dimension keys from list_dimensions to group by, in column order.",
    ),
]
GrainArg = Annotated[
    Grain | None, Field(description="Group by time on each metric's own time column: " + ", ".join(GRAINS))
]
FiltersArg = Annotated[
    list[Filter],
    Field(
        max_length=MAX_FILTERS,
        description="Conditions on dimensions, e.g. {dimension: 'shop.city', op: 'in', values: ['北京']}.",
    ),
]
WhereArg = Annotated[
    str | None,
    Field(
        max_length=2000,
        description="A condition over dimension keys in SQL syntax, e.g. \"shop.channel = 'ads'\" "
        "(prefer `filters`).",
    ),
]
TimeRangeArg = Annotated[
    TimeRange | None, Field(description="{start, end}: dates or timestamps, end excluded.")
]
OrderArg = Annotated[
    list[str], Field(max_length=MAX_METRICS + MAX_DIMENSIONS + 1, description="Columns; '-x' descending.")
]
LimitArg = Annotated[int | None, Field(ge=0, le=1_000_000, description="Row limit written into the SQL.")]
LangArg = Annotated[Lang, Field(description="Language of labels and words: en or zh.")]
MetricArg = Annotated[
    str, Field(min_length=1, max_length=200, description="A metric key from search_metrics, e.g. 'shop.gmv'.")
]


class SearchAnswer(BaseModel):
    items: list[MetricHit] = Field(description="Standard metrics first, deprecated last.")
    total: int = Field(description="How many metrics matched before the limit.")


class DimensionsAnswer(BaseModel):
    metric: str
    dimensions: list[DimensionInfo]
    grains: list[str] = Field(description="Time grains for `grain`, on the metric's own time column.")


class CompileAnswer(BaseModel):
    sql: str = Field(description="Exactly one SELECT; every value of the query is a literal in it.")
    dialect: str
    columns: list[str] = Field(description="Output columns in order.")
    metrics: list[str] = Field(description="Every metric used: those asked first, then their components.")
    warnings: list[str]


class QueryAnswer(BaseModel):
    caliber: list[CaliberCard] = Field(description="The caliber card of each metric asked, in order.")
    sql: str = Field(description="The DuckDB SQL that produced the rows (read-only, one SELECT).")
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool = Field(description="More rows existed than `max_rows`: only the first ones are here.")
    max_rows: int
    warnings: list[str]


@dataclass(frozen=True, slots=True)
class Backend:
    """What the tools read, and how they learn who is calling."""

    repo: Repository
    settings: Settings
    current: CurrentCatalog
    warehouse: Warehouse | None
    caller: Caller
    token_hint: str = ""
    """How a caller of this transport presents a token, for the hints of refusals."""


def stdio_caller(repo: Repository, token: str | None) -> Caller:
    """The holder of `token` (None: anonymous), verified on every call."""

    async def caller() -> Principal | None:
        return await token_holder(repo, token)

    return caller


STDIO_TOKEN_HINT = (
    "start `caliber mcp` with --token or CALIBER_TOKEN (create one with `caliber token create`)"
)


class Refused(Exception):
    """A tool call that ends with coded issues (the tool's answer is then an error carrying them)."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        super().__init__("; ".join(f"{i.code} {i.message}" for i in issues))
        self.issues = tuple(issues)


def build_server(backend: Backend) -> MCPServer:
    """The MCP server over `backend`: the tools of `TOOL_ACTIONS` and the metric resources, every one
    checking the caller's rights on every call.

        server = build_server(Backend(repo, settings, CurrentCatalog(repo), None, stdio_caller(repo, None)))
        tools = await server.list_tools()      # search_metrics, get_caliber_card, … run_query
    """
    server = MCPServer("caliber", instructions=INSTRUCTIONS, version="1", log_level="WARNING")
    views = ViewCache()
    read_only = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)

    async def answer(tool: str, work: Callable[[LintResult], BaseModel]) -> CallToolResult:
        try:
            current = await _allowed(backend, TOOL_ACTIONS[tool])
            model = await anyio.to_thread.run_sync(work, current)
        except Refused as refused:
            return _error(refused.issues)
        except ApiProblem as problem:
            return _error(_with_hint(problem.issues, backend.token_hint))
        except CompileError as err:
            return _error(err.issues)
        except Exception as err:
            log.exception("MCP tool failed")
            return _error([issue("H500", f"unexpected {type(err).__name__}", hint=_BUG)])
        data = model.model_dump(mode="json")
        text = json.dumps(data, ensure_ascii=False, indent=1, default=str)
        return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)

    @server.tool(
        name="search_metrics",
        description="Find metrics by words of their key, English or Chinese label, or description "
        "(e.g. 'gmv', 'paid orders', '支付订单'). Standard metrics (standard=true) are the agreed calibers: "
        "search ranks them first and deprecated ones last, so prefer the first standard hit. Search before "
        "answering any question about a metric, then use its key in the other tools. " + NEVER_OWN_SQL,
        annotations=read_only,
    )
    async def search_metrics_tool(
        text: Annotated[str, Field(max_length=200, description="Words to look for; empty lists all.")] = "",
        stage: Annotated[Stage | None, Field(description="Only this AARRR stage.")] = None,
        namespace: Annotated[
            str | None, Field(max_length=200, description="Only this team's namespace.")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
        lang: LangArg = "en",
    ) -> Annotated[CallToolResult, SearchAnswer]:
        def work(current: LintResult) -> SearchAnswer:
            view = views.get(current.catalog)
            hits, total = search_metrics(view, text, stage.value if stage else None, namespace, limit, lang)
            return SearchAnswer(items=hits, total=total)

        return await answer("search_metrics", work)

    @server.tool(
        description="The caliber card of one metric: label, description, type, its definition in words "
        "(table, filter, time column), unit, owner, AARRR stage, whether it is the standard (agreed) "
        "caliber, the dimensions it allows and its version. Read it before quoting a number, and say what "
        "the number counts. " + NEVER_OWN_SQL,
        annotations=read_only,
    )
    async def get_caliber_card(
        metric: MetricArg, lang: LangArg = "en"
    ) -> Annotated[CallToolResult, CaliberCard]:
        return await answer(
            "get_caliber_card", lambda current: _card(backend.repo, current.catalog, metric, lang)
        )

    @server.tool(
        description="The dimensions one metric can be grouped and filtered by, with labels: the keys to use "
        "in `dimensions`, `filters` and `where` of run_query and compile_query. Every metric can also be "
        "grouped by time with `grain` (" + ", ".join(GRAINS) + ") on its own time column.",
        annotations=read_only,
    )
    async def list_dimensions(
        metric: MetricArg, lang: LangArg = "en"
    ) -> Annotated[CallToolResult, DimensionsAnswer]:
        def work(current: LintResult) -> DimensionsAnswer:
            key = _metric(backend.repo, current.catalog, metric)[0].key
            return DimensionsAnswer(
                metric=key, dimensions=dimensions_of(current.catalog, key, lang), grains=list(GRAINS)
            )

        return await answer("list_dimensions", work)

    @server.tool(
        name="compile_query",
        description="The SQL of a metric query in a SQL dialect ("
        + ", ".join(sorted(DIALECTS))
        + "), compiled from the catalog's definitions, with its output columns. Use it when the user needs "
        "SQL to run elsewhere; use run_query for the numbers. " + NEVER_OWN_SQL + " Do not edit the SQL "
        "either: change the query's metrics, dimensions, grain, filters or time_range. " + QUERY_SHAPE,
        annotations=read_only,
    )
    async def compile_query_tool(
        metrics: MetricsArg,
        dimensions: DimensionsArg = [],  # noqa: B006 (pydantic copies defaults)
        grain: GrainArg = None,
        filters: FiltersArg = [],  # noqa: B006
        where: WhereArg = None,
        time_range: TimeRangeArg = None,
        order_by: OrderArg = [],  # noqa: B006
        limit: LimitArg = None,
        dialect: Annotated[
            str, Field(min_length=1, max_length=40, description="Target SQL engine.")
        ] = "duckdb",
    ) -> Annotated[CallToolResult, CompileAnswer]:
        asked = dict(
            metrics=metrics,
            dimensions=dimensions,
            grain=grain,
            filters=filters,
            where=where,
            time_range=time_range,
            order_by=order_by,
            limit=limit,
            dialect=dialect,
        )

        def work(current: LintResult) -> CompileAnswer:
            compiled = compile_query(_query(asked), current.catalog, pins=backend.repo.pin)
            return CompileAnswer(
                sql=compiled.sql,
                dialect=compiled.dialect,
                columns=list(compiled.columns),
                metrics=list(compiled.metrics),
                warnings=list(compiled.warnings),
            )

        return await answer("compile_query", work)

    @server.tool(
        description="Run a metric query on the service's warehouse and get the rows, with the caliber card "
        "of each metric asked and the SQL that produced them: quote the caliber with the numbers. "
        f"Read-only; at most max_rows rows (up to {MAX_ROWS}) come back, truncated=true says there were "
        "more. " + QUERY_SHAPE + " " + NEVER_OWN_SQL,
        annotations=read_only,
    )
    async def run_query(
        metrics: MetricsArg,
        dimensions: DimensionsArg = [],  # noqa: B006
        grain: GrainArg = None,
        filters: FiltersArg = [],  # noqa: B006
        where: WhereArg = None,
        time_range: TimeRangeArg = None,
        order_by: OrderArg = [],  # noqa: B006
        limit: LimitArg = None,
        max_rows: Annotated[int, Field(ge=1, le=MAX_ROWS, description="Most rows to return.")] = DEFAULT_ROWS,
        lang: LangArg = "en",
    ) -> Annotated[CallToolResult, QueryAnswer]:
        asked = dict(
            metrics=metrics,
            dimensions=dimensions,
            grain=grain,
            filters=filters,
            where=where,
            time_range=time_range,
            order_by=order_by,
            limit=limit,
        )

        def work(current: LintResult) -> QueryAnswer:
            warehouse = _warehouse(backend)
            query = _query(asked)
            compiled = compile_query(query, current.catalog, pins=backend.repo.pin)
            cards = [_card(backend.repo, current.catalog, name, lang) for name in query.metrics]
            try:
                result = warehouse.run(compiled.sql, max_rows=max_rows)
            except WarehouseError as err:
                raise Refused(
                    [
                        issue(
                            "H010",
                            f"the warehouse could not run the query: {err}",
                            hint="the warehouse may lack a table or column the definitions name",
                        )
                    ]
                ) from err
            return QueryAnswer(
                caliber=cards,
                sql=compiled.sql,
                columns=list(result.columns),
                rows=result.rows,
                row_count=len(result.rows),
                truncated=result.truncated,
                max_rows=max_rows,
                warnings=list(compiled.warnings),
            )

        return await answer("run_query", work)

    @server.resource(
        "caliber://metrics",
        name="metrics",
        description="Every metric of the catalog (key, labels, type, stage, unit, standard, status), standard "
        "metrics first.",
        mime_type="application/json",
    )
    async def metric_library() -> str:
        view = views.get((await _resource_access(backend)).catalog)
        hits, _total = search_metrics(view, limit=len(view.rows))
        return json.dumps([h.model_dump(mode="json") for h in hits], ensure_ascii=False)

    @server.resource(
        "caliber://metrics/{key}",
        name="metric",
        description="One metric: its caliber card in English and Chinese, and its definition as published.",
        mime_type="application/json",
    )
    async def metric_definition(key: str) -> str:
        current = await _resource_access(backend)

        def work() -> str:
            metric, pinned = _metric(backend.repo, current.catalog, key)
            stored = (
                backend.repo.version(metric.key, pinned) if pinned else backend.repo.get_metric(metric.key)
            )
            number = pinned or (stored.version if isinstance(stored, DefinitionRecord) else 0)
            cards = {
                lang: caliber_card(current.catalog, metric, number, lang).model_dump(mode="json")
                for lang in ("en", "zh")
            }
            definition = dict(stored.definition) if stored else None
            return json.dumps({**cards, "definition": definition}, ensure_ascii=False, default=_json_default)

        try:
            return await anyio.to_thread.run_sync(work)
        except Refused as refused:
            raise ResourceNotFoundError(_text(refused.issues)) from None

    return server


async def _allowed(backend: Backend, action: ActionName) -> LintResult:
    """The current catalog, once the caller may do `action` (else the 401/403 `ApiProblem` a route raises)."""
    check_action(action, await backend.caller(), backend.settings)
    return await backend.current.get()


async def _resource_access(backend: Backend) -> LintResult:
    try:
        return await _allowed(backend, "read")
    except ApiProblem as problem:
        raise ResourceError(_text(_with_hint(problem.issues, backend.token_hint))) from None


def _query(asked: dict[str, Any]) -> MetricQuery:
    try:
        return MetricQuery(**asked)
    except ValidationError as err:
        raise Refused(
            [
                issue(
                    "H001", str(e.get("msg", "invalid value")), Location(".".join(map(str, e.get("loc", ()))))
                )
                for e in err.errors()[:20]
            ]
        ) from None


def _metric(repo: Repository, catalog: Catalog, name: str) -> tuple[Metric, int | None]:
    """The metric `name` means (bare, `namespace.name` or pinned `key@N`) with the version pinned, or
    E001/E008 with a hint."""
    try:
        ((bare, version),) = MetricQuery(metrics=[name]).metric_refs()
    except ValidationError:
        bare, version = name, None
    keys = catalog.find("metrics", bare)
    if len(keys) > 1:
        raise Refused(
            [
                issue(
                    "E001",
                    f"metric {bare!r} is ambiguous: {', '.join(sorted(keys))}",
                    hint="write it as namespace.name",
                )
            ]
        )
    if not keys:
        hint = did_you_mean(close_names(bare, catalog.metrics)) or "find metrics with search_metrics"
        raise Refused([issue("E001", f"unknown metric {bare!r}", hint=hint)])
    if version is None:
        return catalog.metrics[keys[0]], None
    pinned = repo.pin(keys[0], version)
    if pinned is None:
        count = len(repo.versions(keys[0]))
        raise Refused(
            [issue("E008", f"{keys[0]} has no version {version}", hint=f"versions are 1 to {count}")]
        )
    return pinned, version


def _card(repo: Repository, catalog: Catalog, name: str, lang: Lang) -> CaliberCard:
    metric, version = _metric(repo, catalog, name)
    if version is None:
        record = repo.get_metric(metric.key)
        version = record.version if record else 0
    return caliber_card(catalog, metric, version, lang)


def _warehouse(backend: Backend) -> Warehouse:
    if backend.warehouse is None:
        raise Refused(
            [
                issue(
                    "H004",
                    "this service has no warehouse to run queries on",
                    hint="set CALIBER_WAREHOUSE_PATH to a DuckDB file, or use compile_query",
                )
            ]
        )
    return backend.warehouse


_BUG = "this is a bug in Caliber; the server log has the trace"


def _with_hint(issues: Sequence[Issue], token_hint: str) -> list[Issue]:
    """Refusals of a transport that takes its token another way than a header get that way as the hint."""
    if not token_hint:
        return list(issues)
    return [issue(i.code, i.message, i.location, token_hint) if i.code == "H005" else i for i in issues]


def _text(issues: Sequence[Issue]) -> str:
    lines = []
    for i in issues:
        lines.append(f"{i.code} {i.message}")
        if i.hint:
            lines.append(f"hint: {i.hint}")
    return "\n".join(lines)


def _error(issues: Sequence[Issue]) -> CallToolResult:
    errors = [
        {"code": i.code, "message": i.message, "location": _where(i.location), "hint": i.hint} for i in issues
    ]
    return CallToolResult(
        content=[TextContent(type="text", text=_text(issues))],
        structured_content={"errors": errors},
        is_error=True,
    )


def _where(location: Location) -> str:
    return str(location) if location.line else location.file


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def serve_stdio(token: str | None, settings: Settings | None = None) -> int:
    """Serve MCP on stdin/stdout as the holder of `token` until stdin closes; the exit status.

    The store must be ready (`caliber serve` once, or `caliber db upgrade` and `caliber publish`): this
    process never writes to it. Messages go to stderr, as stdout carries the protocol.

        serve_stdio(os.environ.get("CALIBER_TOKEN"))
    """
    settings = settings or Settings()
    repo = Repository.from_url(settings.database_url)
    try:
        if (unready := _unready(repo)) is not None:
            _say(f"{unready}: run `caliber serve` once, or `caliber db upgrade` and `caliber publish`")
            return 2
        if token is not None and repo.verify_token(token) is None:
            _say("the token is unknown or revoked; create one with `caliber token create --user NAME`")
            return 2
        if token is None and not settings.open_reads:
            _say(
                "reads are closed (CALIBER_OPEN_READS=false) and no token was given: every call will be refused"
            )
        warehouse = Warehouse(settings.warehouse_path) if settings.warehouse_path is not None else None
        backend = Backend(
            repo, settings, CurrentCatalog(repo), warehouse, stdio_caller(repo, token), STDIO_TOKEN_HINT
        )
        try:
            build_server(backend).run("stdio")
        finally:
            if warehouse is not None:
                warehouse.close()
    finally:
        repo.engine.dispose()
    return 0


def _unready(repo: Repository) -> str | None:
    """Why the store cannot be served as it is; None when it can. Reads only: a missing SQLite file is
    not created."""
    url = repo.engine.url
    where = url.render_as_string(hide_password=True)
    on_disk = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if on_disk and not Path(str(url.database)).is_file():
        return f"there is no catalog store at {where}"
    try:
        repo.revision()
    except Exception as err:  # any driver's error: the store is unreachable or not migrated
        return f"the catalog store at {where} cannot be read ({str(err).splitlines()[0]})"
    return None


def _say(message: str) -> None:
    print(f"caliber mcp: {message}", file=sys.stderr)

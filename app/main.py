"""The Caliber REST service: `create_app(settings)` builds the FastAPI app.

    uvicorn --factory app.main:create_app        # what `caliber serve` runs

Routers translate HTTP to calls of `catalog/` and back; errors leave as `application/problem+json`
(`app.problems`); bodies over `max_body_bytes` are refused before they are read (`app.limits`). AI agents
reach the same catalog over MCP at `/mcp`, behind the same auth (`app.mcp_http`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from app import mcp_http, problems, web
from app.current import CurrentCatalog
from app.heavy import HeavyJobs
from app.limits import BodyLimit
from app.monitoring import RequestContext
from app.response_cache import ResponseCache
from app.routers import (
    audit,
    catalog_objects,
    compile,
    conflicts,
    explain,
    health,
    lint,
    metrics,
    monitors,
    prometheus,
    publish,
    query,
    reviews,
    tokens,
)
from app.settings import Settings
from app.startup import prepare
from app.warehouse import Warehouse
from catalog.store.repository import Repository

log = logging.getLogger("caliber.app")

DESCRIPTION = """\
One agreed definition per metric (its caliber, 统计口径), versioned, and compiled to SQL for every engine.

Reads are open unless the server sets `CALIBER_OPEN_READS=false`; writes need `Authorization: Bearer <token>`
of a user whose roles (viewer, analyst, owner, admin, each granted per namespace) allow them
(`caliber user grant`, `caliber token create --user NAME`); a malformed `Authorization` header is a 401, never
anonymous. Every error is an RFC 9457 problem (`application/problem+json`)
whose `errors` carry stable codes, locations and hints.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app on `settings` (default: read from `CALIBER_*` environment variables)."""
    settings = settings or Settings()
    repo = Repository.from_url(settings.database_url, settings.allowed_schemas)
    # Opened on first use: `prepare` writes the demo warehouse on first start.
    warehouse = (
        Warehouse(settings.warehouse_path, settings.query_timeout_seconds, settings.query_max_rows)
        if settings.warehouse_path is not None
        else None
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.prepare_on_start:
            for line in await run_in_threadpool(prepare, repo, settings):
                log.info(line)
        async with mcp_http.running(_app):
            yield
        if warehouse is not None:
            warehouse.close()
        repo.engine.dispose()

    # /docs and /redoc with Swagger UI and ReDoc served by the service itself: the pages work offline.
    app = FastAPIOffline(
        title="Caliber",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[{"name": name, "description": text} for name, text in TAGS],
        static_url=DOCS_ASSETS,
        favicon_url="/favicon.ico",
        # No badge from the public validator service: the page makes no request outside the service.
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.settings = settings
    app.state.repo = repo
    app.state.warehouse = warehouse
    app.state.heavy = HeavyJobs(settings.heavy_jobs)
    app.state.current = current = CurrentCatalog(repo)
    problems.install(app)
    # Added last, so outermost: an oversized body is refused before the cache reads it.
    app.add_middleware(ResponseCache, current=current, open_reads=settings.open_reads)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # Outermost: a request's id and its time cover everything, cached answers and refusals included.
    app.add_middleware(RequestContext, access_log=settings.access_log)
    modules = (
        health,
        prometheus,
        reviews,
        metrics,
        catalog_objects,
        compile,
        query,
        explain,
        monitors,
        conflicts,
        lint,
        publish,
        audit,
        tokens,
    )
    for module in modules:
        app.include_router(module.router)
    web.install(app)
    mcp_http.install(app)
    return app


DOCS_ASSETS = "/static/docs"

TAGS = (
    ("metrics", "Search metrics, read one with its versions, compare versions, deprecate."),
    ("compile", "Turn a metric query into one SELECT for a SQL dialect."),
    ("query", "Run a metric query on the service's warehouse and get its rows."),
    ("catalog", "Dimensions, sources and conflicts of the current catalog."),
    ("monitors", "Monitors (预警): their state and history."),
    ("lint", "Check definitions without storing them."),
    ("publish", "Store a bundle of definitions as new versions."),
    ("reviews", "Changes waiting for an owner: approve or reject them; a metric's lineage."),
    ("audit", "Who changed what (admin)."),
    ("tokens", "List and revoke tokens (admin)."),
    ("health", "Liveness and Prometheus metrics."),
)

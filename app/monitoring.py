"""What the service does, seen from outside: Prometheus metrics and JSON log lines carrying request ids.

`RequestContext` is the outermost middleware. Each HTTP request gets an id — the client's `X-Request-ID` when
it is sane (1–128 characters of letters, digits and `-._:`), else a new one — echoed in the response's
`X-Request-ID` and attached to every log line written while the request runs (a context variable read by
`RequestIdFilter`). It times the request into `caliber_http_request_duration_seconds`, labelled by the route
template (`/v1/metrics/{key}`, never the raw path, so the label set stays bounded) and the status.

`GET /metrics` (`app.routers.prometheus`) renders the registry. With several workers (`caliber serve --workers
N`) each process writes its samples to `PROMETHEUS_MULTIPROC_DIR`, which `caliber serve` creates, and the
endpoint sums them over the workers (prometheus_client's multiprocess mode).

    app.add_middleware(RequestContext, access_log=settings.access_log)
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import request_id
from catalog import compile as compiler

REQUEST_ID_HEADER = b"x-request-id"
_SANE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

# Bounds in seconds: a cached answer takes tens of microseconds, a compile about a millisecond, a warehouse
# query up to the timeout.
_FAST = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_SLOW = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)

REQUEST_SECONDS = Histogram(
    "caliber_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route template.",
    ("method", "route", "status"),
    buckets=_FAST,
)
COMPILES = Counter(
    "caliber_compiles_total",
    "Metric query compiles by how they were answered: `cached` (the same request's SQL kept), `shape` "
    "(a kept plan of the same query shape with new values) or `compiled` (from scratch).",
    ("outcome",),
)
WAREHOUSE_SECONDS = Histogram(
    "caliber_warehouse_query_duration_seconds",
    "Time the warehouse took to run a compiled query and return its rows, by outcome.",
    ("outcome",),
    buckets=_SLOW,
)
_COMPILE_OUTCOMES = {name: COMPILES.labels(name) for name in compiler.OUTCOMES}
compiler.observe(lambda outcome: _COMPILE_OUTCOMES[outcome].inc())

log = logging.getLogger("caliber.access")


def exposition() -> bytes:
    """The text format of every metric, summed over the workers in multiprocess mode."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()


class RequestContext:
    def __init__(self, app: ASGIApp, access_log: bool = False) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _given_id(scope) or uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        echoed = (REQUEST_ID_HEADER, rid.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), echoed]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(elapsed)
            if self.access_log:
                log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 3),
                    },
                )
            request_id.reset(token)


def _given_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER:
            return value.decode("ascii") if _SANE_ID.fullmatch(value) else None
    return None


def _route_template(scope: Scope) -> str:
    """The template of the route that answered (the response cache hands a hit the route of its first
    answer). Anything unmatched (a 404) is one label, whatever its path."""
    return str(getattr(scope.get("route"), "path", "unmatched"))

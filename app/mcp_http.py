"""The MCP server (`app.mcp_server`) over streamable HTTP at `/mcp` of the service, behind the REST API's auth.

Every request passes the same gate as a REST route before the MCP transport sees it: the `Authorization`
header read strictly (`app.auth`), the token looked up on every request (`app.deps`), and the `read` action
of the role table checked, so with closed reads an anonymous caller gets a 401 problem and nothing else;
and a browser request from a page that this machine does not serve is a 403 (DNS rebinding).
Each tool then checks its own action (`compile`, `query`) against the caller the gate found, which reaches
the tool through a context variable: the SDK runs each message in the context of the HTTP request that
carried it.

The transport is stateless with JSON answers: any worker of `caliber serve --workers N` can answer any
request, and a token revoked between two calls fails on the next one.

    app = FastAPI(lifespan=...)      # whose lifespan enters `running(app)`
    install(app)                     # POST /mcp
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

from fastapi import FastAPI
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth import bearer_token, unauthorized
from app.deps import check_action, token_holder
from app.mcp_server import Backend, build_server
from app.problems import ApiProblem, problem_response
from app.settings import Settings
from catalog.issues import Location, issue
from catalog.store.records import Caller
from catalog.store.repository import Repository

PATH = "/mcp"
LOOPBACK = ("localhost", "127.0.0.1", "::1")
_CALLER: ContextVar[Caller | None] = ContextVar("caliber_mcp_caller")


async def http_caller() -> Caller | None:
    """The caller the gate authenticated for the HTTP request that carried this message."""
    try:
        return _CALLER.get()
    except LookupError:
        # Fail closed: a message that did not pass the gate has no caller, not an anonymous one.
        raise unauthorized("this call did not come through the authenticated /mcp endpoint") from None


class Gate:
    """The ASGI endpoint at `/mcp`: authenticate like a REST route, then hand over to the MCP transport."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        state = request.app.state
        transport: ASGIApp | None = getattr(state, "mcp_transport", None)
        if transport is None:
            raise RuntimeError("the MCP endpoint is served only while the app's lifespan runs")
        repo: Repository = state.repo
        settings: Settings = state.settings
        try:
            _same_machine_page(request.headers.get("origin"))
            who = await token_holder(repo, bearer_token(request.headers.getlist("authorization")))
            check_action("read", who, settings)
        except ApiProblem as problem:
            response = problem_response(
                request, problem.status, problem.title, problem.issues, problem.headers
            )
            await response(scope, receive, send)
            return
        _CALLER.set(who)
        await transport(scope, receive, send)


def _same_machine_page(origin: str | None) -> None:
    """Refuse a browser request from a page that is not served by this machine (403, H011).

    MCP asks servers to check `Origin` against DNS rebinding: a page of `evil.example` whose name is made to
    point at this server would otherwise call it with the visitor's network position. Agents send no
    `Origin`; a local browser tool (an inspector on localhost) is let through.

    >>> _same_machine_page(None), _same_machine_page("http://localhost:6274")
    (None, None)
    """
    if origin is None:
        return
    try:
        if urlsplit(origin).hostname in LOOPBACK:
            return
    except ValueError:  # not a URL at all: refused like a foreign one
        pass
    raise ApiProblem(
        403,
        "Forbidden origin",
        [
            issue(
                "H011",
                f"requests from pages of {origin} may not use the MCP endpoint",
                Location("header.origin"),
                "call /mcp from an agent or a server (they send no Origin header), or from a page on localhost",
            )
        ],
    )


def install(app: FastAPI) -> None:
    """Route `POST /mcp` to the gate (left out of the OpenAPI document: it speaks MCP, not REST).

    GET and DELETE are 405 (H009), which MCP allows: a stateless server has no stream of its own to open and
    no session to end.
    """
    app.router.routes.append(Route(PATH, Gate(), methods=["POST"], include_in_schema=False))


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[None]:
    """Serve `/mcp` while this runs (inside the app's lifespan): a new MCP server and transport each time, as
    the SDK's session manager runs only once."""
    settings: Settings = app.state.settings
    server = build_server(
        Backend(app.state.repo, settings, app.state.current, app.state.warehouse, http_caller)
    )
    # The gate checks Origin itself: the SDK's guard would also pin the Host header to names this process
    # cannot know (it is reached by whatever name the deployment gives it).
    server.streamable_http_app(
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    app.state.mcp_transport = server.session_manager.handle_request
    try:
        async with server.session_manager.run():
            yield
    finally:
        app.state.mcp_transport = None

"""Dependencies of the routers, as `Annotated` aliases: the store, the current catalog, settings and auth.

    @router.post("/publish")
    def publish(body: PublishBody, repo: RepoDep, who: Publisher) -> PublishPublic: ...

Each alias checks one action of `catalog.store.roles.ACTIONS` (the table docs/service.md shows): reads are
open unless `CALIBER_OPEN_READS=false`; everything else needs `Authorization: Bearer <token>` of a user whose
grants allow it (a scoped action in at least one namespace here; the route checks the namespaces it touches
with `require`). A token that is sent must be valid even where none is needed, and a malformed header is a 401
(`app.auth`), so a client never believes it is authenticated when it is not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from app.auth import bearer_scheme, unauthorized
from app.current import CurrentCatalog
from app.heavy import HeavyJobs
from app.problems import ApiProblem
from app.response_cache import REVISION
from app.settings import Settings
from catalog.issues import issue
from catalog.lint import LintResult
from catalog.model import Catalog
from catalog.store.records import Caller
from catalog.store.repository import Repository
from catalog.store.roles import ActionName, action, roles_for


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_repo(request: Request) -> Repository:
    repo: Repository = request.app.state.repo
    return repo


async def get_heavy(request: Request) -> HeavyJobs:
    heavy: HeavyJobs = request.app.state.heavy
    return heavy


async def get_current(request: Request) -> LintResult:
    """The catalog of the current versions with its issues, for the revision read after the request arrived.

    Async, so a request whose revision's catalog is already in memory costs no thread hop.
    """
    current: CurrentCatalog = request.app.state.current
    return await current.get(request.scope.get(REVISION))


async def get_catalog(current: Annotated[LintResult, Depends(get_current)]) -> Catalog:
    return current.catalog


@dataclass(frozen=True, slots=True)
class ReadContext:
    """What a read route needs, resolved as one dependency: FastAPI solves each dependency of a request
    anew, and a read route used to take four."""

    repo: Repository
    current: LintResult
    who: Caller | None
    heavy: HeavyJobs
    """Where the route runs CPU-heavy work (`app.heavy`)."""

    @property
    def catalog(self) -> Catalog:
        return self.current.catalog


SettingsDep = Annotated[Settings, Depends(get_settings)]
RepoDep = Annotated[Repository, Depends(get_repo)]
HeavyDep = Annotated[HeavyJobs, Depends(get_heavy)]
CurrentDep = Annotated[LintResult, Depends(get_current)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]


async def _principal(
    repo: RepoDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller | None:
    # Async so an anonymous read costs no thread hop; only a presented token is looked up (in a thread),
    # on every request: a revoked token fails at once, whatever any cache holds.
    if credentials is None:
        return None
    record = await run_in_threadpool(repo.verify_token, credentials.credentials)
    if record is None:
        raise unauthorized("the bearer token is unknown or revoked")
    return record


Principal = Annotated[Caller | None, Depends(_principal)]


def _check(name: ActionName, who: Caller | None, settings: Settings) -> Caller | None:
    """`who` when it may do the action `name` (a scoped action: in some namespace); else a 401 (anonymous)
    or a 403 (a user whose grants do not allow it)."""
    wanted = action(name)
    if wanted.may(who.grants if who else None, None, settings.open_reads):
        return who
    if who is None:
        if wanted.open:
            raise unauthorized("reads need a bearer token on this server (CALIBER_OPEN_READS=false)")
        raise unauthorized(f"{name} needs a bearer token")
    raise forbidden(who, name)


def forbidden(who: Caller, name: ActionName, namespace: str | None = None) -> ApiProblem:
    """403 H006: `who` may not do `name` (in `namespace`); the hint names the roles that may."""
    where = f" in {namespace}" if namespace else ""
    scope = "every namespace (`*`)" if action(name).scope == "global" else (namespace or "the namespace")
    held = who.role_in(namespace) or "no role"
    return ApiProblem(
        403,
        "Forbidden",
        [
            issue(
                "H006",
                f"{who.name} ({held}{where}) may not {name}{where}",
                hint=f"needs the role {' or '.join(roles_for(name))} in {scope}",
            )
        ],
    )


async def token_holder(repo: Repository, token: str | None) -> Caller | None:
    """The holder of `token` (None: anonymous), looked up as every route looks it up; a 401 when it is unknown
    or revoked. For callers that are not FastAPI routes, such as the MCP server (`app.mcp_server`)."""
    credentials = None if token is None else HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    return await _principal(repo, credentials)


def check_action(name: ActionName, who: Caller | None, settings: Settings) -> Caller | None:
    """`who` when it may do the action `name`; else the 401 or 403 `ApiProblem` a route would answer.

    >>> check_action("read", None, Settings(open_reads=True)) is None
    True
    """
    return _check(name, who, settings)


def require(who: Caller, name: ActionName, namespace: str) -> None:
    """Raise the 403 of `forbidden` unless `who` may do `name` in `namespace`."""
    if not who.may(name, namespace):
        raise forbidden(who, name, namespace)


def _caller(name: ActionName) -> Callable[[Caller | None, Settings], Awaitable[Caller | None]]:
    async def allowed(who: Principal, settings: SettingsDep) -> Caller | None:
        return _check(name, who, settings)

    return allowed


def _holder(name: ActionName) -> Callable[[Caller | None, Settings], Awaitable[Caller]]:
    if action(name).open:
        raise ValueError(f"{name} is open to anonymous callers: use _caller")

    async def allowed(who: Principal, settings: SettingsDep) -> Caller:
        checked = _check(name, who, settings)
        assert checked is not None  # an action that is not open refuses anonymous callers
        return checked

    return allowed


def _reading(name: ActionName) -> Callable[[Request], Awaitable[ReadContext]]:
    async def read_context(request: Request) -> ReadContext:
        # The bearer scheme is called here rather than declared as a sub-dependency, which FastAPI would
        # solve anew on every request, a noticeable share of a compile request; `READ_SECURITY` documents it
        # instead. Access is checked before the catalog is fetched: a refused request costs no store read.
        repo: Repository = request.app.state.repo
        who = await _principal(repo, await bearer_scheme(request))
        checked = _check(name, who, request.app.state.settings)
        return ReadContext(repo, await get_current(request), checked, request.app.state.heavy)

    return read_context


Read = Annotated[ReadContext, Depends(_reading("read"))]
"""The store, the current catalog and the caller of a read route (reads may need a token)."""
Compiling = Annotated[ReadContext, Depends(_reading("compile"))]
Querying = Annotated[ReadContext, Depends(_reading("query"))]

READ_SECURITY: dict[str, Any] = {"security": [{bearer_scheme.scheme_name: []}]}
"""`openapi_extra` of a route taking `Read`: what FastAPI would write for the bearer sub-dependency."""


async def _monitor(who: Principal, settings: SettingsDep) -> Caller | None:
    return who if settings.metrics_public else _check("observe", who, settings)


Monitor = Annotated[Caller | None, Depends(_monitor)]
"""May read `/metrics`: everyone when `CALIBER_METRICS_PUBLIC=true`, else an admin."""
Reader = Annotated[Caller | None, Depends(_caller("read"))]
Linter = Annotated[Caller | None, Depends(_caller("lint"))]
Publisher = Annotated[Caller, Depends(_holder("publish"))]
Deprecator = Annotated[Caller, Depends(_holder("deprecate"))]
Approver = Annotated[Caller, Depends(_holder("approve"))]
Auditor = Annotated[Caller, Depends(_holder("audit"))]
TokenAdmin = Annotated[Caller, Depends(_holder("tokens"))]

"""Dependencies of the routers, as `Annotated` aliases: the store, the current catalog, settings and auth.

    @router.post("/publish")
    def publish(body: PublishBody, repo: RepoDep, who: Writer) -> PublishPublic: ...

Reads are open unless `CALIBER_OPEN_READS=false`; writes need `Authorization: Bearer <token>` of a role that
may do them (analyst: publish, deprecate; admin: also audit). A token that is sent must be valid even where
none is needed, so a client never believes it is authenticated when it is not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from app.current import CurrentCatalog
from app.heavy import HeavyJobs
from app.problems import ApiProblem
from app.response_cache import REVISION
from app.settings import Settings
from catalog.issues import issue
from catalog.lint import LintResult
from catalog.model import Catalog
from catalog.store.records import Role, TokenRecord
from catalog.store.repository import Repository

_bearer = HTTPBearer(
    auto_error=False, description="A token from `caliber token create --role analyst|admin`."
)


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
    anew (~30 us apiece), and a read route used to take four."""

    repo: Repository
    current: LintResult
    who: TokenRecord | None
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
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TokenRecord | None:
    # Async so an anonymous read costs no thread hop; only a presented token is looked up (in a thread).
    if credentials is None:
        return None
    record = await run_in_threadpool(repo.verify_token, credentials.credentials)
    if record is None:
        raise _unauthorized("the bearer token is unknown or revoked")
    return record


Principal = Annotated[TokenRecord | None, Depends(_principal)]


def _unauthorized(message: str) -> ApiProblem:
    return ApiProblem(
        401,
        "Authentication required",
        [
            issue(
                "H005",
                message,
                hint="send Authorization: Bearer <token> (create one with `caliber token create`)",
            )
        ],
        headers={"WWW-Authenticate": "Bearer"},
    )


def _require(*roles: Role) -> Callable[[TokenRecord | None], Awaitable[TokenRecord]]:
    async def check(who: Principal) -> TokenRecord:
        if who is None:
            raise _unauthorized("this operation needs a bearer token")
        if who.role not in roles:
            raise ApiProblem(
                403,
                "Forbidden",
                [
                    issue(
                        "H006",
                        f"a {who.role} token may not do this",
                        hint=f"use a token of role {' or '.join(roles)}",
                    )
                ],
            )
        return who

    return check


async def _read_access(who: Principal, settings: SettingsDep) -> TokenRecord | None:
    if who is None and not settings.open_reads:
        raise _unauthorized("reads need a bearer token on this server (CALIBER_OPEN_READS=false)")
    return who


Reader = Annotated[TokenRecord | None, Depends(_read_access)]


async def _read_context(request: Request) -> ReadContext:
    # The bearer scheme is called here rather than declared as a sub-dependency, which FastAPI would solve
    # anew on every request (~0.1 ms, a tenth of a compile request); `READ_SECURITY` documents it instead.
    # Access is checked before the catalog is fetched: a refused request costs no store read.
    repo: Repository = request.app.state.repo
    who = await _read_access(await _principal(repo, await _bearer(request)), request.app.state.settings)
    return ReadContext(repo, await get_current(request), who, request.app.state.heavy)


Read = Annotated[ReadContext, Depends(_read_context)]
"""The store, the current catalog and the caller of a read route (reads may need a token)."""

READ_SECURITY = {"security": [{_bearer.scheme_name: []}]}
"""`openapi_extra` of a route taking `Read`: what FastAPI would write for the bearer sub-dependency."""

Writer = Annotated[TokenRecord, Depends(_require("analyst", "admin"))]
Admin = Annotated[TokenRecord, Depends(_require("admin"))]

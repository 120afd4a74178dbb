"""The `Authorization` header, read strictly: absent means anonymous, `Bearer <token>` names a token, and
anything else is a 401, never anonymous.

A client that sends `Basic …`, a bare `Bearer` or a token without its scheme believes it is authenticated;
answering it as anonymous would hide its mistake (and, with open reads, serve it as if all were well).

    >>> bearer_token(["Bearer cal_abc"]), bearer_token([])
    ('cal_abc', None)
    >>> bearer_token(["Basic dXNlcjpwYXNz"])
    Traceback (most recent call last):
    app.problems.ApiProblem: Authentication required
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from app.problems import ApiProblem
from catalog.issues import Location, issue
from catalog.store.roles import ROLES

HINT = "send `Authorization: Bearer <token>` (create one with `caliber token create`)"
# RFC 6750 2.1: the scheme (case-insensitive, RFC 9110 11.1), one or more spaces, one b64token.
_BEARER = re.compile(r"(?i:bearer) +([A-Za-z0-9\-._~+/]+=*)")
_SCHEME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def unauthorized(message: str, header: bool = False) -> ApiProblem:
    """401 with `WWW-Authenticate: Bearer`; `header`: the header that was sent is at fault."""
    where = Location("header.authorization") if header else Location()
    return ApiProblem(
        401, "Authentication required", [issue("H005", message, where, HINT)], {"WWW-Authenticate": "Bearer"}
    )


def bearer_token(values: Sequence[str]) -> str | None:
    """The token of the `Authorization` header values of a request; None when there is none.

    Raises a 401 `ApiProblem` for any header that is not exactly one `Bearer <token>`.
    """
    if not values:
        return None
    if len(values) > 1:
        raise unauthorized(f"{len(values)} Authorization headers were sent; send one", header=True)
    found = _BEARER.fullmatch(values[0].strip())
    if found is None:
        raise unauthorized(_fault(values[0].strip()), header=True)
    return found.group(1)


def _fault(value: str) -> str:
    """What is wrong with an `Authorization` value that is not `Bearer <token>`."""
    scheme, _, rest = value.partition(" ")
    if not value:
        return "the Authorization header is empty"
    if scheme.lower() == "bearer":
        if not rest.strip():
            return "the Authorization header has no token after Bearer"
        return "the Authorization header must hold one token after Bearer (letters, digits, -._~+/)"
    if rest and _SCHEME.fullmatch(scheme) and len(scheme) <= 40:
        return f"the Authorization header uses the {scheme} scheme; this service takes Bearer tokens"
    return "the Authorization header is not `Bearer <token>`"


class StrictBearer(HTTPBearer):
    """FastAPI's bearer scheme (so OpenAPI declares it), reading the header with `bearer_token`."""

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        token = bearer_token(request.headers.getlist("authorization"))
        return None if token is None else HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)


bearer_scheme = StrictBearer(
    scheme_name="HTTPBearer",
    auto_error=False,
    description=f"A token from `caliber token create --user NAME`; its user's roles: {', '.join(ROLES)}.",
)

"""Every error the service returns is an RFC 9457 problem (`application/problem+json`) carrying coded issues.

One family of exception handlers, installed by `install(app)`, maps what the layers below raise — coded
`Issue`s from the compiler and the store, request validation, unknown paths, oversized bodies — to the same
shape, so a client handles one format:

    {"type": "urn:caliber:problem:E001", "title": "Unknown metric", "status": 404,
     "detail": "no metric `gmvv`", "instance": "/v1/compile",
     "errors": [{"code": "E001", "level": "error", "message": "no metric `gmvv`", "location": "",
                 "hint": "did you mean finance.gmv?"}]}
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.routing import Match

from catalog.compile.result import CompileError
from catalog.issues import CODES, Issue, Level, Location, issue
from catalog.store.records import PublishConflict, PublishRejected, Refused

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("caliber.app")

_CODE_OF_STATUS = {400: "H002", 401: "H005", 403: "H006", 404: "H004", 405: "H009", 409: "H007", 413: "H003"}


class ProblemError(BaseModel):
    code: str = Field(examples=["E001"])
    level: str = Field(examples=["error"])
    message: str = Field(examples=["no metric `gmvv`"])
    location: str = Field(examples=["sales/orders.yaml:12:5"], description="file:line:col, or a request part")
    hint: str = Field(examples=["did you mean finance.gmv?"])


class Problem(BaseModel):
    """An RFC 9457 problem document with the issues that explain it."""

    type: str = Field(examples=["urn:caliber:problem:E001"])
    title: str = Field(examples=["Unknown metric"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["no metric `gmvv`"])
    instance: str = Field(examples=["/v1/compile"])
    errors: list[ProblemError] = Field(default_factory=list)


class ApiProblem(Exception):
    """Raised by routers and dependencies: an HTTP status and the issues that explain it."""

    def __init__(
        self, status: int, title: str, issues: Sequence[Issue], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.issues = tuple(issues)
        self.headers = headers


def close_names(name: str, candidates: Iterable[str], limit: int = 5) -> list[str]:
    """Candidates spelled like `name`, comparing qualified keys and their bare names.

    >>> close_names("gmvv", ["finance.gmv", "sales.orders", "growth.signups"])
    ['finance.gmv']
    """
    keys = list(candidates)
    by_bare: dict[str, list[str]] = {}
    for key in keys:
        by_bare.setdefault(key.rsplit(".", 1)[-1], []).append(key)
    found = difflib.get_close_matches(name, keys, n=limit, cutoff=0.6)
    for bare in difflib.get_close_matches(name.rsplit(".", 1)[-1], list(by_bare), n=limit, cutoff=0.6):
        found.extend(k for k in by_bare[bare] if k not in found)
    return found[:limit]


def did_you_mean(names: Sequence[str]) -> str:
    return f"did you mean {', '.join(names)}?" if names else ""


def not_found(kind: str, name: str, candidates: Iterable[str]) -> ApiProblem:
    """404 for an unknown object, naming the close ones."""
    hint = did_you_mean(close_names(name, candidates)) or f"list them with GET /v1/{kind}s"
    return ApiProblem(404, f"Unknown {kind}", [issue("H004", f"no {kind} `{name}`", hint=hint)])


def problem(status: int, title: str, issues: Sequence[Issue], instance: str) -> Problem:
    """The problem document; its `type` and `detail` come from the first error among the issues."""
    errors = [
        ProblemError(
            code=i.code, level=i.level.value, message=i.message, location=_where(i.location), hint=i.hint
        )
        for i in issues
    ]
    lead = next((i for i in issues if i.level is Level.ERROR), issues[0] if issues else None)
    return Problem(
        type=f"urn:caliber:problem:{lead.code if lead else 'H500'}",
        title=title,
        status=status,
        detail=lead.message if lead else title,
        instance=instance,
        errors=errors,
    )


def problem_response(
    request: Request, status: int, title: str, issues: Sequence[Issue], headers: dict[str, str] | None = None
) -> JSONResponse:
    body = problem(status, title, issues, request.url.path)
    return JSONResponse(body.model_dump(), status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _where(location: Location) -> str:
    if not location.file:
        return ""
    return str(location) if location.line else location.file


async def _api_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return problem_response(request, exc.status, exc.title, exc.issues, exc.headers)


async def _compile_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CompileError)
    issues = list(exc.issues)
    # An unknown metric is a missing resource; every other compile error is a query the client must fix.
    unknown_metric = any(i.code == "E001" for i in issues)
    return problem_response(
        request,
        404 if unknown_metric else 422,
        "Unknown metric" if unknown_metric else "Query cannot be compiled",
        issues,
    )


async def _publish_rejected(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PublishRejected)
    return problem_response(request, 422, "Definitions rejected", list(exc.issues))


async def _refused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refused)
    return problem_response(request, exc.status, exc.title, list(exc.issues))


async def _publish_conflict(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        request,
        409,
        "Conflicting publish",
        [
            issue(
                "H007",
                str(exc) or "another publish changed the catalog meanwhile",
                hint="fetch the current versions and publish again",
            )
        ],
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors: list[dict[str, Any]] = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = next(e for e in errors if e.get("type") == "json_invalid")
        reason = (detail.get("ctx") or {}).get("error", "invalid JSON")
        return problem_response(
            request,
            400,
            "Malformed JSON",
            [
                issue(
                    "H002",
                    f"body is not valid JSON: {reason}",
                    Location("body"),
                    "send a JSON document with Content-Type: application/json",
                )
            ],
        )
    issues = [
        issue("H001", _message(e), Location(".".join(str(p) for p in e.get("loc", ()))), _hint(e))
        for e in errors[:50]
    ]
    return problem_response(request, 422, "Invalid request", issues)


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        return f"unknown field `{error['loc'][-1]}`"
    return str(error.get("msg", "invalid value"))


def _hint(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        return "remove it; the request schema is in /openapi.json"
    if error.get("type") == "missing":
        return "add it; the request schema is in /openapi.json"
    return ""


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405:
        # Starlette names the methods of the first route on the path only (`/v1/compile` has a GET and a POST).
        allow = ", ".join(allowed_methods(request))
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": allow})
        headers = {**(headers or {}), "Allow": allow}
    code = _CODE_OF_STATUS.get(exc.status_code, "H001")
    detail = exc.detail if isinstance(exc.detail, str) else CODES[code][1]
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.method} {request.url.path}"
    return problem_response(
        request,
        exc.status_code,
        CODES[code][1].capitalize(),
        [issue(code, detail, hint="see /docs for the API")],
        headers,
    )


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on the request's path, and OPTIONS (answered here)."""
    routes = request.app.router.routes
    answered = {
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    }
    return sorted({"OPTIONS", *answered})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        request,
        500,
        "Internal server error",
        [
            issue(
                "H500",
                f"unexpected {type(exc).__name__}",
                hint="this is a bug in Caliber; the server log has the trace",
            )
        ],
    )


def install(app: FastAPI) -> None:
    """Register the handlers; the catch-all turns any unexpected exception into a 500 problem."""
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(CompileError, _compile_error)
    app.add_exception_handler(PublishRejected, _publish_rejected)
    app.add_exception_handler(PublishConflict, _publish_conflict)
    app.add_exception_handler(Refused, _refused)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    app.openapi = _openapi_with_problem(app)  # type: ignore[method-assign]


_STATUS_TEXT = {
    400: "Malformed JSON",
    401: "No token, or an invalid one",
    403: "The token's role may not do this",
    404: "Unknown object (with the close names)",
    409: "Concurrent change; retry",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid request",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` documenting problem bodies for `statuses` (422 is always possible)."""
    schema = {"schema": {"$ref": "#/components/schemas/Problem"}}
    return {
        status: {"description": _STATUS_TEXT[status], "content": {PROBLEM_JSON: schema}}
        for status in sorted({*statuses, 422})
    }


def _openapi_with_problem(app: FastAPI) -> Callable[[], dict[str, Any]]:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(problem_schema.pop("$defs", {}))
            schemas["Problem"] = problem_schema
            # FastAPI documents its own 422 shape, which this service never sends: point it at Problem.
            for operation in (op for path in document.get("paths", {}).values() for op in path.values()):
                if "422" in operation.get("responses", {}):
                    operation["responses"]["422"] = {
                        "description": _STATUS_TEXT[422],
                        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                    }
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
            app.openapi_schema = document
        return app.openapi_schema

    return openapi

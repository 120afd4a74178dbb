"""`POST /v1/lint`: definitions in, the diagnostics `POST /v1/publish` would give out. Nothing is stored.

The bundle is linted over the published catalog, as publish checks it: a file may use published sources,
dimensions and metrics without carrying them, and a change that breaks a published definition is reported
at the bundle's line that breaks it. Linting is CPU work that grows with the body, so it runs as a heavy
job in a worker thread (`app.heavy`), where it cannot stall the other requests of the worker; with
`CALIBER_ALLOWED_SCHEMAS` set, source tables outside them are refused (S008).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from app.deps import HeavyDep, Linter, RepoDep
from app.problems import ApiProblem, problem_responses
from app.routers.query import service_warehouse
from app.schemas import EXAMPLE_FILES, FileBundle, FileName, IssuePublic
from app.warehouse import Warehouse, WarehouseError
from catalog.connect import ConnectError, TableColumns
from catalog.issues import Location, issue
from catalog.model import LintResult
from catalog.warehouse_check import check_with, locate_in_texts

router = APIRouter(prefix="/v1/lint", tags=["lint"])
log = logging.getLogger("caliber.app")

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")


class LintReport(BaseModel):
    ok: bool = Field(description="No errors (warnings allowed).", examples=[False])
    errors: int = Field(examples=[1])
    warnings: int = Field(examples=[0])
    files: int = Field(examples=[1])
    metrics: int = Field(description="Metrics of the bundle that resolved.", examples=[1])
    issues: list[IssuePublic]


_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": FileBundle.model_json_schema(), "example": {"files": EXAMPLE_FILES}},
        **{
            kind: {"schema": {"type": "string"}, "example": next(iter(EXAMPLE_FILES.values()))}
            for kind in ("application/yaml", "text/yaml", "text/plain")
        },
    },
}


@router.post(
    "",
    response_model=LintReport,
    responses=problem_responses(400, 401, 404, 413, 415),
    openapi_extra={"requestBody": _BODY},
)
async def lint(
    request: Request,
    repo: RepoDep,
    _who: Linter,
    heavy: HeavyDep,
    file: Annotated[
        FileName,
        Query(
            description="Path of a raw YAML body; its folder is the namespace.",
            examples=["growth/acquisition.yaml"],
        ),
    ] = "default/input.yaml",
    warehouse: Annotated[
        bool,
        Query(description="Also check tables, columns and their types against the service's warehouse."),
    ] = False,
) -> LintReport:
    """Lint a bundle `{"files": {"growth/x.yaml": "..."}}` (JSON) or one raw YAML document (`text/yaml`)
    over the published catalog.

    With `warehouse=true`, the definitions are also checked against the service's warehouse, read-only
    (codes D001–D007, as `caliber lint --warehouse`); 404 when the service has no warehouse.
    """
    store = service_warehouse(request) if warehouse else None
    files = await _files(request, file)
    result = await heavy.run(repo.check, files)
    if store is not None:
        result = await heavy.run(_against_warehouse, result, store, files)
    errors = len(result.errors)
    return LintReport(
        ok=result.ok,
        errors=errors,
        warnings=len(result.issues) - errors,
        files=len(result.files),
        metrics=sum(1 for m in result.catalog.metrics.values() if m.location.file in files),
        issues=[IssuePublic.of(i) for i in result.issues],
    )


def _against_warehouse(result: LintResult, warehouse: Warehouse, files: dict[str, str]) -> LintResult:
    def columns(tables: list[str]) -> dict[str, TableColumns | None]:
        try:
            return warehouse.columns(tables)
        except WarehouseError:
            # The error names a path on the server: it goes to the operator's log, not to the client.
            log.exception("lint against the warehouse: the warehouse cannot be read")
            raise ConnectError(
                "the service's warehouse cannot be read",
                "the service's operator should check CALIBER_WAREHOUSE_PATH",
            ) from None

    return check_with(result, columns, locate_in_texts(files), Location("warehouse"))


async def _files(request: Request, file: str) -> dict[str, str]:
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    body = await request.body()
    if media == "application/json" or media.endswith("+json"):
        try:
            return FileBundle.model_validate_json(body).files
        except ValidationError as err:
            raise RequestValidationError(_as_body_errors(err)) from err
    if media in YAML_TYPES:
        try:
            return {file: body.decode("utf-8")}
        except UnicodeDecodeError as err:
            not_utf8 = issue("H001", f"body is not UTF-8 ({err.reason})", Location("body"), "send UTF-8")
            raise ApiProblem(422, "Invalid request", [not_utf8]) from err
    raise ApiProblem(
        415,
        "Unsupported media type",
        [
            issue(
                "H001",
                f"cannot lint a {media} body",
                Location("header.content-type"),
                'send application/json ({"files": {...}}) or text/yaml',
            )
        ],
    )


def _as_body_errors(err: ValidationError) -> list[dict[str, object]]:
    # Same shape as FastAPI's own body errors, so the problem handler treats both alike.
    return [
        {**e, "loc": ("body", *e["loc"])} if e["type"] != "json_invalid" else {**e, "loc": ("body",)}
        for e in err.errors(include_url=False)
    ]

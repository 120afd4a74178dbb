"""The operators' web catalog: server-rendered pages over the same store and compiler as the REST API.

    GET /                       search box, counts by AARRR stage and namespace, first page of matches
    GET /m/{namespace}/{name}   one metric (`?v=3` a version, `?dialect=hive` the SQL of another engine)
    GET /conflicts              every open conflict and duplicate across teams
    GET /lang/{code}?next=/...  remember the language in a cookie and go back
    GET /favicon.ico            the icon

Pages work without JavaScript; `static/web.js` only swaps the SQL in place and adds a copy button. The
language comes from `?lang=`, then the `caliber_lang` cookie, then `Accept-Language`, else Chinese.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup, escape

from app.deps import Reader, RepoDep
from app.web import pages
from app.web.freshness import WebState
from app.web.i18n import COOKIE, Lang, choose_language, normalize, translator
from app.web.preview import recent_values
from app.web.view_models import CatalogView
from catalog.search import STAGES
from catalog.store.repository import Repository

HERE = Path(__file__).resolve().parent
STATIC_URL = "/static/web"
PAGE_SIZE = 50
COOKIE_MAX_AGE = 365 * 24 * 3600

router = APIRouter(include_in_schema=False)
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
# Content hashes in asset URLs: a new stylesheet is fetched at once, an unchanged one stays cached.
_ASSET_VERSIONS = {
    p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10] for p in (HERE / "static").iterdir()
}
_env.globals["asset"] = lambda name: f"{STATIC_URL}/{name}?v={_ASSET_VERSIONS[name]}"
_CODE_SPAN = re.compile(r"`([^`]+)`")


def code_spans(text: str) -> Markup:
    """Messages write SQL and field names in backquotes: show those as code, everything else escaped.

    >>> code_spans("filter `a < 1` only in <b>")
    Markup('filter <code>a &lt; 1</code> only in &lt;b&gt;')
    """
    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", str(escape(text))))


_env.filters["code_spans"] = code_spans

Text = Annotated[str, Query(max_length=200)]


def install(app: FastAPI) -> None:
    """Serve the pages and their assets from `app` (nothing is loaded from outside the service)."""
    app.state.web = WebState()
    app.include_router(router)
    app.mount(STATIC_URL, StaticFiles(directory=HERE / "static"), name="web-static")


def _view(request: Request, repo: Repository) -> CatalogView:
    state: WebState = request.app.state.web
    return state.view(repo)


def _language(request: Request) -> Lang:
    return choose_language(
        request.query_params.get("lang"), request.cookies.get(COOKIE), request.headers.get("accept-language")
    )


def _render(request: Request, template: str, page: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = _language(request)
    here = request.url.path + (f"?{q}" if (q := _without(request, "lang")) else "")
    html = _env.get_template(template).render(t=translator(lang), lang=lang, page=page, here=here, **context)
    response = HTMLResponse(html, status_code=status)
    asked = normalize(request.query_params.get("lang"))
    if asked:
        _remember(response, asked)
    return response


def _without(request: Request, name: str) -> str:
    return urlencode([(k, v) for k, v in request.query_params.multi_items() if k != name])


def _remember(response: Response, lang: Lang) -> None:
    response.set_cookie(COOKIE, lang, max_age=COOKIE_MAX_AGE, samesite="lax", httponly=True)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """The icon browsers ask for on their own; the pages and /docs link to it too."""
    return FileResponse(HERE / "static" / "favicon.ico", media_type="image/x-icon")


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    repo: RepoDep,
    _reader: Reader,
    q: Text = "",
    stage: Text = "",
    namespace: Text = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    view = _view(request, repo)
    stage_filter = stage if stage in STAGES else ""
    results = view.search(q, stage_filter or None, namespace or None, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    return _render(
        request,
        "home.html",
        "home",
        q=q,
        stage=stage_filter,
        team=namespace,
        results=results,
        page_number=page,
        stage_counts=view.stage_counts,
        namespace_counts=view.namespace_counts,
        flagged=view.flagged,
        url=_home_url(q=q, stage=stage_filter, namespace=namespace, page=page),
    )


def _home_url(**current: str | int) -> Callable[..., str]:
    """`url(stage="revenue", page=None)`: this page's address with some parameters changed or dropped."""

    def url(**changes: str | int | None) -> str:
        params = {**current, **changes}
        if params.get("page") == 1:
            params["page"] = None
        query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
        return f"/?{query}" if query else "/"

    return url


@router.get("/m/{namespace}/{name}", response_class=HTMLResponse)
def metric_page(
    request: Request,
    namespace: str,
    name: str,
    repo: RepoDep,
    _reader: Reader,
    v: Annotated[int | None, Query(ge=1, le=1_000_000_000)] = None,
    dialect: Text = pages.DEFAULT_DIALECT,
) -> HTMLResponse:
    key = f"{namespace}.{name}"
    view = _view(request, repo)
    lang = _language(request)
    found = pages.metric_page(repo, view, key, v, dialect, lang, translator(lang))
    if isinstance(found, str):
        return _render(request, "not_found.html", "metric", status=404, message=found)
    current = v is None or v == found["m"].current_version
    preview = recent_values(request.app.state.warehouse, view.catalog, found["m"].key) if current else None
    return _render(request, "metric.html", "metric", preview=preview, **found)


@router.get("/conflicts", response_class=HTMLResponse)
def conflicts(request: Request, repo: RepoDep, _reader: Reader) -> HTMLResponse:
    view = _view(request, repo)
    lang = _language(request)
    findings = pages.findings(view, None, lang, translator(lang))
    counts = {kind: sum(f.kind == kind for f in findings) for kind in ("conflict", "duplicate")}
    return _render(
        request, "conflicts.html", "conflicts", findings=findings, counts=counts, error=view.findings_error
    )


def _local_path(target: str) -> bool:
    """A path on this site only: browsers read `//host`, `/\\host` and `/<tab>/host` as another site."""
    return (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(c.isspace() or ord(c) < 32 for c in target)
    )


@router.get("/lang/{code}")
def set_language(code: str, next: Text = "/") -> RedirectResponse:
    """Remember `code` for this browser and return to `next` (a path on this site only)."""
    target = next if _local_path(next) else "/"
    response = RedirectResponse(target, status_code=303)
    lang = normalize(code)
    if lang:
        _remember(response, lang)
    return response

"""The review UI: one page per fact, server-rendered, driven from the keyboard.

Pages are Jinja2 templates with autoescaping on (PDF text is untrusted input), the only script is
``static/review.js`` (keyboard shortcuts), and a strict Content-Security-Policy forbids anything
inline. Filters travel in the query string, so after each decision the next fact of the same
filtered queue opens.

:func:`create_app` only wires things together: the routes live in routers by concern
(``routes_auth``, ``routes_queue``, ``routes_facts``), which take the app's settings, the
signed-in curator and checked ids as dependencies (:mod:`pipeline.web.deps`). In front of every
route, requests for a host name the server does not answer to are refused: a page on another
site that points a name of its own at 127.0.0.1 (DNS rebinding) gets nothing, and browser routes
answer bad input with an HTML error page, never a traceback or raw JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from extractors.atomic import remove_stale_partials
from pipeline.web import routes_auth, routes_facts, routes_queue, routes_rows
from pipeline.web.auth import LoginThrottle, Signer
from pipeline.web.deps import Forbidden, LoginRequired, WebConfig, signed_in
from pipeline.web.pages import HERE, error_page, make_templates

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # "no-referrer" makes Chrome send `Origin: null`
}
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def create_app(
    token: str, database_url: str, data_dir: Path, allowed_hosts: Iterable[str] = ()
) -> FastAPI:
    """The review app for one database; ``token`` is the secret that grants access (at least
    16 characters). It answers requests for the loopback names and ``allowed_hosts`` only."""
    config = WebConfig(
        signer=Signer(token),
        database_url=database_url,
        regions_dir=data_dir / "regions",
        templates=make_templates(),
        allowed_hosts=LOOPBACK_HOSTS | {h.strip().lower().strip("[]") for h in allowed_hosts},
        throttle=LoginThrottle(),
    )
    remove_stale_partials(config.regions_dir)  # page pictures a killed server left half-written
    app = FastAPI(title="ctrends review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = config
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.middleware("http")(_guard)
    _handle_errors(app)
    for router in (
        routes_auth.router,
        routes_queue.router,
        routes_facts.router,
        routes_rows.router,
    ):
        app.include_router(router)
    return app


def request_host(request: Request) -> str:
    """The host name a request was sent to, without its port (``[::1]:8765`` -> ``::1``)."""
    host = request.headers.get("host", "").strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def _guard(request: Request, call_next: Any) -> Response:
    config: WebConfig = request.app.state.web
    if request_host(request) not in config.allowed_hosts:
        response: Response = HTMLResponse(
            "unknown host: this server answers to its own address only (see ctrends web "
            "--allow-host)",
            status_code=421,
        )
    else:
        response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.url.path.startswith("/static/"):  # pages hold decisions: never cached
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _handle_errors(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(_request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?{urlencode({'next': exc.next_url})}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(_request: Request, _exc: Forbidden) -> Response:
        return HTMLResponse("forbidden: reload the page and try again", status_code=403)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        """A malformed path id names no fact (404); a malformed query value is 422."""
        in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        if in_path:
            return _error(request, "no such fact", 404)
        fields = sorted({str(e.get("loc", ("", "?"))[-1]) for e in exc.errors()})
        return _error(request, f"invalid {', '.join(fields)} in the address", 422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = "no such page" if exc.status_code == 404 else str(exc.detail)
        return _error(request, message, exc.status_code, getattr(exc, "headers", None))


def _error(
    request: Request, message: str, status: int, headers: dict[str, str] | None = None
) -> Response:
    """The error page, with the header's filters and log-out only for a signed-in curator."""
    config: WebConfig = request.app.state.web
    try:
        session = signed_in(request, config)
    except LoginRequired:
        session = None
    response = error_page(config, request, session, message, status_code=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response

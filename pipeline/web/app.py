"""The review UI: one page per fact, server-rendered, driven from the keyboard.

Pages are Jinja2 templates with autoescaping on (PDF text is untrusted input), the only script is
``static/review.js`` (keyboard shortcuts), and a strict Content-Security-Policy forbids anything
inline. All decisions go through :mod:`pipeline.review`, so the browser and the command line
write the same audit trail. Filters travel in the query string, so after each decision the next
fact of the same filtered queue opens.
"""

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from db.models import Fact
from db.session import session_scope
from extractors.facts import BENCHMARKS, KINDS
from pipeline import review
from pipeline.display import fact_value
from pipeline.errors import UserError
from pipeline.web.auth import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    Signer,
    WebSession,
    csrf_matches,
    new_nonce,
    same_origin,
)
from pipeline.web.evidence import highlight
from pipeline.web.regions import RegionUnavailable, region_png

HERE = Path(__file__).parent
FILTER_KEYS = ("status", "benchmark", "kind", "paper")
QUEUE_PAGE_LIMIT = 500
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # "no-referrer" makes Chrome send `Origin: null`
}
ACTIONS = ("accept", "reject", "edit", "keep", "undo")


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class Forbidden(Exception):
    """A state-changing request without this session's CSRF token or from another origin."""


def create_app(token: str, database_url: str, data_dir: Path) -> FastAPI:
    """The review app for one database; ``token`` is the secret that grants access."""
    signer = Signer(token)
    regions_dir = data_dir / "regions"
    templates = Jinja2Templates(
        env=Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True),
        )
    )
    templates.env.filters["paper_label"] = review.paper_label
    templates.env.globals["fact_value"] = fact_value
    app = FastAPI(title="ctrends review", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):  # pages hold decisions: never cached
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(_request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?{urlencode({'next': exc.next_url})}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(_request: Request, _exc: Forbidden) -> Response:
        return HTMLResponse("forbidden: reload the page and try again", status_code=403)

    def signed_in(request: Request) -> WebSession:
        session = signer.read(request.cookies.get(SESSION_COOKIE))
        if session is None:
            query = request.url.query
            raise LoginRequired(request.url.path + (f"?{query}" if query else ""))
        return session

    def posted_by_ui(
        request: Request,
        session: Annotated[WebSession, Depends(signed_in)],
        csrf: Annotated[str, Form()] = "",
    ) -> WebSession:
        if not same_origin(request) or not csrf_matches(session.csrf, csrf):
            raise Forbidden
        return session

    def page(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    @app.get("/login")
    def login_form(request: Request, next: str = "/queue") -> Response:
        return _login_page(page, request, next, error=None)

    @app.post("/login")
    def login(
        request: Request,
        token: Annotated[str, Form()] = "",
        reviewer: Annotated[str, Form()] = "",
        nonce: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/queue",
    ) -> Response:
        login_nonce = request.cookies.get(LOGIN_COOKIE, "")
        if not same_origin(request) or not login_nonce or not csrf_matches(login_nonce, nonce):
            raise Forbidden
        if not signer.token_matches(token):
            return _login_page(page, request, next, error="wrong token", status_code=401)
        name = reviewer.strip()
        if not name or len(name) > 128:
            return _login_page(page, request, next, error="your name, please", status_code=400)
        _, cookie = signer.new_session(name)
        response = RedirectResponse(_local(next), status_code=303)
        response.set_cookie(
            SESSION_COOKIE, cookie, max_age=SESSION_SECONDS, httponly=True, samesite="strict"
        )
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @app.post("/logout")
    def logout(_session: Annotated[WebSession, Depends(posted_by_ui)]) -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/")
    def home() -> Response:
        return RedirectResponse("/queue", status_code=303)

    @app.get("/queue")
    def queue_page(
        request: Request, session: Annotated[WebSession, Depends(signed_in)]
    ) -> Response:
        filters = _filters(request)
        with session_scope(database_url) as db:
            try:
                where = review.QueueFilter(**filters)
            except UserError as exc:
                return _error_page(page, request, session, str(exc))
            ranking = review.ranked(db, where)
            return page(
                request,
                "queue.html",
                session=session,
                entries=review.entries(db, ranking[:QUEUE_PAGE_LIMIT]),
                total=len(ranking),
                last=_last_decided(db, request),
                **_filter_context(filters),
            )

    @app.get("/facts/{fact_id}")
    def fact_page(
        request: Request, fact_id: int, session: Annotated[WebSession, Depends(signed_in)]
    ) -> Response:
        with session_scope(database_url) as db:
            return _fact_page(page, request, db, session, fact_id)

    @app.get("/facts/{fact_id}/region.png")
    def fact_region(fact_id: int, _session: Annotated[WebSession, Depends(signed_in)]) -> Response:
        with session_scope(database_url) as db:
            fact = db.get(Fact, fact_id)
            if fact is None:
                return Response("no such fact", status_code=404, media_type="text/plain")
            paper = fact.paper
            try:
                png = region_png(
                    paper.pdf_path, fact.page, fact.bbox, regions_dir, paper.pdf_sha256
                )
            except RegionUnavailable as exc:
                return Response(str(exc), status_code=404, media_type="text/plain")
        return Response(png, media_type="image/png", headers={"Cache-Control": "private"})

    @app.post("/facts/{fact_id}/{action}")
    def decide(
        request: Request,
        fact_id: int,
        action: str,
        session: Annotated[WebSession, Depends(posted_by_ui)],
        value: Annotated[str, Form()] = "",
        unit: Annotated[str, Form()] = "",
        note: Annotated[str, Form()] = "",
    ) -> Response:
        if action not in ACTIONS:
            return Response("unknown action", status_code=404, media_type="text/plain")
        filters = _filters(request)
        with session_scope(database_url) as db:
            try:
                where = review.QueueFilter(**filters)
                ids = [fact_id for fact_id, _ in review.ranked(db, where)]
                _apply(db, action, fact_id, session.reviewer, value, unit, note)
            except UserError as exc:
                db.rollback()
                return _fact_page(page, request, db, session, fact_id, error=str(exc))
        query = urlencode({**{k: v for k, v in filters.items() if v}, "last": fact_id})
        if action == "undo":
            return RedirectResponse(f"/facts/{fact_id}?{query}", status_code=303)
        following = _after(ids, fact_id)
        target = f"/facts/{following}" if following is not None else "/queue"
        return RedirectResponse(f"{target}?{query}", status_code=303)

    return app


def _apply(
    db: Session, action: str, fact_id: int, reviewer: str, value: str, unit: str, note: str
) -> None:
    if action == "edit":
        review.edit(db, fact_id, reviewer, value, unit or None, note=note)
    else:
        decide = {
            "accept": review.accept,
            "reject": review.reject,
            "keep": review.keep,
            "undo": review.undo,
        }[action]
        decide(db, fact_id, reviewer, note=note)


def _after(ids: list[int], fact_id: int) -> int | None:
    """The fact to open once ``fact_id`` is decided: its successor, else the queue's head."""
    if fact_id in ids:
        position = ids.index(fact_id)
        rest = ids[position + 1 :] or ids[:position]
        return rest[0] if rest else None
    return ids[0] if ids else None


def _fact_page(
    page: Any,
    request: Request,
    db: Session,
    session: WebSession,
    fact_id: int,
    error: str | None = None,
) -> Response:
    filters = _filters(request)
    try:
        where = review.QueueFilter(**filters)
        fact = review.get_fact(db, fact_id)
    except UserError as exc:
        return _error_page(page, request, session, str(exc), status_code=404)
    ids = [fact_id for fact_id, _ in review.ranked(db, where)]
    position = ids.index(fact_id) if fact_id in ids else None
    if position is None:
        previous_id, next_id = None, (ids[0] if ids else None)
    else:
        previous_id = ids[position - 1] if position > 0 else None
        next_id = ids[position + 1] if position + 1 < len(ids) else None
    others = sorted(fact.paper.facts, key=lambda f: (f.page or 0, f.kind, f.id))
    return page(
        request,
        "fact.html",
        status_code=400 if error else 200,
        session=session,
        fact=fact,
        paper=fact.paper,
        evidence=highlight(fact.evidence, fact.value),
        proposed=fact.proposed if fact.needs_rereview else None,
        others=others,
        events=fact.events,
        position=position,
        total=len(ids),
        previous_id=previous_id,
        next_id=next_id,
        error=error,
        last=_last_decided(db, request),
        **_filter_context(filters),
    )


def _filters(request: Request) -> dict[str, str]:
    values = {k: request.query_params.get(k, "").strip() for k in FILTER_KEYS}
    return {"status": values["status"] or "open"} | {
        k: v for k, v in values.items() if k != "status" and v
    }


def _filter_context(filters: dict[str, str]) -> dict[str, Any]:
    active = {k: v for k, v in filters.items() if v}
    return {
        "filters": active,
        "query": urlencode(active),
        "status_choices": review.STATUS_FILTERS,
        "benchmark_choices": BENCHMARKS,
        "kind_choices": KINDS,
    }


def _last_decided(db: Session, request: Request) -> Fact | None:
    """The fact decided just before this page, for the "undo" reminder (``?last=ID``)."""
    last = request.query_params.get("last", "")
    return db.get(Fact, int(last)) if last.isdigit() else None


def _login_page(
    page: Any, request: Request, next_url: str, error: str | None, status_code: int = 200
) -> Response:
    nonce = new_nonce()
    response: Response = page(
        request,
        "login.html",
        status_code=status_code,
        nonce=nonce,
        next=_local(next_url),
        error=error,
    )
    response.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, httponly=True, samesite="strict")
    return response


def _error_page(
    page: Any, request: Request, session: WebSession, message: str, status_code: int = 400
) -> Response:
    return page(
        request,
        "error.html",
        status_code=status_code,
        session=session,
        message=message,
        **_filter_context({"status": "open"}),
    )


def _local(url: str) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else "/queue"

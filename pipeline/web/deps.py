"""What every route of the review UI depends on: the app's settings, the signed-in curator, a
form posted by the UI itself, and ids that are checked before they reach the database.

Routers (``routes_*.py``) declare these as FastAPI dependencies; :func:`pipeline.web.app.
create_app` puts one :class:`WebConfig` on ``app.state``, so a router needs no closure over it
and a new router (say, for model rows) is one module using the same dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.templating import Jinja2Templates

from pipeline.web.auth import (
    SESSION_COOKIE,
    LoginThrottle,
    Signer,
    WebSession,
    csrf_matches,
    same_origin,
)

# Ids are 64-bit at most on every engine (SQLite raises OverflowError beyond): a larger one in a
# path or query cannot name a fact, so it is refused before any query runs.
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class WebConfig:
    """One review app's settings (see ``create_app``)."""

    signer: Signer
    database_url: str
    regions_dir: Path
    templates: Jinja2Templates
    allowed_hosts: frozenset[str]
    throttle: LoginThrottle


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class Forbidden(Exception):
    """A state-changing request without this session's CSRF token or from another origin."""


def web_config(request: Request) -> WebConfig:
    config: WebConfig = request.app.state.web
    return config


Config = Annotated[WebConfig, Depends(web_config)]


def signed_in(request: Request, config: Config) -> WebSession:
    session = config.signer.read(request.cookies.get(SESSION_COOKIE))
    if session is None:
        query = request.url.query
        raise LoginRequired(request.url.path + (f"?{query}" if query else ""))
    return session


SignedIn = Annotated[WebSession, Depends(signed_in)]


def posted_by_ui(
    request: Request, session: SignedIn, csrf: Annotated[str, Form()] = ""
) -> WebSession:
    if not same_origin(request) or not csrf_matches(session.csrf, csrf):
        raise Forbidden
    return session


PostedByUi = Annotated[WebSession, Depends(posted_by_ui)]
FactId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
RowId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
# ``?last=ID``: the fact decided just before this page (for the "undo" reminder)
LastId = Annotated[int | None, Query(ge=1, le=MAX_ID)]

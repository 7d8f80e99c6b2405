"""Logging in and out of the review UI (see :mod:`pipeline.web.auth`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from pipeline.web.auth import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    csrf_matches,
    new_nonce,
    same_origin,
)
from pipeline.web.deps import Config, Forbidden, PostedByUi, WebConfig
from pipeline.web.pages import local, page

router = APIRouter()


@router.get("/login")
def login_form(request: Request, config: Config, next: str = "/queue") -> Response:
    return _login_page(config, request, next, error=None)


@router.post("/login")
def login(
    request: Request,
    config: Config,
    token: Annotated[str, Form()] = "",
    reviewer: Annotated[str, Form()] = "",
    nonce: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/queue",
) -> Response:
    login_nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not same_origin(request) or not login_nonce or not csrf_matches(login_nonce, nonce):
        raise Forbidden
    client = request.client.host if request.client else "unknown"
    wait = config.throttle.retry_after(client)
    if wait > 0:  # not even checked: a guess during the lockout tells nothing
        response = _login_page(
            config, request, next, error=f"too many wrong tokens: wait {wait:.0f} s", status=429
        )
        response.headers["Retry-After"] = str(max(1, round(wait)))
        return response
    if not config.signer.token_matches(token):
        config.throttle.failed(client)
        return _login_page(config, request, next, error="wrong token", status=401)
    config.throttle.succeeded(client)
    name = reviewer.strip()
    if not name or len(name) > 128:
        return _login_page(config, request, next, error="your name, please", status=400)
    _, cookie = config.signer.new_session(name)
    response = RedirectResponse(local(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, cookie, max_age=SESSION_SECONDS, httponly=True, samesite="strict"
    )
    response.delete_cookie(LOGIN_COOKIE)
    return response


@router.post("/logout")
def logout(config: Config, session: PostedByUi) -> Response:
    config.signer.revoke(session)  # a copy of the cookie stops working too
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _login_page(
    config: WebConfig, request: Request, next_url: str, error: str | None, status: int = 200
) -> Response:
    nonce = new_nonce()
    response = page(
        config,
        request,
        "login.html",
        status_code=status,
        nonce=nonce,
        next=local(next_url),
        error=error,
    )
    response.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, httponly=True, samesite="strict")
    return response

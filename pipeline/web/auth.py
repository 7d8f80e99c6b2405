"""Who may use the review UI, and proof that a form was posted by the UI itself.

Access needs the server's token (``CTRENDS_WEB_TOKEN``, or one generated at start-up). Logging in
with it and a reviewer name sets a session cookie: an HMAC-signed payload carrying the reviewer
and a random CSRF secret. The signing key is derived from the token, so changing the token ends
every session. The cookie is ``HttpOnly`` and ``SameSite=Strict``; on top of that every
state-changing request must carry the session's CSRF secret in a form field (synchronizer token)
and, when the browser sends an ``Origin``, come from this server's own origin.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from starlette.requests import Request

SESSION_COOKIE = "ctrends_session"
LOGIN_COOKIE = "ctrends_login"  # CSRF nonce for the login form itself
SESSION_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class WebSession:
    reviewer: str
    csrf: str
    issued: int


class Signer:
    """Signs and verifies session cookies with a key derived from the access token."""

    def __init__(self, token: str) -> None:
        self.token = token
        self._key = hmac.new(token.encode(), b"ctrends-web-session", hashlib.sha256).digest()

    def token_matches(self, candidate: str) -> bool:
        return hmac.compare_digest(candidate.encode(), self.token.encode())

    def new_session(self, reviewer: str) -> tuple[WebSession, str]:
        session = WebSession(reviewer, new_nonce(), int(time.time()))
        payload = json.dumps({"r": session.reviewer, "c": session.csrf, "t": session.issued})
        body = base64.urlsafe_b64encode(payload.encode()).decode()
        return session, f"{body}.{self._sign(body)}"

    def read(self, cookie: str | None) -> WebSession | None:
        """The session a cookie carries, or None when it is absent, forged or expired."""
        if not cookie or "." not in cookie:
            return None
        body, signature = cookie.rsplit(".", 1)
        if not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(body.encode()))
            session = WebSession(str(data["r"]), str(data["c"]), int(data["t"]))
        except (ValueError, KeyError, TypeError):
            return None
        if time.time() - session.issued > SESSION_SECONDS:
            return None
        return session

    def _sign(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def csrf_matches(expected: str, submitted: str | None) -> bool:
    return submitted is not None and hmac.compare_digest(expected.encode(), submitted.encode())


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site's page."""
    origin = request.headers.get("origin")
    if origin is None:  # not every client sends one; the CSRF token is checked regardless
        return True
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")

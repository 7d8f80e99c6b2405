"""Who may use the review UI, and proof that a form was posted by the UI itself.

Access needs the server's token (``CTRENDS_WEB_TOKEN`` of at least ``MIN_TOKEN_CHARS``
characters, or a random one generated at start-up). Logging in with it and a reviewer name sets
a session cookie: an HMAC-signed payload carrying the reviewer and a random CSRF secret, which
also names the session in the server's registry. Logging out removes it there, so the cookie
stops working at once (a copy of it too); a restart ends every session. The signing key is
derived from the token, so changing the token ends every session as well. The cookie is
``HttpOnly`` and ``SameSite=Strict``; on top of that every state-changing request must carry the
session's CSRF secret in a form field (synchronizer token) and, when the browser sends an
``Origin``, come from this server's own origin.

Guessing the token is slowed down: from the ``FREE_FAILURES``-th wrong token from one client
address on, each further attempt must wait out a delay that doubles per failure (1 s, 2 s, 4 s
... up to ``MAX_LOCKOUT_SECONDS``); attempts during the wait are refused unchecked (429). A
2-character token once fell in 667 tries, 3 s.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from pipeline.errors import UserError

SESSION_COOKIE = "ctrends_session"
LOGIN_COOKIE = "ctrends_login"  # CSRF nonce for the login form itself
SESSION_SECONDS = 7 * 24 * 3600
MIN_TOKEN_CHARS = 16
GENERATED_TOKEN_BYTES = 32  # 43 URL-safe characters, 256 bits
FREE_FAILURES = 5
FIRST_LOCKOUT_SECONDS = 1.0
MAX_LOCKOUT_SECONDS = 900.0
MAX_TRACKED_CLIENTS = 10_000


def generate_token() -> str:
    return secrets.token_urlsafe(GENERATED_TOKEN_BYTES)


def check_token(token: str) -> str:
    """The access token, if it is strong enough to face guessing; a one-line error if not."""
    if len(token) < MIN_TOKEN_CHARS:
        raise UserError(
            f"CTRENDS_WEB_TOKEN is {len(token)} characters long; use at least "
            f"{MIN_TOKEN_CHARS} (or unset it and ctrends web generates a random one)"
        )
    return token


@dataclass(frozen=True)
class WebSession:
    reviewer: str
    csrf: str
    issued: int


class Signer:
    """Signs and verifies session cookies with a key derived from the access token."""

    def __init__(self, token: str) -> None:
        self.token = check_token(token)
        self._key = hmac.new(token.encode(), b"ctrends-web-session", hashlib.sha256).digest()
        self._live: dict[str, int] = {}  # CSRF secret (the session's name) -> issued
        self._lock = threading.Lock()

    def token_matches(self, candidate: str) -> bool:
        return hmac.compare_digest(candidate.encode(), self.token.encode())

    def new_session(self, reviewer: str) -> tuple[WebSession, str]:
        session = WebSession(reviewer, new_nonce(), int(time.time()))
        with self._lock:
            self._forget_expired()
            self._live[session.csrf] = session.issued
        payload = json.dumps({"r": session.reviewer, "c": session.csrf, "t": session.issued})
        body = base64.urlsafe_b64encode(payload.encode()).decode()
        return session, f"{body}.{self._sign(body)}"

    def revoke(self, session: WebSession) -> None:
        """Log ``session`` out: its cookie is refused from now on."""
        with self._lock:
            self._live.pop(session.csrf, None)

    def _forget_expired(self) -> None:
        cutoff = time.time() - SESSION_SECONDS
        for name in [n for n, issued in self._live.items() if issued < cutoff]:
            del self._live[name]

    def read(self, cookie: str | None) -> WebSession | None:
        """The session a cookie carries, or None when it is absent, forged, expired or logged
        out."""
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
        with self._lock:
            if self._live.get(session.csrf) != session.issued:
                return None
        return session

    def _sign(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()


class LoginThrottle:
    """Wrong-token attempts per client address, with a doubling lockout after a few."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._failures: dict[str, tuple[int, float]] = {}  # address -> (count, locked until)
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> float:
        """Seconds ``client`` must wait before its next attempt is checked (0: go ahead)."""
        with self._lock:
            _, until = self._failures.get(client, (0, 0.0))
        return max(0.0, until - self.clock())

    def failed(self, client: str) -> None:
        with self._lock:
            if len(self._failures) >= MAX_TRACKED_CLIENTS:  # a flood of addresses: forget idle
                now = self.clock()
                self._failures = {k: v for k, v in self._failures.items() if v[1] > now}
            count = self._failures.get(client, (0, 0.0))[0] + 1
            delay = 0.0
            if count >= FREE_FAILURES:
                extra = min(count - FREE_FAILURES, 30)
                delay = min(MAX_LOCKOUT_SECONDS, FIRST_LOCKOUT_SECONDS * 2.0**extra)
            self._failures[client] = (count, self.clock() + delay)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


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

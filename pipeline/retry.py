"""The one HTTP retry policy: exponential backoff with jitter, honouring ``Retry-After``.

Every request to arXiv (the API feed and PDF downloads) retries through this module, so a
transient fault costs at most ``retries + 1`` attempts, counted once, with one backoff setting.
Prefect does not retry these again on top (``pipeline.flows``): that multiplied into up to 15
attempts. A server that says how long to wait (``Retry-After`` on 429/503) is believed, up to
``max_pause``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from pipeline import interrupt

log = logging.getLogger(__name__)

TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504})


class TransientHTTPError(Exception):
    """A transient HTTP status (429, 5xx), with the server's ``Retry-After`` in seconds if any."""

    def __init__(self, url: str, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status} for {url}")
        self.status = status
        self.retry_after = retry_after


class RetriesExhausted(Exception):
    """Every attempt failed; ``attempts`` were made and ``__cause__`` is the last fault."""

    def __init__(self, what: str, attempts: int, last: BaseException) -> None:
        super().__init__(f"{what}: {attempts} attempts failed, the last with {describe(last)}")
        self.attempts = attempts


def describe(exc: BaseException) -> str:
    """A fault in one short line (an exception's text may hold a whole page of HTML)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) < 160 else text[:157] + "..."


def retry_after_seconds(
    headers: Mapping[str, str], now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110); None if absent or
    unreadable."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """``retries`` retries after the first attempt; the n-th waits ``backoff * 2**(n-1)`` times
    a random factor in [1 - jitter, 1 + jitter] (so clients that failed together do not come
    back together), or the server's ``Retry-After``; never more than ``max_pause``."""

    retries: int
    backoff: float
    jitter: float = 0.5
    max_pause: float = 300.0
    sleep: Callable[[float], None] = field(default=interrupt.sleep, compare=False)
    rand: Callable[[], float] = field(default=random.random, compare=False)

    def pause(self, retry: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_pause)
        spread = 1.0 + self.jitter * (2.0 * self.rand() - 1.0)
        return min(self.backoff * 2 ** (retry - 1) * spread, self.max_pause)

    def attempts(self, what: str) -> Attempts:
        """A counter for one operation (one URL, one position in a result set)."""
        return Attempts(self, what)


class Attempts:
    """Counts one operation's failed attempts: :meth:`failed` waits before the next attempt,
    or raises :class:`RetriesExhausted` once ``retries + 1`` attempts have failed."""

    def __init__(self, policy: RetryPolicy, what: str) -> None:
        self.policy = policy
        self.what = what
        self.failures = 0

    def failed(self, exc: BaseException) -> None:
        self.failures += 1
        if self.failures > self.policy.retries:
            raise RetriesExhausted(self.what, self.failures, exc) from exc
        pause = self.policy.pause(self.failures, getattr(exc, "retry_after", None))
        log.warning(
            "%s failed (%s); retry %d/%d in %.1f s",
            self.what,
            describe(exc),
            self.failures,
            self.policy.retries,
            pause,
        )
        self.policy.sleep(pause)

    def succeeded(self) -> None:
        """Progress was made: the next fault starts a fresh count."""
        self.failures = 0

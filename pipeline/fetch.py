"""Fetch: get a paper's PDF into the content-addressed cache under the data directory.

Files are named by their SHA-256, written to a temporary file in the same directory and renamed
into place only when complete and checked (:func:`extractors.atomic.write_incoming`), so a crash
or a dropped connection can never leave a half-written PDF where a later run would pick it up.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

import requests

from extractors.atomic import write_incoming
from pipeline.errors import UserError
from pipeline.retry import (
    TRANSIENT_STATUS,
    RetriesExhausted,
    RetryPolicy,
    TransientHTTPError,
    retry_after_seconds,
)

log = logging.getLogger(__name__)

USER_AGENT = "compute-trends/0.1 (literature mining for AI compute trends; polite: 1 req / 3 s)"


class FetchError(UserError):
    """A PDF could not be fetched or is not a PDF; recorded on the paper, the run goes on."""


class RateLimiter:
    """At most one request every ``delay`` seconds (arXiv's terms of use ask for 3 s)."""

    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.delay = delay
        self._clock = clock
        self._last: float | None = None

    def wait(self) -> None:
        if self._last is not None:
            remaining = self.delay - (self._clock() - self._last)
            if remaining > 0:
                time.sleep(remaining)
        self._last = self._clock()


class PdfCache:
    """``<root>/<sha[:2]>/<sha>.pdf``: one file per distinct PDF, however many papers share it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.pdf"

    def add_chunks(self, chunks: Iterable[bytes], max_bytes: int) -> tuple[Path, str]:
        """Write ``chunks`` atomically into the cache; returns (path, sha256)."""
        digest = hashlib.sha256()

        def write(out: IO[bytes]) -> None:
            size = 0
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"PDF larger than the limit of {max_bytes} bytes")
                digest.update(chunk)
                out.write(chunk)

        def place(tmp: Path) -> Path:
            _check_pdf_header(tmp)
            return self.path_for(digest.hexdigest())

        final = write_incoming(self.root, write, place)
        return final, digest.hexdigest()

    def add_file(self, source: Path, max_bytes: int) -> tuple[Path, str]:
        """Copy a local PDF into the cache (the original may move; the cache keeps what we read)."""
        if not source.is_file():
            raise FetchError(f"{source} is not a file")
        if source.stat().st_size > max_bytes:
            raise FetchError(f"{source.name}: larger than the limit of {max_bytes} bytes")
        with source.open("rb") as handle:
            return self.add_chunks(iter(lambda: handle.read(1 << 20), b""), max_bytes)


def _check_pdf_header(path: Path) -> None:
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        kind = "empty file" if not head else "not a PDF (no %PDF- header)"
        raise FetchError(kind)


class PdfDownloader:
    """Download PDFs politely: one shared rate limit, timeouts, and the one retry policy
    (``pipeline.retry``) on transient faults (connection errors, 429 and 5xx), none on
    permanent ones (404, not a PDF).
    """

    def __init__(
        self,
        cache: PdfCache,
        limiter: RateLimiter,
        *,
        policy: RetryPolicy,
        max_bytes: int,
        timeout: float = 60.0,
        session: requests.Session | None = None,
    ) -> None:
        self.cache = cache
        self.limiter = limiter
        self.policy = policy
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def download(self, url: str) -> tuple[Path, str]:
        attempts = self.policy.attempts(f"download {url}")
        while True:
            self.limiter.wait()
            try:
                return self._attempt(url)
            except (TransientHTTPError, requests.ConnectionError, requests.Timeout) as exc:
                fault: Exception = exc
            except requests.exceptions.ChunkedEncodingError as exc:
                fault = ConnectionError(f"connection dropped mid-download: {exc}")
            try:
                attempts.failed(fault)
            except RetriesExhausted as exc:
                raise FetchError(f"gave up on {url}: {exc}") from fault

    def _attempt(self, url: str) -> tuple[Path, str]:
        with self.session.get(url, stream=True, timeout=self.timeout) as resp:
            if resp.status_code in TRANSIENT_STATUS:
                raise TransientHTTPError(url, resp.status_code, retry_after_seconds(resp.headers))
            if resp.status_code != 200:
                raise FetchError(f"HTTP {resp.status_code} for {url}")
            return self.cache.add_chunks(resp.iter_content(1 << 16), self.max_bytes)

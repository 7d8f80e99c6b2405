"""One HTTP retry policy (``pipeline.retry``) for arXiv feed pages and PDF downloads: attempts
counted once (retries + 1 in all, also under Prefect), backoff with jitter, Retry-After believed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.fetch import FetchError, PdfCache, PdfDownloader, RateLimiter
from pipeline.retry import RetryPolicy, TransientHTTPError, retry_after_seconds
from pipeline.sources.arxiv_api import ArxivGaveUp, ArxivSearch
from tests.support.fake_arxiv import Entry, FakeArxiv
from tests.support.pdfgen import make_pdf

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    server = FakeArxiv().start()
    server.entries = [
        Entry(f"2405.0000{n}", 1, f"Paper {n}", NOW, NOW + timedelta(minutes=n), make_pdf([["x"]]))
        for n in range(1, 4)
    ]
    yield server
    server.stop()


def _policy(sleeps: list[float], retries: int = 3) -> RetryPolicy:
    return RetryPolicy(retries, backoff=0.5, sleep=sleeps.append, rand=lambda: 1.0)


def _search(fake: FakeArxiv, policy: RetryPolicy) -> ArxivSearch:
    return ArxivSearch(fake.api_url, page_size=2, delay=0.0, policy=policy, timeout=5.0)


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    low = RetryPolicy(5, backoff=2.0, jitter=0.5, max_pause=10.0, rand=lambda: 0.0)
    high = RetryPolicy(5, backoff=2.0, jitter=0.5, max_pause=10.0, rand=lambda: 1.0)
    assert [low.pause(n) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert [high.pause(n) for n in (1, 2, 3)] == [3.0, 6.0, 10.0]
    assert high.pause(1, retry_after=7.0) == 7.0 and high.pause(1, retry_after=900.0) == 10.0


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    assert retry_after_seconds({"Retry-After": "120"}) == 120.0
    date = {"Retry-After": "Sat, 01 Jun 2024 12:00:30 GMT"}
    assert retry_after_seconds(date, now=lambda: NOW) == 30.0
    assert retry_after_seconds({}) is None and retry_after_seconds({"Retry-After": "soon"}) is None


def test_the_feed_believes_retry_after_on_429_and_503(fake: FakeArxiv) -> None:
    fake.api_faults.extend(["429:7", None, "503:2"])
    sleeps: list[float] = []
    records = list(_search(fake, _policy(sleeps)).records("all:imagenet"))
    assert [r.arxiv_id for r in records] == ["2405.00001", "2405.00002", "2405.00003"]
    assert sleeps == [7.0, 2.0]


def test_the_feed_makes_retries_plus_one_attempts_then_gives_up(fake: FakeArxiv) -> None:
    fake.api_faults.extend(["503"] * 20)
    sleeps: list[float] = []
    with pytest.raises(ArxivGaveUp, match="after 4 attempts"):
        list(_search(fake, _policy(sleeps)).records("all:imagenet"))
    assert len(fake.api_requests()) == 4
    assert sleeps == [0.0, 0.0, 0.0]  # the fake's Retry-After: 0, believed


def test_a_download_makes_retries_plus_one_attempts_and_believes_retry_after(
    fake: FakeArxiv, tmp_path: Path
) -> None:
    sleeps: list[float] = []
    downloader = PdfDownloader(
        PdfCache(tmp_path), RateLimiter(0.0), policy=_policy(sleeps), max_bytes=10**6
    )
    fake.pdf_faults.extend(["503:3", "drop", "429"])
    path, _ = downloader.download(f"{fake.base}/pdf/2405.00001v1")
    assert path.read_bytes() == fake.entries[0].pdf
    assert sleeps == [3.0, 1.5, 0.0]  # Retry-After; 0.5 x 2 x 1.5 (jitter at its top); 0

    fake.requests.clear()
    fake.pdf_faults.extend(["503"] * 20)
    with pytest.raises(FetchError, match="4 attempts failed"):
        downloader.download(f"{fake.base}/pdf/2405.00002v1")
    assert len(fake.requests) == 4


def test_transient_http_error_carries_the_status_and_the_wait() -> None:
    error = TransientHTTPError("https://export.arxiv.org/pdf/1", 503, 4.0)
    assert (error.status, error.retry_after, str(error)) == (
        503,
        4.0,
        "HTTP 503 for https://export.arxiv.org/pdf/1",
    )

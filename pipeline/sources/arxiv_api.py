"""arXiv's API through the ``arxiv`` package: paged search with a polite rate limit and retries.

The ``arxiv`` client retries immediately and reads a malformed page as "no more results", and its
HTTP session has no timeout. We keep its paging and Atom parsing but (a) give the session a
timeout, (b) treat a malformed page as an error, and (c) retry transient faults with the one
retry policy (``pipeline.retry``: backoff with jitter, ``Retry-After`` believed), resuming from the
offset already reached so no entry is skipped or repeated.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse
from xml.etree import ElementTree

import arxiv
import requests
from urllib3.exceptions import NewConnectionError

from pipeline.errors import SourceUnavailable, UserError
from pipeline.fetch import USER_AGENT, RateLimiter
from pipeline.retry import (
    TRANSIENT_STATUS,
    RetriesExhausted,
    RetryPolicy,
    TransientHTTPError,
    describe,
    retry_after_seconds,
)
from pipeline.sources import BadRecord, PaperRecord, split_arxiv_id

log = logging.getLogger(__name__)


class ArxivGaveUp(UserError):
    """arXiv kept failing after every retry; the run stops and its watermark stays put."""


class MalformedFeedError(arxiv.ArxivError):
    """The API answered 200 with XML we could not parse (truncated or garbled)."""

    def __init__(self, url: str, error: Exception | None) -> None:
        super().__init__(url, 0, f"malformed feed: {error}")


class _PoliteSession(requests.Session):
    """Every request waits its turn on the shared rate limiter and has a timeout; a transient
    status raises :class:`TransientHTTPError` with the server's ``Retry-After``."""

    def __init__(self, timeout: float, limiter: RateLimiter) -> None:
        super().__init__()
        self.timeout = timeout
        self.limiter = limiter
        self.headers["User-Agent"] = USER_AGENT

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        self.limiter.wait()
        response = super().request(*args, **kwargs)
        if response.status_code in TRANSIENT_STATUS:
            retry_after = retry_after_seconds(response.headers)
            raise TransientHTTPError(response.url, response.status_code, retry_after)
        if response.status_code == 200:
            _check_well_formed(response)
        return response


def _check_well_formed(response: requests.Response) -> None:
    """The ``arxiv`` parser recovers from broken XML, so a feed cut off mid-entry would yield
    that entry half-read (no PDF link, a truncated title). Refuse such a page before it does."""
    try:
        ElementTree.fromstring(response.content)
    except ElementTree.ParseError as exc:
        raise MalformedFeedError(response.url, exc) from exc


class _StrictClient(arxiv.Client):
    """An ``arxiv.Client`` that fails loudly instead of truncating a result set."""

    def __init__(self, api_url: str, page_size: int, limiter: RateLimiter, timeout: float) -> None:
        # the session's limiter spaces requests (shared with PDF downloads), not the client
        super().__init__(page_size=page_size, delay_seconds=0, num_retries=0)
        self.query_url_format = api_url + "?{}"
        self._session = _PoliteSession(timeout, limiter)

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0) -> Any:
        # The client calls a resumed query's page "first" and reads an empty one as the end of
        # the results; only the page at start=0 may really be empty.
        first_page = first_page and _start_of(url) == 0
        feed = super()._parse_feed(url, first_page=first_page, _try_index=self.num_retries)
        if feed.malformed:
            raise MalformedFeedError(url, feed.error)
        return feed


def _start_of(url: str) -> int:
    values = parse_qs(urlparse(url).query).get("start", ["0"])
    return int(values[0]) if values[0].isdigit() else 0


TRANSIENT = (
    TransientHTTPError,
    arxiv.UnexpectedEmptyPageError,
    MalformedFeedError,
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


def is_transient(exc: Exception) -> bool:
    if isinstance(exc, arxiv.HTTPError):
        return exc.status in TRANSIENT_STATUS
    return isinstance(exc, TRANSIENT)


def record_from_result(result: arxiv.Result) -> PaperRecord | None:
    short_id = result.get_short_id()
    try:
        arxiv_id, version = split_arxiv_id(short_id)
    except BadRecord as exc:  # an old-style identifier, a month that is none, a huge version
        log.warning("skipping %s: %s", short_id, exc)
        return None
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version or 1,
        title=result.title,
        authors=[author.name for author in result.authors],
        abstract=result.summary,
        categories=list(result.categories),
        published=result.published,
        updated=result.updated,
        pdf_url=result.pdf_url,
        source="arxiv",
    )


class ArxivSearch:
    """Iterate a query's results oldest update first, so a partial run still has a clean
    watermark (the ``updated`` time of the last entry it stored)."""

    def __init__(
        self,
        api_url: str,
        *,
        page_size: int,
        delay: float,
        policy: RetryPolicy,
        timeout: float = 60.0,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.limiter = limiter or RateLimiter(delay)
        self.client = _StrictClient(api_url, page_size, self.limiter, timeout)
        self.policy = policy
        self.api_url = api_url

    def records(self, query: str, max_results: int | None = None) -> Iterator[PaperRecord]:
        search = arxiv.Search(
            query=query,
            max_results=max_results,
            sort_by=arxiv.SortCriterion.LastUpdatedDate,
            sort_order=arxiv.SortOrder.Ascending,
        )
        offset = 0
        attempts = self.policy.attempts(f"arXiv query at result {offset}")
        while True:
            try:
                for result in self.client.results(search, offset=offset):
                    offset += 1
                    attempts.succeeded()
                    record = record_from_result(result)
                    if record is not None:
                        yield record
                return
            except Exception as exc:
                if offset == 0 and attempts.failures == 0 and _cannot_connect(exc):
                    raise unreachable(self.api_url, exc) from exc
                if not is_transient(exc):
                    raise
                attempts.what = f"arXiv query at result {offset}"
                try:
                    attempts.failed(exc)
                except RetriesExhausted as gave_up:
                    raise ArxivGaveUp(
                        f"arXiv kept failing at result {offset} of the query ({describe(exc)}) "
                        f"after {gave_up.attempts} attempts; the papers stored so far are kept "
                        "and the next run starts again from the last complete run's watermark"
                    ) from exc


def _cannot_connect(exc: Exception) -> bool:
    """No connection could be opened at all (refused, no route, no DNS), as opposed to a
    connection that was opened and then dropped, which is worth retrying."""
    if not isinstance(exc, requests.ConnectionError) or not exc.args:
        return False
    return isinstance(getattr(exc.args[0], "reason", None), NewConnectionError)


def unreachable(api_url: str, exc: Exception) -> SourceUnavailable:
    return SourceUnavailable(
        f"arXiv cannot be reached at {api_url} ({describe(exc)}); to run offline, point the "
        "pipeline at a directory of PDFs named by arXiv id: ctrends run --source DIR"
    )


def check_reachable(api_url: str, timeout: float = 15.0) -> None:
    """One cheap request before a run, so "no network" is one clear line, not a retry storm.

    Any HTTP answer counts as reachable: a 503 is the retries' business, not a reason to stop.
    """
    try:
        requests.get(
            api_url,
            params={"search_query": "all:learning", "max_results": "0"},
            headers={"User-Agent": USER_AGENT},
            timeout=timeout,
        ).close()
    except requests.RequestException as exc:
        raise unreachable(api_url, exc) from exc

"""A fake arXiv API on 127.0.0.1 for offline tests: Atom feeds in arXiv's format, and PDFs.

It implements what the pipeline relies on: ``search_query`` with a ``lastUpdatedDate:[A TO B]``
window, ascending ``lastUpdatedDate`` order, ``start``/``max_results`` paging and opensearch
totals; ``/pdf/<id>v<n>`` serves the PDF bytes. ``faults`` is a queue of scripted misbehaviours
(``503``, ``429``, with ``Retry-After: 0``, or ``503:<s>`` with ``Retry-After: <s>``;
``malformed``, ``truncated``, ``empty``, ``drop``, ``slow:<s>``) consumed one per request, so
tests can script exactly when the API fails. ``api_faults`` and ``pdf_faults`` are the same for
feed requests or PDF requests only (consulted before ``faults``); ``chaos``, a function of the
request path, picks faults when the queues are empty. ``cut`` announces the whole body and sends
half of it before closing the connection.
"""

from __future__ import annotations

import re
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

WINDOW = re.compile(r"lastUpdatedDate:\[(\d{12}) TO (\d{12})\]")


@dataclass
class Entry:
    arxiv_id: str
    version: int
    title: str
    published: datetime
    updated: datetime
    pdf: bytes
    authors: list[str] = field(default_factory=lambda: ["A. Author", "B. Author"])
    categories: list[str] = field(default_factory=lambda: ["cs.CV", "cs.LG"])
    abstract: str = "We evaluate on ImageNet."


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hung up (a timed-out read, a scripted drop) is expected, not news."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeArxiv:
    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.faults: deque[str | None] = deque()
        self.api_faults: deque[str | None] = deque()
        self.pdf_faults: deque[str | None] = deque()
        self.chaos: Callable[[str], str | None] | None = None
        self.requests: list[str] = []
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/query"

    def start(self) -> FakeArxiv:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def api_requests(self) -> list[str]:
        return [r for r in self.requests if r.startswith("/api/")]

    # -- feed rendering -------------------------------------------------------------------
    def select(self, query: str) -> list[Entry]:
        match = WINDOW.search(query)
        chosen = self.entries
        if match:
            lo, hi = (
                datetime.strptime(g, "%Y%m%d%H%M").replace(tzinfo=UTC) for g in match.groups()
            )
            chosen = [e for e in chosen if lo <= e.updated <= hi]
        return sorted(chosen, key=lambda e: e.updated)

    def feed(self, query: str, start: int, max_results: int) -> bytes:
        chosen = self.select(query)
        page = chosen[start : start + max_results]
        items = "".join(self._entry_xml(e) for e in page)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom" '
            'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom">'
            f"<id>https://arxiv.org/api/fake</id><title>arXiv Query: {escape(query)}</title>"
            f"<updated>{_stamp(datetime.now(UTC))}</updated>"
            f"<opensearch:itemsPerPage>{max_results}</opensearch:itemsPerPage>"
            f"<opensearch:totalResults>{len(chosen)}</opensearch:totalResults>"
            f"<opensearch:startIndex>{start}</opensearch:startIndex>"
            f"{items}</feed>"
        ).encode()

    def _entry_xml(self, e: Entry) -> str:
        vid = f"{e.arxiv_id}v{e.version}"
        authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in e.authors)
        cats = "".join(
            f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in e.categories
        )
        return (
            f"<entry><id>http://arxiv.org/abs/{vid}</id>"
            f"<title>{escape(e.title)}</title>"
            f"<updated>{_stamp(e.updated)}</updated><published>{_stamp(e.published)}</published>"
            f"<summary>{escape(e.abstract)}</summary>{authors}"
            f'<link href="http://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>'
            f'<link title="pdf" href="{self.base}/pdf/{vid}" rel="related" type="application/pdf"/>'
            f'<arxiv:primary_category term="{e.categories[0]}"/>{cats}</entry>'
        )

    # -- HTTP ------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:
                fake.requests.append(self.path)
                fault = self._next_fault()
                status, _, retry_after = (fault or "").partition(":")
                if status in ("503", "429"):  # "503:7": Retry-After 7 s (default 0)
                    self.send_response(int(status))
                    self.send_header("Retry-After", retry_after or "0")
                    self.end_headers()
                    return
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if fault and fault.startswith("slow:"):
                    time.sleep(float(fault.split(":")[1]))
                url = urlparse(self.path)
                if url.path.startswith("/pdf/"):
                    self._pdf(url.path.removeprefix("/pdf/"), fault)
                    return
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = fake.feed(
                    params.get("search_query", ""),
                    int(params.get("start", 0)),
                    int(params.get("max_results", 10)),
                )
                if fault == "malformed":
                    body = b"<feed><entry>oops"
                elif fault == "truncated":
                    body = body[: len(body) // 2]
                elif fault == "empty":
                    body = fake.feed("lastUpdatedDate:[190001010000 TO 190001010000]", 0, 10)
                self._send(200, "application/atom+xml", body, cut=fault == "cut")

            def _next_fault(self) -> str | None:
                targeted = fake.pdf_faults if self.path.startswith("/pdf/") else fake.api_faults
                for queue in (targeted, fake.faults):
                    if queue:
                        return queue.popleft()
                return fake.chaos(self.path) if fake.chaos else None

            def _pdf(self, vid: str, fault: str | None) -> None:
                for e in fake.entries:
                    if f"{e.arxiv_id}v{e.version}" == vid:
                        self._send(200, "application/pdf", e.pdf, cut=fault == "cut")
                        return
                self._send(404, "text/plain", b"not found")

            def _send(self, status: int, ctype: str, body: bytes, cut: bool = False) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if cut:
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(body)

        return Handler

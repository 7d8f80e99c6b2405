"""arXiv ingest end to end against a fake arXiv API on 127.0.0.1 (no network)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import arxiv
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import IngestRun, Paper
from pipeline.errors import SourceUnavailable
from pipeline.ingest import ingest_arxiv
from pipeline.sources.arxiv_api import record_from_result
from tests.support.fake_arxiv import Entry, FakeArxiv
from tests.support.pdfgen import make_pdf

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"


def _entry(arxiv_id: str, version: int, days_ago: float, title: str) -> Entry:
    moment = NOW - timedelta(days=days_ago)
    return Entry(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        published=moment,
        updated=moment,
        pdf=make_pdf([[f"{title}: 76.1% top-1 accuracy on ImageNet"]]),
    )


@pytest.fixture
def fake(ctrends_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArxiv]:
    server = FakeArxiv().start()
    server.entries = [
        _entry("2405.00001", 1, 3, "A wide network"),
        _entry("2405.00002", 1, 2, "A deep network"),
    ]
    monkeypatch.setenv("CTRENDS_ARXIV_API_URL", server.api_url)
    monkeypatch.setenv("CTRENDS_ARXIV_RETRIES", "3")
    monkeypatch.setenv("CTRENDS_ARXIV_PAGE_SIZE", "1")  # every entry is its own page
    yield server
    server.stop()


def _papers(session: Session) -> list[tuple[str, int, str]]:
    rows = session.execute(select(Paper.arxiv_id, Paper.version, Paper.status).order_by(Paper.id))
    return [tuple(r) for r in rows]


def test_recorded_feed_parses_into_a_paper_record() -> None:
    feed = arxiv._feed.parse((FIXTURES / "resnet-query.atom.xml").read_bytes())
    record = record_from_result(feed.results[0])
    assert record is not None
    assert (record.arxiv_id, record.version) == ("1512.03385", 1)
    assert record.title == "Deep Residual Learning for Image Recognition"
    assert record.authors[0] == "Kaiming He"
    assert record.pdf_url == "http://arxiv.org/pdf/1512.03385v1"
    assert record.published == datetime(2015, 12, 10, 19, 51, 55, tzinfo=UTC)


def test_watermark_advances_and_second_run_fetches_nothing_new(
    fake: FakeArxiv, session: Session
) -> None:
    first = ingest_arxiv(benchmarks=["imagenet"], now=NOW)
    assert [(r.new, r.new_versions, r.failed) for r in first] == [(2, 0, [])]
    assert first[0].watermark == NOW - timedelta(days=2)
    pdf_requests = [r for r in fake.requests if r.startswith("/pdf/")]
    assert len(pdf_requests) == 2

    second = ingest_arxiv(benchmarks=["imagenet"], now=NOW + timedelta(days=1))
    assert (second[0].new, second[0].new_versions) == (0, 0)
    assert [r for r in fake.requests if r.startswith("/pdf/")] == pdf_requests
    window_start = session.scalars(
        select(IngestRun.window_start).order_by(IngestRun.id.desc())
    ).first()
    assert window_start is not None
    # continues from the watermark (minus the overlap), not from the configured first window
    assert window_start.replace(tzinfo=UTC) == NOW - timedelta(days=4)
    assert _papers(session) == [("2405.00001", 1, "ingested"), ("2405.00002", 1, "ingested")]


def test_new_arxiv_version_is_recorded_as_a_new_version(fake: FakeArxiv, session: Session) -> None:
    ingest_arxiv(benchmarks=["imagenet"], now=NOW)
    fake.entries.append(_entry("2405.00001", 2, -0.5, "A wide network, revised"))
    report = ingest_arxiv(benchmarks=["imagenet"], now=NOW + timedelta(days=1))[0]
    assert (report.new, report.new_versions) == (0, 1)
    versions = session.scalars(
        select(Paper.version).where(Paper.arxiv_id == "2405.00001").order_by(Paper.version)
    ).all()
    assert versions == [1, 2]


def test_transient_faults_are_retried_without_losing_entries(
    fake: FakeArxiv, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTRENDS_ARXIV_DELAY", "0.01")
    # first page fine, then the second page fails three different ways before it is served
    fake.faults.extend([None, "503", "malformed", "429"])  # type: ignore[list-item]
    report = ingest_arxiv(benchmarks=["imagenet"], now=NOW)[0]
    assert report.new == 2
    assert len(_papers(session)) == 2


def test_failed_pdf_download_is_recorded_and_retried_next_run(
    fake: FakeArxiv, session: Session
) -> None:
    missing = fake.entries[1]
    fake.entries[1] = Entry(**{**missing.__dict__, "arxiv_id": "2405.00002"})
    original_pdf = missing.pdf
    fake.entries[1].pdf = b"<html>rate limited</html>"
    report = ingest_arxiv(benchmarks=["imagenet"], now=NOW)[0]
    assert report.new == 1
    assert report.failed == [("2405.00002v1", "fetch: not a PDF (no %PDF- header)")]
    paper = session.scalars(select(Paper).where(Paper.arxiv_id == "2405.00002")).one()
    assert (paper.status, paper.pdf_path) == ("failed", None)

    fake.entries[1].pdf = original_pdf
    ingest_arxiv(benchmarks=["imagenet"], now=NOW + timedelta(hours=1))
    session.expire_all()
    paper = session.scalars(select(Paper).where(Paper.arxiv_id == "2405.00002")).one()
    assert paper.status == "ingested" and paper.pdf_path and Path(paper.pdf_path).exists()


def test_unreachable_arxiv_is_one_clear_error(
    ctrends_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTRENDS_ARXIV_API_URL", "http://127.0.0.1:9/api/query")
    with pytest.raises(SourceUnavailable, match="--source DIR"):
        ingest_arxiv(benchmarks=["imagenet"], now=NOW)

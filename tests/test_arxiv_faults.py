"""arXiv misbehaving (503, 429, slow, dropped and cut connections, truncated and malformed XML,
empty pages mid-pagination): across retries and re-runs every paper is ingested exactly once and
the watermark never skips a paper."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import IngestRun, Paper
from pipeline import ingest
from pipeline.fetch import RateLimiter
from pipeline.ingest import ingest_arxiv
from pipeline.sources.arxiv_api import ArxivGaveUp
from tests.stress.arxiv_chaos import nights
from tests.support.fake_arxiv import Entry, FakeArxiv
from tests.support.pdfgen import make_pdf

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _entry(number: int, hours_ago: float, version: int = 1) -> Entry:
    moment = NOW - timedelta(hours=hours_ago)
    return Entry(
        arxiv_id=f"2405.{number:05d}",
        version=version,
        title=f"Paper {number}",
        published=moment,
        updated=moment,
        pdf=make_pdf([[f"Paper {number} v{version} has {number}5.1M parameters."]]),
    )


@pytest.fixture
def fake(ctrends_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArxiv]:
    server = FakeArxiv().start()
    server.entries = [_entry(n, hours_ago=100 - n) for n in range(1, 8)]
    monkeypatch.setenv("CTRENDS_ARXIV_API_URL", server.api_url)
    monkeypatch.setenv("CTRENDS_ARXIV_RETRIES", "3")
    monkeypatch.setenv("CTRENDS_ARXIV_PAGE_SIZE", "2")
    monkeypatch.setenv("CTRENDS_ARXIV_DELAY", "0.001")
    monkeypatch.setattr(ingest, "HTTP_TIMEOUT", 1.0)
    yield server
    server.stop()


def _stored(session: Session) -> list[tuple[str, int]]:
    session.expire_all()
    rows = session.execute(
        select(Paper.arxiv_id, Paper.version, func.count())
        .where(Paper.status == "ingested")
        .group_by(Paper.arxiv_id, Paper.version)
    ).all()
    assert all(count == 1 for _, _, count in rows), "a paper version stored twice"
    return sorted((arxiv_id, version) for arxiv_id, version, _ in rows)


def _expected(fake: FakeArxiv) -> list[tuple[str, int]]:
    return sorted((e.arxiv_id, e.version) for e in fake.entries)


def _cache_is_clean(data_dir: Path, fake: FakeArxiv) -> None:
    """Every cached PDF is whole (its name is its hash) and no partial download is left."""
    cache = data_dir / "pdfs"
    pdfs = list(cache.rglob("*.pdf"))
    assert {p.stem for p in pdfs} == {hashlib.sha256(e.pdf).hexdigest() for e in fake.entries}
    assert all(hashlib.sha256(p.read_bytes()).hexdigest() == p.stem for p in pdfs)
    assert not list(cache.rglob(".incoming-*"))


def test_every_fault_is_survived_and_each_paper_stored_once(
    fake: FakeArxiv, session: Session, ctrends_env: dict[str, str]
) -> None:
    # pages of 2 entries: each page meets up to three faults, one fewer than the attempts
    fake.api_faults.extend(
        [None, "503", "429", None, "slow:3", "drop", "truncated", None, "malformed", "empty"]
    )
    fake.pdf_faults.extend(["cut", "503", None, "drop", "slow:3", None, "429", "cut"])
    report = ingest_arxiv(benchmarks=["imagenet"], now=NOW)[0]
    assert (report.seen, report.new, report.failed) == (7, 7, [])
    assert not fake.api_faults and not fake.pdf_faults, "every scripted fault was met"
    assert _stored(session) == _expected(fake)
    assert report.watermark == max(e.updated for e in fake.entries)
    _cache_is_clean(Path(ctrends_env["CTRENDS_DATA_DIR"]), fake)


def test_an_empty_page_after_a_resumed_query_is_retried_not_read_as_the_end(
    fake: FakeArxiv, session: Session
) -> None:
    # page 2 fails; the query resumes at offset 2, and that "first" page comes back empty
    fake.api_faults.extend([None, "503", "empty"])
    report = ingest_arxiv(benchmarks=["imagenet"], now=NOW)[0]
    assert report.seen == 7
    assert _stored(session) == _expected(fake)


def test_a_run_that_gives_up_keeps_the_watermark_and_the_rerun_fills_the_gap(
    fake: FakeArxiv, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ingest_arxiv(benchmarks=["imagenet"], now=NOW)[0]
    assert first.watermark == max(e.updated for e in fake.entries)

    later = NOW + timedelta(days=1)
    fake.entries += [_entry(n, hours_ago=-n) for n in range(8, 14)]
    fake.entries.append(_entry(3, hours_ago=-1, version=2))  # a new version of an old paper
    # the third page of the next run fails more times than the retries allow
    fake.api_faults.extend([None, None, "503", "503", "503", "503"])
    with pytest.raises(ArxivGaveUp, match="watermark"):
        ingest_arxiv(benchmarks=["imagenet"], now=later)
    failed = session.scalars(select(IngestRun).order_by(IngestRun.id.desc())).first()
    assert failed is not None and failed.status == "failed"
    assert 0 < len(_stored(session)) < len(_expected(fake))

    rerun = ingest_arxiv(benchmarks=["imagenet"], now=later + timedelta(minutes=5))[0]
    assert rerun.failed == []
    runs = session.scalars(select(IngestRun).order_by(IngestRun.id)).all()
    # the rerun starts where the last *complete* run left off, not where the failed one stopped
    assert runs[-1].window_start == runs[-2].window_start
    assert _stored(session) == _expected(fake)
    versions = session.scalars(select(Paper.version).where(Paper.arxiv_id == "2405.00003"))
    assert sorted(versions) == [1, 2]


def test_quiet_windows_never_move_the_watermark_backwards(
    fake: FakeArxiv, session: Session
) -> None:
    ingest_arxiv(benchmarks=["imagenet"], now=NOW)
    marks = []
    for day in range(1, 4):  # nothing new for three days
        report = ingest_arxiv(benchmarks=["imagenet"], now=NOW + timedelta(days=day))[0]
        assert report.seen == 0 or report.new == 0
        marks.append(report.watermark)
    assert marks == [max(e.updated for e in fake.entries)] * 3
    starts = session.scalars(select(IngestRun.window_start).order_by(IngestRun.id)).all()
    assert len(set(starts[1:])) == 1, "every quiet run starts from the same watermark"
    fake.entries.append(_entry(20, hours_ago=-80))
    ingest_arxiv(benchmarks=["imagenet"], now=NOW + timedelta(days=4))
    assert ("2405.00020", 1) in _stored(session)


def test_feed_pages_and_pdfs_share_one_rate_limit(
    fake: FakeArxiv, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[int] = []
    original = RateLimiter.wait

    def recorded(limiter: RateLimiter) -> None:
        waits.append(id(limiter))
        original(limiter)

    monkeypatch.setattr(RateLimiter, "wait", recorded)
    fake.api_faults.append("503")
    fake.pdf_faults.append("cut")
    ingest_arxiv(benchmarks=["imagenet"], now=NOW)
    assert len(waits) == len(fake.requests), "every request, retries included, waits its turn"
    assert len(set(waits)) == 1, "one limiter for feed pages and PDF downloads"


def test_nights_of_random_faults_store_every_version_once(
    fake: FakeArxiv, ctrends_env: dict[str, str]
) -> None:
    fake.entries = []
    figures = nights(fake, ctrends_env["CTRENDS_DATABASE_URL"], random.Random(5), 3, rate=0.3)
    assert figures["requests"] > 30 and figures["paper_versions"] > 5
    assert (
        figures["missing"],
        figures["duplicated"],
        figures["without_pdf"],
        figures["watermark_went_back"],
    ) == (0, 0, 0, 0), figures

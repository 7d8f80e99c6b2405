"""Ingest: turn a source's records into ``papers`` rows with their PDFs in the cache.

One transaction per paper, so a crash loses at most the paper in flight and a concurrent run
never waits long. A paper version is stored once (unique arXiv id + version); a concurrent
insert of the same version is detected by the constraint and counted as already there. A PDF
that cannot be fetched is recorded on its paper with the reason and whose fault it is
(``pipeline.faults``), and retried by the next run. Every record passes one gate first
(:func:`pipeline.sources.check_record`): one the store cannot hold (a NUL in its title, a year
99999, a version beyond 32 bits) is listed as failed with its reason and the others go on.

Each arXiv query keeps a watermark: the ``updated`` time of the newest entry the run stored.
The next run starts from the last successful watermark minus an overlap (entries can appear in
the API after their timestamp), and idempotent storing absorbs the overlap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError

from db.models import IngestRun, Paper, utcnow
from db.session import session_factory
from extractors.atomic import remove_stale_partials
from pipeline.config import Settings, get_settings
from pipeline.errors import one_line
from pipeline.faults import INPUT, failure_class
from pipeline.fetch import FetchError, PdfCache, PdfDownloader
from pipeline.progress import progress_bar
from pipeline.retry import RetryPolicy
from pipeline.sources import BadRecord, PaperRecord, check_record, paper_label
from pipeline.sources.arxiv_api import ArxivSearch
from pipeline.sources.local_dir import scan_directory
from pipeline.sources.queries import BENCHMARK_QUERIES, windowed_query

log = logging.getLogger(__name__)

WATERMARK_OVERLAP = timedelta(days=2)
HTTP_TIMEOUT = 60.0  # seconds without a byte from arXiv before a request counts as failed
Fetcher = Callable[[PaperRecord], tuple[Path, str]]


@dataclass
class IngestReport:
    run_id: int
    source: str
    query: str
    seen: int = 0
    new: int = 0
    new_versions: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (paper or file, reason)
    watermark: datetime | None = None

    def count(self, outcome: str) -> None:
        self.seen += 1
        if outcome == "new":
            self.new += 1
        elif outcome == "new_version":
            self.new_versions += 1
        elif outcome == "unchanged":
            self.unchanged += 1


class Ingestor:
    """Stores records one transaction each, on behalf of one ``IngestRun``."""

    def __init__(self, url: str | None, settings: Settings) -> None:
        self.sessions = session_factory(url)
        self.settings = settings
        self.cache = PdfCache(settings.pdf_cache_dir)
        for directory in (settings.pdf_cache_dir, settings.parse_cache_dir):
            if removed := remove_stale_partials(directory):
                log.info("removed %d partial files left by killed runs in %s", removed, directory)

    def start_run(self, source: str, query: str, benchmark: str | None = None, **window) -> int:
        with self.sessions.begin() as session:
            run = IngestRun(source=source, query=query, benchmark=benchmark, **window)
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, report: IngestReport, status: str, error: str | None = None) -> None:
        with self.sessions.begin() as session:
            run = session.get_one(IngestRun, report.run_id)
            run.status = status
            run.error = error
            run.papers_seen = report.seen
            run.papers_new = report.new
            run.papers_new_version = report.new_versions
            run.papers_failed = len(report.failed)
            run.watermark = report.watermark
            run.finished_at = utcnow()
            run.summary = {"failed": [{"paper": p, "reason": r} for p, r in report.failed]}

    def store(self, record: PaperRecord, run_id: int, fetch: Fetcher, refetch: bool) -> str:
        """Store one record; returns new | new_version | unchanged | failed."""
        label = paper_label(record)
        with self.sessions() as session:
            existing = session.scalar(
                select(Paper).where(
                    Paper.arxiv_id == record.arxiv_id, Paper.version == record.version
                )
            )
            has_pdf = (
                existing is not None and existing.pdf_path and Path(existing.pdf_path).exists()
            )
        if existing is not None and has_pdf and not refetch:
            return "unchanged"
        try:
            pdf_path, sha = fetch(record)
            error, fault = None, None
        except (FetchError, OSError) as exc:  # OSError: a full disk, an unreadable file
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            pdf_path, sha, error, fault = None, None, f"fetch: {detail}", failure_class(exc)
            log.warning("%s: %s", label, error)
        if existing is not None and existing.pdf_sha256 == sha and has_pdf:
            return "unchanged"
        with self.sessions() as session:
            try:
                with session.begin():
                    paper = session.get(Paper, existing.id) if existing else None
                    is_new = paper is None
                    if paper is None:
                        paper = Paper(arxiv_id=record.arxiv_id, version=record.version)
                        session.add(paper)
                    _apply(paper, record, run_id, pdf_path, sha, error, fault)
                    older = session.scalar(
                        select(func.count())
                        .select_from(Paper)
                        .where(Paper.arxiv_id == record.arxiv_id, Paper.version != record.version)
                    )
            except IntegrityError:
                log.info("%s: stored concurrently by another run", label)
                return "unchanged"
        if error:
            return "failed"
        outcome = "new_version" if is_new and older else "new" if is_new else "unchanged"
        log.debug("%s: %s (%s)", label, outcome.replace("_", " "), record.source)
        return outcome

    def ingest(
        self,
        records: Iterable[PaperRecord],
        report: IngestReport,
        fetch: Fetcher,
        total: int | None,
    ) -> None:
        with progress_bar(f"ingest {report.source}", total) as advance:
            for record in records:
                label = paper_label(record)
                try:
                    check_record(record)
                    outcome = self.store(record, report.run_id, fetch, record.source == "local")
                    reason = self._error_of(record) if outcome == "failed" else None
                except (BadRecord, DataError) as exc:  # DataError: a value the store refuses
                    outcome, reason = "failed", one_line(exc)
                    log.warning("%s: refused: %s", label, reason)
                report.count(outcome)
                if reason is not None:
                    report.failed.append((label, reason))
                if record.updated and (
                    report.watermark is None or record.updated > report.watermark
                ):
                    report.watermark = record.updated
                advance(f"{label} {outcome}")

    def _error_of(self, record: PaperRecord) -> str:
        with self.sessions() as session:
            return (
                session.scalar(
                    select(Paper.error).where(
                        Paper.arxiv_id == record.arxiv_id, Paper.version == record.version
                    )
                )
                or "unknown error"
            )


def _apply(
    paper: Paper,
    record: PaperRecord,
    run_id: int,
    pdf_path: Path | None,
    sha: str | None,
    error: str | None,
    fault: str | None,
) -> None:
    paper.title = record.title or paper.title
    paper.authors = record.authors or paper.authors or []
    paper.abstract = record.abstract or paper.abstract
    paper.categories = record.categories or paper.categories or []
    paper.published = record.published or paper.published
    paper.updated = record.updated or paper.updated
    paper.source = record.source
    paper.pdf_url = record.pdf_url or paper.pdf_url
    paper.ingest_run_id = run_id
    if error:
        paper.status, paper.error, paper.failure_class = "failed", error, fault or INPUT
        return
    paper.pdf_path = str(pdf_path)
    paper.pdf_sha256 = sha
    paper.status, paper.error, paper.failure_class = "ingested", None, None
    paper.extracted_with = None  # a new PDF must be parsed and extracted again


def ingest_directory(
    directory: Path, *, metadata: Path | None = None, url: str | None = None
) -> IngestReport:
    """Ingest every ``<arxiv id>[vN].pdf`` in ``directory``; other files are listed as skipped."""
    settings = get_settings()
    ingestor = Ingestor(url, settings)
    scan = scan_directory(directory, metadata)
    report = IngestReport(
        run_id=ingestor.start_run("local", str(directory.resolve())),
        source="local",
        query=str(directory),
    )
    report.failed.extend(scan.skipped)
    if scan.metadata is not None:
        log.info("metadata from %s", scan.metadata)
    for name, reason in scan.skipped:
        log.warning("%s: skipped (%s)", name, reason)

    def fetch(record: PaperRecord) -> tuple[Path, str]:
        assert record.pdf_path is not None
        return ingestor.cache.add_file(record.pdf_path, settings.pdf_max_bytes)

    try:
        ingestor.ingest(scan.records, report, fetch, total=len(scan.records))
    except BaseException as exc:
        ingestor.finish_run(report, "failed", f"{type(exc).__name__}: {one_line(exc)}")
        raise
    ingestor.finish_run(report, "succeeded")
    return report


def _last_watermark(session_factory_, benchmark: str) -> datetime | None:
    """The newest watermark of a succeeded run of this query (failed runs never count)."""
    with session_factory_() as session:
        last = session.scalar(
            select(func.max(IngestRun.watermark)).where(
                IngestRun.source == "arxiv",
                IngestRun.benchmark == benchmark,
                IngestRun.status == "succeeded",
            )
        )
    if last is not None and last.tzinfo is None:  # SQLite returns naive datetimes
        last = last.replace(tzinfo=UTC)
    return last


def ingest_arxiv(
    *,
    since: datetime | None = None,
    max_results: int | None = None,
    benchmarks: Iterable[str] | None = None,
    url: str | None = None,
    now: datetime | None = None,
) -> list[IngestReport]:
    """One windowed query per benchmark, continuing from each query's last watermark."""
    settings = get_settings()
    ingestor = Ingestor(url, settings)
    now = now or datetime.now(UTC)
    # one retry policy and one rate limit for feed pages and PDFs (arXiv asks for 1 req / 3 s)
    policy = RetryPolicy(settings.arxiv_retries, backoff=max(settings.arxiv_delay_seconds, 0.01))
    search = ArxivSearch(
        settings.arxiv_api_url,
        page_size=settings.arxiv_page_size,
        delay=settings.arxiv_delay_seconds,
        policy=policy,
        timeout=HTTP_TIMEOUT,
    )
    downloader = PdfDownloader(
        ingestor.cache,
        search.limiter,
        policy=policy,
        max_bytes=settings.pdf_max_bytes,
        timeout=HTTP_TIMEOUT,
    )

    def fetch(record: PaperRecord) -> tuple[Path, str]:
        if not record.pdf_url:
            raise FetchError("the feed entry has no PDF link")
        return downloader.download(record.pdf_url)

    retried = _retry_failed_fetches(ingestor, fetch)
    reports = [retried] if retried else []
    for benchmark in benchmarks or BENCHMARK_QUERIES:
        last = _last_watermark(ingestor.sessions, benchmark)
        if since is not None:
            start = since
        elif last is not None:
            start = last - WATERMARK_OVERLAP
        else:
            start = now - timedelta(days=settings.arxiv_first_window_days)
        query = windowed_query(benchmark, start, now)
        report = IngestReport(
            run_id=ingestor.start_run(
                "arxiv", query, benchmark, window_start=start, window_end=now
            ),
            source="arxiv",
            query=query,
        )
        log.info("arXiv %s: papers updated %s .. %s", benchmark, start.date(), now.date())
        try:
            ingestor.ingest(search.records(query, max_results), report, fetch, total=max_results)
        except BaseException as exc:
            ingestor.finish_run(report, "failed", f"{type(exc).__name__}: {one_line(exc)}")
            raise
        # Never backwards: a window with nothing new (or only the overlap) keeps the old mark.
        report.watermark = max(m for m in (report.watermark, last, start) if m is not None)
        ingestor.finish_run(report, "succeeded")
        reports.append(report)
    return reports


def _retry_failed_fetches(ingestor: Ingestor, fetch: Fetcher) -> IngestReport | None:
    """Papers whose PDF download failed in an earlier run get another try before new work."""
    with ingestor.sessions() as session:
        papers = session.scalars(
            select(Paper).where(
                Paper.source == "arxiv", Paper.status == "failed", Paper.pdf_path.is_(None)
            )
        ).all()
    records = [
        PaperRecord(
            arxiv_id=p.arxiv_id,
            version=p.version,
            pdf_url=p.pdf_url,
            updated=None,
            source="arxiv",
        )
        for p in papers
    ]
    if not records:
        return None
    report = IngestReport(
        run_id=ingestor.start_run("arxiv", "retry failed downloads"),
        source="arxiv",
        query="retry failed downloads",
    )
    ingestor.ingest(records, report, fetch, total=len(records))
    ingestor.finish_run(report, "succeeded")
    return report

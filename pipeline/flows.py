"""Prefect flows: ``ingest``, ``extract``, ``fit`` and ``nightly`` (all three, in order).

Each task wraps one plain stage function (the same ones the CLI calls), so the logic is tested
without Prefect and the flows only add orchestration:

- task retries with exponential backoff only where a fault is transient and a retry adds
  something (:func:`is_transient`: a lost or busy database connection); none where it is not (a
  broken PDF is recorded on its paper; a bad option or unreachable source is the user's; HTTP
  faults were already retried by ``pipeline.retry``, counted once);
- one nightly run at a time (``pipeline.runlock``) and a summary of each (``pipeline.runs``);
- the extract stage on the configured task runner: ``CTRENDS_TASK_RUNNER=local`` (default) runs
  one task that parses ``CTRENDS_WORKERS`` papers at a time in isolated child processes;
  ``dask`` runs one task per batch of papers on a Dask cluster (``prefect-dask``): a temporary local
  cluster of ``CTRENDS_WORKERS`` worker processes, or the scheduler at ``CTRENDS_DASK_ADDRESS``.
  Dask workers write each paper's facts to the database themselves (PostgreSQL for a cluster).
"""

# No ``from __future__ import annotations`` here: Prefect validates a deployment's parameters
# against the flow's annotations, which must be real types, not strings.
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.runtime import flow_run
from prefect.tasks import exponential_backoff
from prefect.utilities.annotations import unmapped
from sqlalchemy.exc import DBAPIError, OperationalError

from db.session import session_scope
from pipeline import interrupt
from pipeline.config import Settings, get_settings
from pipeline.errors import UserError, one_line
from pipeline.extract import (
    ExtractReport,
    PaperOutcome,
    PaperWork,
    extract_batch,
    extract_pending,
    papers_to_extract,
)
from pipeline.ingest import IngestReport, ingest_arxiv, ingest_directory
from pipeline.runlock import run_lock
from pipeline.runs import environmental_failures, fail_run, finish_run, start_run, summarise

log = logging.getLogger(__name__)

RETRIES = 2
BACKOFF_SECONDS = 30.0  # first retry after ~30 s, the second after ~60 s (with jitter)
# PostgreSQL SQLSTATE classes a retry can get past: connection exceptions, serialization
# failures and deadlocks, a server shutting down or starting up.
TRANSIENT_SQLSTATES = ("08", "40001", "40P01", "57P01", "57P02", "57P03")


def is_transient(exc: BaseException) -> bool:
    """True for faults a later attempt can get past; never for a user's or a PDF's fault.

    HTTP faults are retried by ``pipeline.retry`` where they happen, attempts counted once; when
    that policy gives up (:class:`ArxivGaveUp`), a task retry would only multiply the attempts.
    """
    if isinstance(exc, UserError):
        return False
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        errorname = getattr(exc.orig, "sqlite_errorname", None)
        if errorname is not None:
            return errorname in ("SQLITE_BUSY", "SQLITE_LOCKED")
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate is None:  # psycopg: the server could not be reached at all
            return isinstance(exc, OperationalError)
        return sqlstate.startswith(TRANSIENT_SQLSTATES)
    return False


def _retry_if_transient(_task: Any, _run: Any, state: Any) -> bool:
    error = getattr(state, "data", None)
    return isinstance(error, BaseException) and is_transient(error)


MAX_DASK_BATCH = 16  # papers per Dask task in a backfill (see dask_batches)
RETRYING: dict[str, Any] = {
    "retries": RETRIES,
    "retry_delay_seconds": exponential_backoff(backoff_factor=BACKOFF_SECONDS),
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": _retry_if_transient,
    "cache_policy": NO_CACHE,  # every task writes to the database: never skip one
}


def _ingest_summary(reports: list[IngestReport]) -> dict[str, Any]:
    return {
        "queries": len(reports),
        "seen": sum(r.seen for r in reports),
        "new": sum(r.new for r in reports),
        "new_versions": sum(r.new_versions for r in reports),
        "failed": [{"paper": p, "reason": why} for r in reports for p, why in r.failed],
    }


def _extract_summary(report: ExtractReport) -> dict[str, Any]:
    return {
        "papers": report.papers,
        "extracted": report.extracted,
        "failed": [{"paper": p, "reason": why} for p, why in report.failed],
        "facts": dict(report.facts),
    }


@task(name="ingest-arxiv", **RETRYING)
def ingest_arxiv_task(since: datetime | None, max_results: int | None) -> dict[str, Any]:
    """Pull each benchmark's new papers and versions from arXiv."""
    return _ingest_summary(ingest_arxiv(since=since, max_results=max_results))


@task(name="ingest-directory", **RETRYING)
def ingest_directory_task(directory: str) -> dict[str, Any]:
    """Ingest a local directory of PDFs named by arXiv id."""
    return _ingest_summary([ingest_directory(Path(directory))])


@task(name="extract", **RETRYING)
def extract_task(retry_failed: bool = False) -> dict[str, Any]:
    """Parse and extract every paper that needs it, in isolated child processes on this host."""
    return _extract_summary(extract_pending(retry_failed=retry_failed))


@task(name="extract-papers", task_run_name="extract {label}", **RETRYING)
def extract_papers_task(
    batch: list[PaperWork], label: str, settings: Settings
) -> list[PaperOutcome]:
    """Parse, extract and store a batch of papers (on a Dask worker). A retried batch re-runs
    papers it already stored, which changes nothing (stores are idempotent)."""
    return extract_batch(batch, settings)


@task(name="fit", **RETRYING)
def fit_task(run_id: str | None = None) -> dict[str, Any]:
    """Accept the rows at or above ``CTRENDS_AUTO_ACCEPT`` (when set), rebuild observations from
    accepted facts and refit every trend."""
    from pipeline.analysis.fit import run_fits

    auto_accept = get_settings().auto_accept_confidence
    with session_scope() as session:
        return run_fits(session, run_id=run_id, auto_accept=auto_accept).summary()


@flow(name="ingest", log_prints=True)
def ingest_flow(
    source: str = "arxiv", since: datetime | None = None, max_results: int | None = None
) -> dict[str, Any]:
    if source == "arxiv":
        return ingest_arxiv_task(since, max_results)
    return ingest_directory_task(source)


@flow(name="extract")
def extract_flow(retry_failed: bool = False) -> dict[str, Any]:
    """Extract on this flow's task runner: one task per paper on Dask, else one local task."""
    from prefect_dask import DaskTaskRunner

    context = FlowRunContext.get()
    if context is None or not isinstance(context.task_runner, DaskTaskRunner):
        return extract_task(retry_failed)
    settings = get_settings()
    work = papers_to_extract(settings.database_url, retry_failed=retry_failed)
    report = ExtractReport(papers=len(work))
    batches = dask_batches(work, settings.workers)
    labels = [f"{b[0].label}" + (f" +{len(b) - 1}" if len(b) > 1 else "") for b in batches]
    for future in extract_papers_task.map(batches, labels, settings=unmapped(settings)):
        for outcome in future.result():
            report.add(outcome)
        interrupt.check()  # Ctrl+C on a cluster: between batches (each is at most 16 papers)
    return _extract_summary(report)


def dask_batches(work: list[PaperWork], workers: int) -> list[list[PaperWork]]:
    """Papers in batches of up to ``MAX_DASK_BATCH``, at least four per worker so the last ones
    balance out. Each Prefect task costs ~0.3 s of orchestration (task-run states through the
    API), as much as half a paper's parse and extract, so one task per paper wastes cores."""
    size = max(1, min(MAX_DASK_BATCH, len(work) // (4 * max(1, workers))))
    return [work[i : i + size] for i in range(0, len(work), size)]


def run_extract(settings: Settings, api_url: str, retry_failed: bool = False) -> dict[str, Any]:
    """Run ``extract_flow`` on the task runner ``settings`` select. ``api_url`` is the Prefect API
    the calling flow talks to, which the workers of a temporary local cluster must report to."""
    if settings.task_runner == "local":
        return extract_flow(retry_failed)
    import dask
    from prefect_dask import DaskTaskRunner

    if settings.dask_address:
        runner = DaskTaskRunner(address=settings.dask_address)
    else:
        runner = DaskTaskRunner(
            cluster_kwargs={
                "n_workers": settings.workers,
                "threads_per_worker": 1,
                "processes": True,
                "env": {"PREFECT_API_URL": api_url},
            }
        )
    # Workers a temporary cluster starts must be allowed children: each PDF parses in its own.
    with dask.config.set({"distributed.worker.daemon": False}):
        return extract_flow.with_options(task_runner=runner)(retry_failed)


@flow(name="fit")
def fit_flow() -> dict[str, Any]:
    return fit_task(str(flow_run.id) if flow_run.id else None)


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = time.perf_counter() - start


def _record_failure(url: str, run_id: int, error: BaseException) -> None:
    """Mark the run failed or interrupted; when the database itself is what failed, say so and
    let the original error through (the run lock, not the row, tells whether a run is going)."""
    try:
        fail_run(url, run_id, error)
    except (OperationalError, OSError) as exc:
        log.warning("run #%d could not be marked as stopped: %s", run_id, one_line(exc))


@flow(name="nightly")
def nightly_flow(
    source: str = "arxiv", since: datetime | None = None, max_results: int | None = None
) -> dict[str, Any]:
    """The nightly job: ingest new papers, extract them, refit the trends; one at a time."""
    settings = get_settings()
    url = settings.database_url
    with run_lock(url, settings.data_dir, wait=settings.run_lock_wait_seconds):
        run_id = start_run(url, source, str(flow_run.id) if flow_run.id else None)
        timings: dict[str, float] = {}
        try:
            with _timed(timings, "ingest"):
                ingest = ingest_flow(source, since, max_results)
            context = FlowRunContext.get()
            api_url = str(context.client.api_url) if context else ""
            with _timed(timings, "extract"):
                extract = run_extract(settings, api_url)
            with _timed(timings, "fit"):
                fit = fit_flow()
            summary = summarise(ingest, extract, fit, timings, environmental_failures(url))
            finish_run(url, run_id, summary)  # inside: a summary a full disk refuses fails the run
        except KeyboardInterrupt as exc:
            _record_failure(url, run_id, exc)
            raise KeyboardInterrupt(f"run #{run_id} interrupted") from None
        except BaseException as exc:
            _record_failure(url, run_id, exc)
            raise
    return {"run_id": run_id, **summary}

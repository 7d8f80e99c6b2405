"""Prefect flows: ``ingest``, ``extract``, ``fit`` and ``nightly`` (all three, in order).

Each task wraps one plain stage function (the same ones the CLI calls), so the logic is tested
without Prefect and the flows only add orchestration: retries with backoff where a fault is
transient (the network), none where it is not (a bad PDF is recorded on its paper, not retried;
an unreachable source or bad option is the user's to fix).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.tasks import exponential_backoff

from db.session import session_scope
from pipeline.errors import UserError
from pipeline.extract import extract_pending
from pipeline.ingest import IngestReport, ingest_arxiv, ingest_directory


def _transient(_task: Any, _run: Any, state: Any) -> bool:
    """Retry unless the failure is one a retry cannot fix (see ``pipeline.errors.UserError``)."""
    return not isinstance(getattr(state, "data", None), UserError)


def _ingest_summary(reports: list[IngestReport]) -> dict[str, Any]:
    return {
        "queries": len(reports),
        "seen": sum(r.seen for r in reports),
        "new": sum(r.new for r in reports),
        "new_versions": sum(r.new_versions for r in reports),
        "failed": [{"paper": p, "reason": why} for r in reports for p, why in r.failed],
    }


@task(
    name="ingest-arxiv",
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=60),
    retry_condition_fn=_transient,
)
def ingest_arxiv_task(since: datetime | None, max_results: int | None) -> dict[str, Any]:
    """Pull each benchmark's new papers and versions from arXiv."""
    return _ingest_summary(ingest_arxiv(since=since, max_results=max_results))


@task(name="ingest-directory")
def ingest_directory_task(directory: str) -> dict[str, Any]:
    """Ingest a local directory of PDFs named by arXiv id."""
    return _ingest_summary([ingest_directory(Path(directory))])


@task(name="extract")
def extract_task(retry_failed: bool = False) -> dict[str, Any]:
    """Parse and extract every paper not yet extracted by the current extractor versions."""
    report = extract_pending(retry_failed=retry_failed)
    return {
        "papers": report.papers,
        "extracted": report.extracted,
        "failed": [{"paper": p, "reason": why} for p, why in report.failed],
        "facts": dict(report.facts),
    }


@task(name="fit")
def fit_task(run_id: str | None = None) -> dict[str, Any]:
    """Rebuild observations from accepted facts and refit every trend."""
    from pipeline.analysis.fit import run_fits

    with session_scope() as session:
        result = run_fits(session, run_id=run_id)
        return {"fits": len(result.fits), "drift": list(result.drift)}


@flow(name="ingest", log_prints=True)
def ingest_flow(
    source: str = "arxiv", since: datetime | None = None, max_results: int | None = None
) -> dict[str, Any]:
    if source == "arxiv":
        return ingest_arxiv_task(since, max_results)
    return ingest_directory_task(source)


@flow(name="extract")
def extract_flow(retry_failed: bool = False) -> dict[str, Any]:
    return extract_task(retry_failed)


@flow(name="fit")
def fit_flow() -> dict[str, Any]:
    from prefect.runtime import flow_run

    return fit_task(str(flow_run.id) if flow_run.id else None)


@flow(name="nightly")
def nightly_flow(
    source: str = "arxiv", since: datetime | None = None, max_results: int | None = None
) -> dict[str, Any]:
    """The nightly job: ingest new papers, extract them, refit the trends."""
    logger = get_run_logger()
    summary = {
        "ingest": ingest_flow(source, since, max_results),
        "extract": extract_flow(),
        "fit": fit_flow(),
    }
    ingest, extract = summary["ingest"], summary["extract"]
    logger.info(
        "nightly: %d new papers, %d new versions, %d failed ingests; %d papers extracted, "
        "%d failed; facts %s; %d fits, drift: %s",
        ingest["new"],
        ingest["new_versions"],
        len(ingest["failed"]),
        extract["extracted"],
        len(extract["failed"]),
        extract["facts"],
        summary["fit"]["fits"],
        "; ".join(summary["fit"]["drift"]) or "none",
    )
    return summary

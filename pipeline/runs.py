"""Run summaries: one ``pipeline_runs`` row per nightly run, written at its start and end.

The summary answers the morning-after questions: how many papers were new or new versions, which
failed and why, how many facts were added, which fits changed, how long each stage took. It goes
to the database (``pipeline_runs``) and to the log; ``ctrends run`` exits non-zero when the run
failed or any paper did, including papers an earlier run left failed by the environment's fault
(a full disk, a permission, the database) that are still not extracted: their facts are missing,
so the run is ``partial``, not ``succeeded``.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from sqlalchemy import select, update

from db.models import Paper, PipelineRun, utcnow
from db.session import session_factory
from pipeline.errors import one_line
from pipeline.faults import ENVIRONMENT
from pipeline.sources import paper_label

log = logging.getLogger(__name__)


def start_run(url: str, source: str, flow_run_id: str | None) -> int:
    """Record a run as started (call it holding the run lock: any other ``running`` row is a
    run whose process died, and is marked ``abandoned``)."""
    with session_factory(url).begin() as session:
        session.execute(
            update(PipelineRun)
            .where(PipelineRun.status == "running")
            .values(status="abandoned", finished_at=utcnow())
        )
        run = PipelineRun(
            source=source,
            flow_run_id=flow_run_id,
            status="running",
            host=socket.gethostname(),
            pid=os.getpid(),
        )
        session.add(run)
        session.flush()
        return run.id


def environmental_failures(url: str) -> list[dict[str, str]]:
    """Papers left failed by the environment's fault (the next run retries them)."""
    with session_factory(url)() as session:
        papers = session.scalars(
            select(Paper)
            .where(Paper.status == "failed", Paper.failure_class == ENVIRONMENT)
            .order_by(Paper.id)
        ).all()
        return [{"paper": paper_label(p), "reason": p.error or ENVIRONMENT} for p in papers]


def summarise(
    ingest: dict[str, Any],
    extract: dict[str, Any],
    fit: dict[str, Any],
    timings: dict[str, float],
    unresolved: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The run's summary from its stages' results (what ``nightly_flow`` returns); ``unresolved``
    are papers still failed by the environment's fault (:func:`environmental_failures`), counted
    as failed whether this run or an earlier one met the fault."""
    failed = ingest["failed"] + extract["failed"]
    listed = {f["paper"] for f in failed}
    failed += [f for f in unresolved or [] if f["paper"] not in listed]
    return {
        "status": "partial" if failed else "succeeded",
        "papers_new": ingest["new"],
        "papers_new_version": ingest["new_versions"],
        "papers_extracted": extract["extracted"],
        "papers_failed": len(failed),
        "facts_added": extract["facts"].get("added", 0),
        "fits_changed": fit["new_fits"],
        "failed": failed,
        "ingest": ingest,
        "extract": extract,
        "fit": fit,
        "timings": {stage: round(seconds, 3) for stage, seconds in timings.items()},
    }


def finish_run(url: str, run_id: int, summary: dict[str, Any]) -> None:
    """Store the summary on the run's row and log it."""
    with session_factory(url).begin() as session:
        run = session.get_one(PipelineRun, run_id)
        run.status = summary["status"]
        for name in (
            "papers_new",
            "papers_new_version",
            "papers_extracted",
            "papers_failed",
            "facts_added",
            "fits_changed",
        ):
            setattr(run, name, summary[name])
        run.summary = summary
        run.finished_at = utcnow()
    log.info(
        "run #%d %s: %d new papers, %d new versions, %d extracted, %d failed; %d facts added; "
        "%d fits changed%s; %s",
        run_id,
        summary["status"],
        summary["papers_new"],
        summary["papers_new_version"],
        summary["papers_extracted"],
        summary["papers_failed"],
        summary["facts_added"],
        summary["fits_changed"],
        f" (drift: {'; '.join(summary['fit']['drift'])})" if summary["fit"]["drift"] else "",
        ", ".join(f"{stage} {s:.1f} s" for stage, s in summary["timings"].items()),
    )
    for failure in summary["failed"]:
        log.warning("run #%d: %s failed: %s", run_id, failure["paper"], failure["reason"])


def fail_run(url: str, run_id: int, error: BaseException) -> None:
    """The run stopped with an error, or was interrupted (Ctrl+C): record it (the stages' own
    records stay as they are; a paper not stored yet is extracted by the next run)."""
    interrupted = isinstance(error, KeyboardInterrupt)
    message = (
        "interrupted (SIGINT)" if interrupted else f"{type(error).__name__}: {one_line(error)}"
    )
    with session_factory(url).begin() as session:
        run = session.get_one(PipelineRun, run_id)
        run.status = "interrupted" if interrupted else "failed"
        run.error = message
        run.finished_at = utcnow()
    if not interrupted:  # the command line says it in one line
        log.error("run #%d failed: %s", run_id, message)

"""Run summaries: what a nightly run stores in ``pipeline_runs`` and logs, and the exit status of
``ctrends run``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from db.models import PipelineRun
from pipeline.cli import app
from pipeline.flows import nightly_flow
from pipeline.runs import fail_run, finish_run, start_run, summarise
from tests.support.prefect_api import prefect_api_server
from tests.test_flows import write_corpus

prefect_api = pytest.fixture(scope="module")(prefect_api_server)
runner = CliRunner()

INGEST = {"queries": 5, "seen": 9, "new": 3, "new_versions": 1, "failed": []}
EXTRACT = {
    "papers": 4,
    "extracted": 3,
    "failed": [{"paper": "1701.00001v1", "reason": "timed out after 180 s (time limit)"}],
    "facts": {"added": 12, "updated": 2, "unchanged": 5},
}
FIT = {"run_id": "r1", "fits": 8, "new_fits": 2, "skipped": 0, "drift": ["imagenet moved"]}


def test_summary_counts_each_stage_and_is_partial_when_a_paper_failed() -> None:
    summary = summarise(INGEST, EXTRACT, FIT, {"ingest": 1.23456, "extract": 2.0, "fit": 0.5})
    assert summary["status"] == "partial"
    assert (summary["papers_new"], summary["papers_new_version"]) == (3, 1)
    assert (summary["papers_extracted"], summary["papers_failed"]) == (3, 1)
    assert (summary["facts_added"], summary["fits_changed"]) == (12, 2)
    assert summary["failed"] == EXTRACT["failed"]
    assert summary["timings"]["ingest"] == 1.235
    clean = summarise(INGEST, {**EXTRACT, "failed": []}, FIT, {})
    assert clean["status"] == "succeeded" and clean["papers_failed"] == 0


def test_finish_and_fail_write_the_row_and_the_log(
    ctrends_env: dict[str, str], session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    first = start_run(url, "arxiv", "flow-1")
    with caplog.at_level(logging.INFO, logger="pipeline.runs"):
        finish_run(url, first, summarise(INGEST, EXTRACT, FIT, {"ingest": 1.0}))
    run = session.get_one(PipelineRun, first)
    assert (run.status, run.papers_new, run.papers_failed, run.facts_added) == (
        "partial",
        3,
        1,
        12,
    )
    assert run.fits_changed == 2 and run.finished_at is not None
    assert run.summary is not None and run.summary["fit"]["drift"] == ["imagenet moved"]
    assert f"run #{first} partial: 3 new papers" in caplog.text
    assert "1701.00001v1 failed: timed out" in caplog.text

    second = start_run(url, "arxiv", "flow-2")
    fail_run(url, second, ConnectionError("arXiv went away"))
    session.expire_all()
    failed = session.get_one(PipelineRun, second)
    assert failed.status == "failed" and failed.error == "ConnectionError: arXiv went away"


def test_a_run_that_stops_with_an_error_is_recorded_as_failed(
    prefect_api: str, ctrends_env: dict[str, str], session: Session, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-directory"
    with pytest.raises(Exception, match="no-such-directory"):
        nightly_flow(source=str(missing))
    run = session.scalars(select(PipelineRun)).one()
    assert run.status == "failed" and run.finished_at is not None
    assert run.error and "no-such-directory" in run.error


def test_ctrends_run_prints_the_summary_and_exits_1_only_when_a_paper_failed(
    prefect_api: str, ctrends_env: dict[str, str], session: Session, tmp_path: Path
) -> None:
    good = write_corpus(tmp_path / "good", 1, broken=False)
    result = runner.invoke(app, ["run", "--source", str(good)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "succeeded" and summary["papers_extracted"] == 1

    mixed = write_corpus(tmp_path / "mixed", 1)
    result = runner.invoke(app, ["run", "--source", str(mixed)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "2 papers failed" in result.stdout
    runs = session.scalars(select(PipelineRun).order_by(PipelineRun.id)).all()
    assert [r.status for r in runs] == ["succeeded", "partial"]

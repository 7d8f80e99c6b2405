"""Whose fault a failure is: a full disk, a permission or a lost database is the environment's,
and the next extract retries it by itself; a broken PDF is the PDF's and is not retried. Papers
cut short by the page limit are marked and extracted again when the limit allows more."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import pipeline.extract
from db.models import Fact, Paper
from extractors.parse import cache
from pipeline.cli import app
from pipeline.extract import extract_pending, papers_to_extract
from pipeline.faults import ENVIRONMENT, INPUT, failure_class
from pipeline.fetch import PdfCache
from pipeline.ingest import ingest_directory
from pipeline.runs import environmental_failures, summarise
from tests.support.pdfgen import make_pdf

RESULT = "ResNet-50 reaches 76.1% top-1 accuracy on ImageNet."
ENOSPC = OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def pdfs(tmp_path: Path) -> Path:
    directory = tmp_path / "pdfs"
    directory.mkdir()
    (directory / "1512.03385.pdf").write_bytes(make_pdf([[RESULT]]))
    (directory / "1605.07146v2.pdf").write_bytes(make_pdf([[RESULT], ["An appendix."]]))
    (directory / "1701.00002.pdf").write_bytes(b"%PDF-1.4\nnot really a PDF")
    return directory


def _papers(session: Session) -> dict[str, Paper]:
    session.expire_all()
    return {p.arxiv_id: p for p in session.scalars(select(Paper))}


def test_the_classes(tmp_path: Path) -> None:
    assert failure_class(ENOSPC) == ENVIRONMENT
    assert failure_class(PermissionError(errno.EACCES, "Permission denied")) == ENVIRONMENT
    wrapped = ValueError("parse failed")
    wrapped.__cause__ = OSError(errno.EIO, "Input/output error")
    assert failure_class(wrapped) == ENVIRONMENT
    assert failure_class(OperationalError("UPDATE", {}, Exception("disk full"))) == ENVIRONMENT
    assert failure_class(ValueError("no %PDF- header")) == INPUT
    assert failure_class(MemoryError()) == INPUT


def test_environmental_failures_are_retried_by_the_next_extract(
    ctrends_env: dict[str, str],
    session: Session,
    pdfs: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    ingest_directory(pdfs)

    def full_disk(*_args: object) -> None:
        raise ENOSPC

    with monkeypatch.context() as patch:  # the parse cache cannot be written: a full disk
        patch.setattr(cache, "_write_atomically", full_disk)
        report = extract_pending(url)
    assert report.extracted == 0 and len(report.failed) == 3 and report.environmental == 2
    papers = _papers(session)
    assert papers["1512.03385"].failure_class == ENVIRONMENT
    assert "No space left on device" in (papers["1512.03385"].error or "")
    assert papers["1701.00002"].failure_class == INPUT
    unresolved = environmental_failures(url)
    assert {f["paper"] for f in unresolved} == {"1512.03385", "1605.07146v2"}
    quiet = {"new": 0, "new_versions": 0, "failed": []}
    summary = summarise(
        quiet, {"extracted": 0, "failed": [], "facts": {}}, _no_fit(), {}, unresolved
    )
    assert summary["status"] == "partial" and summary["papers_failed"] == 2

    again = extract_pending(url)  # space is back: no --retry-failed needed
    assert (again.papers, again.extracted) == (2, 2)
    papers = _papers(session)
    assert {papers[i].status for i in ("1512.03385", "1605.07146")} == {"extracted"}
    assert papers["1512.03385"].failure_class is None and papers["1701.00002"].status == "failed"
    assert environmental_failures(url) == []
    assert extract_pending(url).papers == 0  # the broken PDF is not retried without asking


def _no_fit() -> dict[str, object]:
    return {"new_fits": 0, "drift": []}


def test_a_database_fault_while_storing_fails_that_paper_and_the_rest_go_on(
    ctrends_env: dict[str, str],
    session: Session,
    pdfs: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    ingest_directory(pdfs)
    real = pipeline.extract.store_facts
    calls = []

    def store_once_full(session: Session, paper: Paper, *args: object, **kwargs: object) -> object:
        calls.append(paper.arxiv_id)
        if len(calls) == 1:
            raise OperationalError(
                "INSERT INTO facts ...", {}, Exception("database or disk is full")
            )
        return real(session, paper, *args, **kwargs)

    monkeypatch.setattr(pipeline.extract, "store_facts", store_once_full)
    report = extract_pending(url)
    assert report.extracted == 1 and report.environmental == 1
    (reason,) = [why for label, why in report.failed if label == calls[0]]
    assert "database or disk is full" in reason and "INSERT" not in reason
    assert _papers(session)[calls[0]].failure_class == ENVIRONMENT


def test_an_unwritable_pdf_cache_at_ingest_fails_that_paper_only(
    ctrends_env: dict[str, str],
    session: Session,
    pdfs: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = PdfCache.add_file

    def full_for_one(self: PdfCache, source: Path, max_bytes: int) -> tuple[Path, str]:
        if source.name == "1512.03385.pdf":
            raise ENOSPC
        return real(self, source, max_bytes)

    monkeypatch.setattr(PdfCache, "add_file", full_for_one)
    report = ingest_directory(pdfs)
    assert report.new == 2
    assert dict(report.failed)["1512.03385"] == "fetch: No space left on device"
    paper = _papers(session)["1512.03385"]
    assert (paper.status, paper.failure_class) == ("failed", ENVIRONMENT)
    monkeypatch.setattr(PdfCache, "add_file", real)
    ingest_directory(pdfs)  # the next run of the directory fetches it again
    assert _papers(session)["1512.03385"].status == "ingested"


def test_papers_show_their_failure_class(
    ctrends_env: dict[str, str], session: Session, pdfs: Path
) -> None:
    ingest_directory(pdfs)
    extract_pending(ctrends_env["CTRENDS_DATABASE_URL"])
    outcome = CliRunner().invoke(app, ["papers", "--format", "json"])
    assert outcome.exit_code == 0, outcome.output
    rows = {row["arxiv_id"]: row for row in json.loads(outcome.output)}
    assert rows["1701.00002"]["failure_class"] == INPUT
    assert rows["1512.03385"]["failure_class"] is None


def test_a_truncated_paper_is_marked_and_extracted_again_when_the_limit_allows(
    ctrends_env: dict[str, str],
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    directory = tmp_path / "long"
    directory.mkdir()
    pages = [["Introduction."], ["Related work."], [RESULT]]
    (directory / "1512.03385v1.pdf").write_bytes(make_pdf(pages))
    ingest_directory(directory)
    monkeypatch.setenv("CTRENDS_PDF_MAX_PAGES", "1")
    assert extract_pending(url).extracted == 1
    paper = _papers(session)["1512.03385"]
    assert (paper.page_count, paper.pages_in_pdf, paper.truncated) == (1, 3, True)
    assert session.scalars(select(Fact)).all() == []
    assert papers_to_extract(url, max_pages=1) == []  # the same limit: nothing more to read

    monkeypatch.setenv("CTRENDS_PDF_MAX_PAGES", "2")
    assert extract_pending(url).extracted == 1  # more pages allowed: extracted again
    monkeypatch.setenv("CTRENDS_PDF_MAX_PAGES", "120")
    assert extract_pending(url).extracted == 1
    paper = _papers(session)["1512.03385"]
    assert (paper.page_count, paper.pages_in_pdf, paper.truncated) == (3, 3, False)
    assert [f.page for f in session.scalars(select(Fact))] != []
    assert extract_pending(url).papers == 0


def test_a_paper_has_one_label_in_ingest_and_extract_logs(
    ctrends_env: dict[str, str], pdfs: Path
) -> None:
    """A local PDF without a version is ``1512.03385`` in both (extract said ``...v0``)."""
    ingest_directory(pdfs)
    work = papers_to_extract(ctrends_env["CTRENDS_DATABASE_URL"])
    assert {w.label for w in work} == {"1512.03385", "1605.07146v2", "1701.00002"}


def test_extract_says_which_failures_the_next_run_retries(
    ctrends_env: dict[str, str], pdfs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_directory(pdfs)

    def full_disk(*_args: object) -> None:
        raise ENOSPC

    monkeypatch.setattr(cache, "_write_atomically", full_disk)
    outcome = CliRunner().invoke(app, ["extract"], env={"COLUMNS": "300"})
    assert outcome.exit_code == 0, outcome.output
    assert "3 failed (2 by the environment's fault: retried next time)" in outcome.output

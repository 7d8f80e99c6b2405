"""The nightly flow under Prefect, end to end on a local directory, on both engines; which faults
are retried; and concurrent extractors writing one database."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from pathlib import Path
from typing import Any

import arxiv
import pytest
import requests
from prefect import flow, task
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db.models import Fact, Paper, PipelineRun, TrendFit
from extractors.parse.pdf import PdfParseError
from pipeline.config import get_settings
from pipeline.errors import UserError
from pipeline.extract import PaperWork, extract_pending
from pipeline.flows import (
    MAX_DASK_BATCH,
    RETRYING,
    dask_batches,
    ingest_flow,
    is_transient,
    nightly_flow,
)
from pipeline.ingest import ingest_directory
from pipeline.runlock import RunLocked, run_lock
from pipeline.sources.arxiv_api import ArxivGaveUp
from tests.support.extracted_facts import add_extracted_imagenet
from tests.support.fake_arxiv import FakeArxiv
from tests.support.pdfgen import make_pdf
from tests.support.prefect_api import prefect_api_server

prefect_api = pytest.fixture(scope="module")(prefect_api_server)


def paper_pages(model: str, top1: float, params: float) -> list[list[str]]:
    return [
        [
            f"{model}: Deep Networks for Image Recognition",
            f"Our {model} has {params}M parameters and 4.1 billion FLOPs.",
            f"It reaches {top1}% top-1 accuracy on the ImageNet validation set.",
            "We trained it on 8 NVIDIA V100 GPUs for 3 days.",
        ]
    ]


def write_corpus(directory: Path, n: int, *, broken: bool = True) -> Path:
    """``n`` distinct good papers (different numbers), plus a damaged PDF and a non-PDF."""
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        pdf = make_pdf(paper_pages(f"Net-{i}", 70.0 + i, 10.0 + i))
        (directory / f"1801.{i:05d}v1.pdf").write_bytes(pdf)
    if broken:
        good = make_pdf(paper_pages("Broken", 1.0, 1.0))
        (directory / "1701.00001v1.pdf").write_bytes(good[: len(good) // 3])
        (directory / "1701.00002v1.pdf").write_bytes(b"<html>not a pdf</html>")
    return directory


def test_nightly_flow_end_to_end_and_idempotent(
    prefect_api: str, ctrends_env: dict[str, str], session: Session, tmp_path: Path
) -> None:
    pdfs = write_corpus(tmp_path / "pdfs", 2)
    summary = nightly_flow(source=str(pdfs))

    assert summary["status"] == "partial"  # two broken files: the run finished, papers failed
    assert (summary["papers_new"], summary["papers_extracted"], summary["papers_failed"]) == (
        3,
        2,
        2,
    )
    reasons = {f["paper"]: f["reason"] for f in summary["failed"]}
    assert set(reasons) == {"1701.00001v1", "1701.00002v1"}
    assert "not a PDF" in reasons["1701.00002v1"]
    assert summary["facts_added"] > 0
    assert set(summary["timings"]) == {"ingest", "extract", "fit"}

    run = session.get_one(PipelineRun, summary["run_id"])
    assert run.status == "partial" and run.finished_at is not None and run.error is None
    assert run.flow_run_id and run.host and run.pid
    assert (run.papers_new, run.papers_failed, run.facts_added) == (3, 2, summary["facts_added"])
    assert run.summary is not None and run.summary["failed"] == summary["failed"]
    statuses = dict(session.execute(select(Paper.arxiv_id, Paper.status)).all())
    assert statuses == {
        "1801.00000": "extracted",
        "1801.00001": "extracted",
        "1701.00001": "failed",
        "1701.00002": "failed",
    }
    facts = sorted(session.scalars(select(Fact.id)))
    assert len(facts) == summary["facts_added"]

    again = nightly_flow(source=str(pdfs))
    assert (again["papers_new"], again["papers_extracted"], again["facts_added"]) == (0, 0, 0)
    session.expire_all()
    assert sorted(session.scalars(select(Fact.id))) == facts
    assert session.scalar(select(func.count()).select_from(PipelineRun)) == 2


@pytest.mark.usefixtures("no_row_model")  # row confidences set by hand: the product fallback
def test_a_zero_touch_night_accepts_confident_rows_before_its_fits(
    prefect_api: str,
    ctrends_env: dict[str, str],
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_extracted_imagenet(ctrends_env["CTRENDS_DATABASE_URL"], pending=0.97)
    monkeypatch.setenv("CTRENDS_AUTO_ACCEPT", "0.9")
    (tmp_path / "pdfs").mkdir()
    summary = nightly_flow(source=str(tmp_path / "pdfs"))
    assert summary["fit"]["auto_accepted_facts"] == 5 * 4 and summary["fits_changed"] > 0
    fit = session.scalars(
        select(TrendFit).where(TrendFit.compute_measure == "ops_forward_pass")
    ).first()
    assert fit is not None and (fit.n, fit.automatic_n) == (5, 5)
    again = nightly_flow(source=str(tmp_path / "pdfs"))
    assert (again["fit"]["auto_accepted_facts"], again["fits_changed"]) == (0, 0)


def test_a_run_while_another_holds_the_lock_stops_and_changes_nothing(
    prefect_api: str, ctrends_env: dict[str, str], session: Session, tmp_path: Path
) -> None:
    pdfs = write_corpus(tmp_path / "pdfs", 1, broken=False)
    settings = get_settings()
    held, release = threading.Event(), threading.Event()

    def other_run() -> None:  # the lock is re-entrant in its own thread: hold it in another
        with run_lock(settings.database_url, settings.data_dir):
            held.set()
            release.wait(120)

    holder = threading.Thread(target=other_run)
    holder.start()
    try:
        assert held.wait(60)
        with pytest.raises(RunLocked, match="another nightly run is in progress"):
            nightly_flow(source=str(pdfs))
    finally:
        release.set()
        holder.join(60)
    assert session.scalar(select(func.count()).select_from(PipelineRun)) == 0
    assert session.scalar(select(func.count()).select_from(Paper)) == 0


def _sqlite_busy(tmp_path: Path) -> OperationalError:
    """A real "database is locked": a second writer that will not wait."""
    path = tmp_path / "busy.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
    except OperationalError as exc:
        return exc
    finally:
        holder.close()
        engine.dispose()
    raise AssertionError("the second writer was not refused")


def _sqlalchemy_error(url: str, sql: str) -> OperationalError:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    except OperationalError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError(f"{sql!r} did not fail on {url}")


def test_only_transient_faults_count_as_transient(tmp_path: Path) -> None:
    transient = [
        _sqlite_busy(tmp_path),
        _sqlalchemy_error("postgresql+psycopg://postgres@127.0.0.1:9/none", "SELECT 1"),
    ]
    # HTTP faults are retried where they happen (pipeline.retry), counted once: a task retry on
    # top multiplied them (3 task attempts x 5 arXiv attempts).
    already_retried = [
        requests.ConnectionError("connection reset by peer"),
        requests.Timeout("read timed out"),
        arxiv.HTTPError("https://export.arxiv.org/api/query", 0, 503),
        ArxivGaveUp("arXiv kept failing"),
    ]
    permanent = [
        *already_retried,
        _sqlalchemy_error(f"sqlite:///{tmp_path / 'empty.sqlite'}", "SELECT * FROM missing"),
        arxiv.HTTPError("https://export.arxiv.org/api/query", 0, 400),
        PdfParseError("1701.00001.pdf: not a PDF"),
        UserError("--source must be 'arxiv' or an existing directory"),
        ValueError("a bug"),
    ]
    assert [is_transient(e) for e in transient] == [True] * len(transient)
    assert [is_transient(e) for e in permanent] == [False] * len(permanent)


def test_tasks_retry_a_transient_fault_but_not_a_permanent_one(
    prefect_api: str, tmp_path: Path
) -> None:
    faults = {"transient": _sqlite_busy(tmp_path), "permanent": PdfParseError("broken PDF")}
    calls: list[str] = []

    @task(**{**RETRYING, "retry_delay_seconds": 0, "retry_jitter_factor": None})
    def fails_once(kind: str) -> str:
        calls.append(kind)
        if calls.count(kind) == 1:
            raise faults[kind]
        return "done"

    @flow
    def both() -> list[object]:
        return [
            fails_once.submit(kind).result(raise_on_failure=False)
            for kind in ("transient", "permanent")
        ]

    transient, permanent = both()
    assert transient == "done" and calls.count("transient") == 2
    assert isinstance(permanent, PdfParseError) and calls.count("permanent") == 1


def test_an_arxiv_outage_costs_retries_plus_one_requests_under_prefect(
    prefect_api: str, ctrends_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prefect does not retry what the HTTP retry policy gave up on (it made 3 x 3 requests)."""
    fake = FakeArxiv().start()
    try:
        fake.api_faults.extend(["503"] * 30)
        monkeypatch.setenv("CTRENDS_ARXIV_API_URL", fake.api_url)
        monkeypatch.setenv("CTRENDS_ARXIV_RETRIES", "2")
        with pytest.raises(ArxivGaveUp, match="after 3 attempts"):
            ingest_flow("arxiv")
        assert len(fake.api_requests()) == 3
    finally:
        fake.stop()


def _extract_in_child(url: str, barrier: Any, out: Any) -> None:
    barrier.wait()
    report = extract_pending(url, settings=get_settings())
    out.put((report.extracted, report.failed))


def test_two_extractors_at_once_never_duplicate_a_fact(
    ctrends_env: dict[str, str], session: Session, tmp_path: Path
) -> None:
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    ingest_directory(write_corpus(tmp_path / "pdfs", 4, broken=False))
    # Fresh interpreters (spawn): two independent extractors, as on two machines.
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    workers = [ctx.Process(target=_extract_in_child, args=(url, barrier, out)) for _ in range(2)]
    for proc in workers:
        proc.start()
    results = [out.get(timeout=600) for _ in workers]
    for proc in workers:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    assert all(failed == [] for _, failed in results)
    assert sum(extracted for extracted, _ in results) >= 4  # each paper by one or both

    facts = session.execute(select(Fact.paper_id, Fact.kind, Fact.model, Fact.value)).all()
    assert len(facts) == len(set(facts)), "a fact was stored twice"
    per_paper = dict(
        session.execute(select(Fact.paper_id, func.count()).group_by(Fact.paper_id)).all()
    )
    assert len(per_paper) == 4 and len(set(per_paper.values())) == 1  # same text, same facts
    statuses = set(session.scalars(select(Paper.status)))
    assert statuses == {"extracted"}


@pytest.mark.parametrize(
    ("papers", "workers", "size"), [(0, 2, 1), (3, 2, 1), (66, 2, 8), (10_000, 8, MAX_DASK_BATCH)]
)
def test_dask_batches_cover_every_paper_once_and_keep_every_worker_busy(
    papers: int, workers: int, size: int
) -> None:
    work = [PaperWork(i, f"2001.{i:05d}v1", f"/pdfs/{i}.pdf", "0" * 64) for i in range(papers)]
    batches = dask_batches(work, workers)
    assert [w for batch in batches for w in batch] == work
    assert max((len(b) for b in batches), default=size) == size
    assert len(batches) >= min(papers, 4 * workers)

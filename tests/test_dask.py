"""Scale-out: the extract stage as one Prefect task per paper on a Dask cluster of two worker
processes, both writing to the shared database, on both engines."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import pytest
from distributed import Client, LocalCluster
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Fact, Paper
from extractors.parse.pdf import parse_pdf
from extractors.registry import run_extractors
from pipeline.config import get_settings
from pipeline.errors import UserError
from pipeline.extract import PaperWork, extract_batch
from pipeline.flows import nightly_flow
from tests.support.prefect_api import prefect_api_server
from tests.test_flows import write_corpus

prefect_api = pytest.fixture(scope="module")(prefect_api_server)
N_PAPERS = 6


@pytest.fixture(scope="module")
def dask_cluster(prefect_api: str) -> Iterator[LocalCluster]:
    """Two single-threaded worker processes that report task runs to the test's Prefect API."""
    with (
        dask.config.set({"distributed.worker.daemon": False}),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env={"PREFECT_API_URL": prefect_api},
        ) as cluster,
    ):
        yield cluster


def _expected_fact_counts(pdfs: Path) -> dict[str, int]:
    return {
        pdf.stem.split("v")[0]: len(run_extractors(parse_pdf(pdf))[0])
        for pdf in sorted(pdfs.glob("1801.*.pdf"))
    }


def _worker_pids(client: Client) -> set[int]:
    import os

    return set(client.run(os.getpid).values())


def test_nightly_on_a_dask_cluster_stores_every_paper_once(
    dask_cluster: LocalCluster,
    ctrends_env: dict[str, str],
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CTRENDS_TASK_RUNNER", "dask")
    monkeypatch.setenv("CTRENDS_DASK_ADDRESS", dask_cluster.scheduler_address)
    pdfs = write_corpus(tmp_path / "pdfs", N_PAPERS)
    with Client(dask_cluster) as client:
        assert len(_worker_pids(client)) == 2

    summary = nightly_flow(source=str(pdfs))

    assert summary["papers_extracted"] == N_PAPERS
    assert sorted(f["paper"] for f in summary["failed"]) == ["1701.00001v1", "1701.00002v1"]
    damaged = session.scalars(select(Paper).where(Paper.arxiv_id == "1701.00001")).one()
    assert damaged.status == "failed" and damaged.error  # the reason, from the worker
    counts = dict(
        session.execute(
            select(Paper.arxiv_id, func.count(Fact.id)).join(Fact).group_by(Paper.arxiv_id)
        ).all()
    )
    assert counts == _expected_fact_counts(pdfs)  # each fact stored once, none lost
    assert summary["facts_added"] == sum(counts.values())


def test_a_temporary_local_cluster_is_started_when_no_address_is_set(
    prefect_api: str,
    ctrends_env: dict[str, str],
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CTRENDS_TASK_RUNNER", "dask")
    monkeypatch.setenv("CTRENDS_WORKERS", "2")
    monkeypatch.delenv("CTRENDS_DASK_ADDRESS", raising=False)
    pdfs = write_corpus(tmp_path / "pdfs", 2, broken=False)
    summary = nightly_flow(source=str(pdfs))
    assert summary["status"] == "succeeded" and summary["papers_extracted"] == 2
    assert set(session.scalars(select(Paper.status))) == {"extracted"}


def _in_daemon(work: PaperWork, out: Any) -> None:
    try:
        extract_batch([work], get_settings())
    except UserError as exc:
        out.put(str(exc))
    else:
        out.put("no error")


def test_a_daemonic_worker_is_refused_with_how_to_start_workers(
    ctrends_env: dict[str, str], tmp_path: Path
) -> None:
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    work = PaperWork(1, "1801.00000v1", str(tmp_path / "absent.pdf"), "0" * 64)
    proc = ctx.Process(target=_in_daemon, args=(work, out), daemon=True)
    proc.start()
    message = out.get(timeout=120)
    proc.join(60)
    assert "DASK_DISTRIBUTED__WORKER__DAEMON=False" in message

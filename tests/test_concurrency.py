"""Two runs started together against one database and data directory, on SQLite and PostgreSQL:
nothing is duplicated, nothing deadlocks (each run must finish within a bound), and the result is
the one a single run gives."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from db.models import Fact, IngestRun, Paper
from db.session import session_scope
from tests.stress.crash_kills import (
    CTRENDS,
    RUN_LIMIT,
    check_caches,
    corpus,
    environment,
    reference_run,
    snapshot,
)


def _run_both_stages(pdfs: Path, env: dict[str, str]) -> list[int]:
    codes = []
    for args in (["ingest", "--source", str(pdfs)], ["extract"]):
        proc = subprocess.run(
            [str(CTRENDS), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_LIMIT,  # a deadlock fails the test here instead of hanging CI
        )
        assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
        codes.append(proc.returncode)
    return codes


def test_two_runs_started_together_duplicate_nothing(
    db_url: str, tmp_path: Path, _sqlite_factory: Any
) -> None:
    pdfs = corpus(tmp_path / "pdfs", papers=8)
    reference_url, _ = _sqlite_factory.create()
    reference_run(pdfs, environment(reference_url, tmp_path / "reference"))
    expected = snapshot(reference_url)

    env = environment(db_url, tmp_path / "data")
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(_run_both_stages, pdfs, env) for _ in range(2)]
        codes = [run.result(timeout=2 * RUN_LIMIT + 60) for run in runs]
    assert all(code in (0, 1) for pair in codes for code in pair), codes

    assert snapshot(db_url) == expected
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Paper)) == len(list(pdfs.iterdir()))
        assert s.scalar(select(func.count(func.distinct(Fact.fact_key)))) == s.scalar(
            select(func.count()).select_from(Fact)
        )
        assert set(s.scalars(select(IngestRun.status))) == {"succeeded"}
    check_caches(tmp_path / "data", db_url)

"""One nightly run at a time: PostgreSQL advisory lock / SQLite lock file, on both engines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from db.models import PipelineRun
from pipeline.runlock import RunLocked, run_lock
from pipeline.runs import start_run

HOLDER = """
import sys, time
from pathlib import Path
from pipeline.runlock import run_lock
with run_lock(sys.argv[1], Path(sys.argv[2])):
    print("locked", flush=True)
    time.sleep(600)
"""


def test_a_second_holder_is_refused_with_the_run_in_progress_named(
    ctrends_env: dict[str, str], session: Session, tmp_path: Path
) -> None:
    url, data_dir = ctrends_env["CTRENDS_DATABASE_URL"], tmp_path / "data"
    with run_lock(url, data_dir):
        run_id = start_run(url, "arxiv", None)
        with run_lock(url, data_dir):  # re-entrant in its holder's thread (ctrends run, its flow)
            pass
        message = _refused_in_another_thread(url, data_dir)
        assert "another nightly run is in progress" in message
        assert f"run #{run_id}" in message and f"pid {os.getpid()}" in message
    with run_lock(url, data_dir):  # released at the end of the block
        pass


def _refused_in_another_thread(url: str, data_dir: Path) -> str:
    refusals: list[str] = []

    def second_holder() -> None:
        try:
            with run_lock(url, data_dir):
                refusals.append("a second holder got the lock")
        except RunLocked as exc:
            refusals.append(str(exc))

    thread = threading.Thread(target=second_holder)
    thread.start()
    thread.join(60)
    return refusals[0]


def test_a_waiting_run_gets_the_lock_when_the_holder_finishes(
    ctrends_env: dict[str, str], tmp_path: Path
) -> None:
    url, data_dir = ctrends_env["CTRENDS_DATABASE_URL"], tmp_path / "data"
    release = threading.Event()
    held = threading.Event()

    def holder() -> None:
        with run_lock(url, data_dir):
            held.set()
            release.wait(60)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(60)
    order: list[str] = []
    threading.Timer(0.5, lambda: (order.append("released"), release.set())).start()
    with run_lock(url, data_dir, wait=120):
        order.append("acquired")
    thread.join(60)
    assert order == ["released", "acquired"]


def test_a_killed_holder_leaves_no_stale_lock_and_its_run_is_marked_abandoned(
    ctrends_env: dict[str, str], session: Session, tmp_path: Path
) -> None:
    url, data_dir = ctrends_env["CTRENDS_DATABASE_URL"], tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, str(data_dir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(RunLocked), run_lock(url, data_dir):
            pass
        crashed = PipelineRun(source="arxiv", status="running", pid=proc.pid)
        session.add(crashed)
        session.commit()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(60)
    with run_lock(url, data_dir):
        new_id = start_run(url, "arxiv", None)
    session.expire_all()
    assert session.get_one(PipelineRun, crashed.id).status == "abandoned"
    assert session.get_one(PipelineRun, new_id).status == "running"

"""``ctrends run`` as a process, as a user or a scheduler treats it: refused at once while another
run holds the lock, stopped by one Ctrl+C, killed without leaving Prefect's server behind.

Real subprocesses and real signals; every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Paper, PipelineRun
from pipeline.runlock import run_lock
from tests.support.pdfgen import make_pdf

CTRENDS = str(Path(sys.executable).with_name("ctrends"))


def _corpus(directory: Path, n: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        lines = [f"Net-{i}: Deep Networks for Image Recognition"]
        lines += [f"Our Net-{i} reaches {60 + i / 10:.1f}% top-1 accuracy on ImageNet."] * 40
        (directory / f"1801.{i:05d}v1.pdf").write_bytes(make_pdf([lines] * 6))
    return directory


@pytest.fixture
def run_env(ctrends_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return env | ctrends_env | {"CTRENDS_WORKERS": "1", "COLUMNS": "200"}


def _start(source: Path, env: dict[str, str], tmp_path: Path) -> subprocess.Popen[bytes]:
    """``ctrends run`` in a process group of its own, as a terminal would start it."""
    return subprocess.Popen(
        [CTRENDS, "run", "--source", str(source)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "stderr.txt").open("wb"),
        start_new_session=True,
    )


def _until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:g} s: {what}")
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _prefect_servers(parent: int) -> list[int]:
    """Children of ``parent`` that are a Prefect API server (ours or Prefect's own)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if ppid == parent and b"prefect" in cmdline and b"uvicorn" in cmdline:
            found.append(int(entry.name))
    return found


def _count(session: Session, model: type, *where: object) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.fixture
def reaped() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)


def test_a_second_run_is_refused_at_once_in_one_line_before_prefect_starts(
    run_env: dict[str, str], tmp_path: Path
) -> None:
    source = _corpus(tmp_path / "pdfs", 1)
    data_dir = Path(run_env["CTRENDS_DATA_DIR"])
    with run_lock(run_env["CTRENDS_DATABASE_URL"], data_dir):
        done = subprocess.run(
            [CTRENDS, "run", "--source", str(source)],
            env=run_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and "another nightly run is in progress" in lines[0], done.stderr
    assert not (data_dir / "prefect-server.log").exists(), "Prefect was started all the same"
    assert not list(data_dir.rglob("prefect.db")), "Prefect's database was touched"


def test_ctrl_c_stops_the_run_in_seconds_marks_it_interrupted_and_loses_nothing(
    run_env: dict[str, str],
    session: Session,
    tmp_path: Path,
    reaped: list[subprocess.Popen[bytes]],
) -> None:
    total = 40
    run = _start(_corpus(tmp_path / "pdfs", total), run_env, tmp_path)
    reaped.append(run)
    _until(lambda: _count(session, Paper, Paper.status == "extracted") >= 1, 240, "extracting")
    servers = _prefect_servers(run.pid)
    assert servers, "no temporary Prefect server under the run"

    os.killpg(run.pid, signal.SIGINT)  # a terminal's Ctrl+C: the whole foreground group
    started = time.monotonic()
    run.wait(60)
    stopped_in = time.monotonic() - started
    stderr = (tmp_path / "stderr.txt").read_text()
    lines = [line for line in stderr.splitlines() if line.strip()]

    assert run.returncode == 130, stderr
    assert stopped_in < 20, f"took {stopped_in:.1f} s to stop"
    assert "Traceback" not in stderr and "Crash" not in stderr, stderr
    assert "interrupted" in lines[-1] and "run #1" in lines[-1], stderr
    (status, error), *others = session.execute(select(PipelineRun.status, PipelineRun.error))
    assert (status, others) == ("interrupted", []), error
    extracted = _count(session, Paper, Paper.status == "extracted")
    assert 1 <= extracted < total, "the run was not stopped early"
    failed = session.scalars(select(Paper.error).where(Paper.status == "failed")).all()
    assert failed == [], "a paper failed of Ctrl+C"
    assert _count(session, Paper, Paper.status == "ingested") == total - extracted
    _until(lambda: not any(_alive(pid) for pid in servers), 10, "the Prefect server stopped")


def test_sigint_to_the_main_process_alone_stops_the_run_too(
    run_env: dict[str, str],
    session: Session,
    tmp_path: Path,
    reaped: list[subprocess.Popen[bytes]],
) -> None:
    run = _start(_corpus(tmp_path / "pdfs", 40), run_env, tmp_path)
    reaped.append(run)
    _until(lambda: _count(session, Paper, Paper.status == "extracted") >= 1, 240, "extracting")
    run.send_signal(signal.SIGINT)
    run.wait(60)
    assert run.returncode == 130, (tmp_path / "stderr.txt").read_text()
    assert session.scalar(select(PipelineRun.status)) == "interrupted"
    assert _count(session, Paper, Paper.status == "failed") == 0


@pytest.mark.parametrize("kill", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_run_leaves_no_prefect_server_behind(
    kill: signal.Signals,
    run_env: dict[str, str],
    session: Session,
    tmp_path: Path,
    reaped: list[subprocess.Popen[bytes]],
) -> None:
    run = _start(_corpus(tmp_path / "pdfs", 40), run_env, tmp_path)
    reaped.append(run)
    _until(lambda: _count(session, PipelineRun) >= 1, 240, "the run started")
    servers = _prefect_servers(run.pid)
    assert servers, "no temporary Prefect server under the run"
    run.send_signal(kill)
    run.wait(30)
    _until(lambda: not any(_alive(pid) for pid in servers), 10, "the Prefect server died")

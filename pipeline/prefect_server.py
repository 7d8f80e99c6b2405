"""The Prefect API a run or ``ctrends serve`` reports to: a running one, or a temporary server.

When ``PREFECT_API_URL`` is set (a team's ``prefect server start``, Prefect Cloud), it is used
and nothing is started: a nightly run then costs no server start-up. Otherwise we start the
temporary server ourselves rather than let Prefect do it on first use, because Prefect's own
starts in the caller's process group and outlives it:

- a terminal's Ctrl+C goes to the whole foreground process group, so it killed Prefect's server
  under the run, which then hung for minutes on "Connection refused"; ours runs in a session of
  its own, and the run stops it after its own clean shutdown;
- a killed run (SIGKILL, SIGTERM) left Prefect's server running (about 260 MB each); ours gets
  SIGKILL from Linux when its parent dies (``PR_SET_PDEATHSIG``).

``ctrends run`` starts the same in-process-style API Prefect would (its ``create_app`` factory
under uvicorn, without UI or background services); ``ctrends serve`` needs the scheduler, so it
starts a full ``prefect server start``.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from prefect.settings import PREFECT_API_URL, temporary_settings

from pipeline import interrupt
from pipeline.errors import UserError
from pipeline.isolation import die_with_parent

log = logging.getLogger(__name__)

STARTUP_SECONDS = 180.0
# What Prefect sets for its own temporary server (prefect.server.api.server.SubprocessASGIServer)
TEMPORARY_SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}


class _InterruptIsNotACrash(logging.Filter):
    """Prefect logs a Ctrl+C as a crash, at ERROR, once per flow run in progress; the command
    line says it in one line (``pipeline.cli``), so these go to DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "aborted by an interrupt signal" not in record.getMessage():
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


_INTERRUPT_FILTER = _InterruptIsNotACrash()


def _quiet_interrupts() -> None:
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(name).addFilter(_INTERRUPT_FILTER)  # once: filters are a set


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(port: int, services: bool) -> list[str]:
    if services:
        return [
            *(sys.executable, "-m", "prefect", "server", "start"),
            *("--host", "127.0.0.1", "--port", str(port), "--no-ui", "--analytics-off"),
        ]
    return [
        *(sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app"),
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"),
    ]


def _wait_until_healthy(api_url: str, server: subprocess.Popen[bytes], log_file: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise UserError(f"the Prefect server exited with {server.returncode}; see {log_file}")
        try:
            if requests.get(f"{api_url}/health", timeout=5).ok:
                return
        except requests.RequestException:
            pass
        interrupt.sleep(0.2)
    raise UserError(f"the Prefect server did not start in {STARTUP_SECONDS:.0f} s; see {log_file}")


@contextmanager
def prefect_api(
    log_file: Path, *, services: bool = False, meanwhile: Callable[[], object] = lambda: None
) -> Iterator[str]:
    """Yield the Prefect API URL this process's flows report to (``PREFECT_API_URL``, or a
    temporary server started here and stopped at the end of the block). ``meanwhile`` runs
    while a temporary server starts (imports, migrations: seconds a run need not wait twice)."""
    _quiet_interrupts()
    configured = PREFECT_API_URL.value()
    if configured:
        log.debug("using the Prefect API at %s", configured)
        meanwhile()
        yield str(configured)
        return
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    env = os.environ | ({} if services else TEMPORARY_SERVER_ENV)
    with log_file.open("ab") as output:
        server = subprocess.Popen(
            _command(port, services),
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # a terminal's Ctrl+C is for the run, which stops it after
            preexec_fn=die_with_parent,  # before exec: prctl and getppid only, no locks
        )
    try:
        log.debug("starting a temporary Prefect server at %s (log: %s)", api_url, log_file)
        meanwhile()
        _wait_until_healthy(api_url, server, log_file)
        previous = os.environ.get("PREFECT_API_URL")
        os.environ["PREFECT_API_URL"] = api_url  # child processes (Dask workers) inherit it
        try:
            with temporary_settings({PREFECT_API_URL: api_url}):
                yield api_url
        finally:
            if previous is None:
                os.environ.pop("PREFECT_API_URL", None)
            else:
                os.environ["PREFECT_API_URL"] = previous
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

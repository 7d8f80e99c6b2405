"""Serving the nightly flow: a Prefect deployment with a cron schedule (``ctrends serve``).

Prefect creates scheduled runs only through a Prefect server's scheduler service; the temporary
in-process server that ``ctrends run`` uses cannot schedule ("Cannot schedule flows on an
ephemeral server"). So ``ctrends serve`` talks to ``PREFECT_API_URL`` when it is set (a team's
``prefect server start`` or Prefect Cloud, where the runs also show in the UI), and otherwise
starts a local Prefect server of its own, under ``PREFECT_HOME``, for as long as it serves.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from prefect.schedules import Cron, Schedule
from prefect.settings import PREFECT_API_URL, temporary_settings

from pipeline.errors import UserError

log = logging.getLogger(__name__)

SERVER_STARTUP_SECONDS = 180.0


def nightly_schedule(cron: str, timezone: str) -> Schedule:
    """A cron schedule in an IANA time zone (runs follow daylight saving time there)."""
    try:
        ZoneInfo(timezone)
        return Cron(cron, timezone=timezone)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise UserError(f"invalid schedule {cron!r} in time zone {timezone!r}: {exc}") from exc


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_healthy(api_url: str, server: subprocess.Popen[bytes], log_file: Path) -> None:
    deadline = time.monotonic() + SERVER_STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise UserError(f"the Prefect server exited with {server.returncode}; see {log_file}")
        try:
            if requests.get(f"{api_url}/health", timeout=5).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1.0)
    raise UserError(f"the Prefect server did not start in {SERVER_STARTUP_SECONDS:.0f} s")


@contextmanager
def prefect_server(log_file: Path) -> Iterator[str]:
    """The Prefect API to serve against: ``PREFECT_API_URL``, or a local server started here."""
    configured = PREFECT_API_URL.value()
    if configured:
        yield str(configured)
        return
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as output:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "prefect", "server", "start"),
                *("--host", "127.0.0.1", "--port", str(port), "--no-ui", "--analytics-off"),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        log.info("starting a local Prefect server at %s (log: %s)", api_url, log_file)
        _wait_until_healthy(api_url, server, log_file)
        os.environ["PREFECT_API_URL"] = api_url  # the runner's flow-run processes inherit it
        with temporary_settings({PREFECT_API_URL: api_url}):
            yield api_url
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def serve_nightly(schedule: Schedule, source: str, log_file: Path) -> None:
    """Serve the nightly flow on ``schedule`` until interrupted."""
    from pipeline.flows import nightly_flow

    with prefect_server(log_file) as api_url:
        log.info("serving the nightly flow against the Prefect API at %s", api_url)
        nightly_flow.serve(
            name="nightly",
            schedules=[schedule],
            parameters={"source": source},
            global_limit=1,  # one nightly run at a time; a late one waits for the running one
        )

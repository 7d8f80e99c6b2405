"""One nightly run at a time, per database.

PostgreSQL (teams, several machines): a session-level advisory lock held on a dedicated
connection for the whole run. SQLite (one machine): an exclusive ``flock`` on a lock file beside
the database file. Both are released by the operating system or the server when the process
dies, so a crashed run never leaves a stale lock behind.

A second run waits up to ``CTRENDS_RUN_LOCK_WAIT`` seconds (default 0) for the lock, then stops
with :class:`RunLocked`, whose message names the run in progress (from ``pipeline_runs``).
Scheduled runs of ``ctrends serve`` are queued by Prefect first (the deployment's global
concurrency limit of 1); the lock also covers ``ctrends run`` by hand and other machines.
``ctrends run`` takes the lock before it starts Prefect (so a second run is refused at once, and
two runs never race on Prefect's own database); the flow taking it again in the same thread is
a no-op (the lock is re-entrant per thread).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from db.models import PipelineRun
from db.session import get_engine, normalize_url, session_factory
from pipeline import interrupt
from pipeline.errors import UserError

LOCK_NAME = "compute-trends:nightly"
POLL_SECONDS = 1.0
_held = threading.local()  # .urls: the databases whose lock this thread holds


class RunLocked(UserError):
    """Another nightly run holds the lock."""


def advisory_key(name: str = LOCK_NAME) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock`` (advisory locks are per database)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def lock_file_for(url: str, data_dir: Path) -> Path:
    """SQLite: beside the database file, so every process using that file sees the same lock."""
    database = make_url(url).database
    if database and database != ":memory:":
        return Path(database).with_name(Path(database).name + ".nightly.lock")
    return data_dir / "nightly.lock"


@contextmanager
def run_lock(url: str, data_dir: Path, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the nightly lock for ``url`` inside the block; raise :class:`RunLocked` if taken."""
    url = normalize_url(url)
    held: set[str] = _held.__dict__.setdefault("urls", set())
    if url in held:  # this thread holds it already (``ctrends run``, then its flow)
        yield
        return
    lock = (
        _advisory_lock(url, wait)
        if make_url(url).get_backend_name() == "postgresql"
        else _file_lock(lock_file_for(url, data_dir), url, wait)
    )
    with lock:
        held.add(url)
        try:
            yield
        finally:
            held.discard(url)


def _until_acquired(try_acquire: Callable[[], bool], url: str, wait: float) -> None:
    deadline = time.monotonic() + wait
    while not try_acquire():
        if time.monotonic() >= deadline:
            raise RunLocked(_holder_message(url, wait))
        interrupt.sleep(POLL_SECONDS)


@contextmanager
def _advisory_lock(url: str, wait: float) -> Iterator[None]:
    key = advisory_key()
    # A connection of its own, outside any transaction: the lock lives as long as the session.
    with get_engine(url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:

        def try_acquire() -> bool:
            return bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))

        _until_acquired(try_acquire, url, wait)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


@contextmanager
def _file_lock(path: Path, url: str, wait: float) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:

        def try_acquire() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        _until_acquired(try_acquire, url, wait)
        _write_holder(handle)
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_holder(handle: IO[str]) -> None:
    handle.truncate(0)
    handle.write(f"{socket.gethostname()} pid {os.getpid()} since {datetime.now(UTC):%FT%TZ}\n")
    handle.flush()


def _holder_message(url: str, wait: float) -> str:
    waited = f" (waited {wait:g} s)" if wait else ""
    with session_factory(url)() as session:
        running = session.scalar(
            select(PipelineRun)
            .where(PipelineRun.status == "running")
            .order_by(PipelineRun.id.desc())
            .limit(1)
        )
    who = (
        f"run #{running.id} on {running.host} (pid {running.pid}), started "
        f"{running.started_at:%Y-%m-%d %H:%M} UTC"
        if running is not None
        else "another process holds the lock"
    )
    return (
        f"another nightly run is in progress{waited}: {who}; this run did nothing. "
        "Wait for it to finish, or set CTRENDS_RUN_LOCK_WAIT to wait for it."
    )

"""Engines and transactional sessions for SQLite (default) and PostgreSQL (teams).

The store knows nothing of the configuration: calls without a URL use the default database that
the application named with :func:`use_default_url` (``pipeline`` does so when it is imported), so
no import runs from ``db`` back up to the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs: psycopg 3 is the driver we ship, not psycopg2."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        # WAL lets readers (the review UI) work while a run writes; the busy timeout makes a
        # second writer wait instead of failing with "database is locked".
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()


_ENGINES: dict[str, Engine] = {}
_default_url: Callable[[], str] | None = None


def use_default_url(resolver: Callable[[], str]) -> None:
    """Name the database that calls without a URL use (read when needed, so settings may change)."""
    global _default_url
    _default_url = resolver


def resolve_url(url: str | None = None) -> str:
    """``url``, or the application's default database, in the form our driver expects."""
    if url is None:
        if _default_url is None:
            raise RuntimeError("no database URL given and no default named (db.use_default_url)")
        url = _default_url()
    return normalize_url(url)


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process (engines own connection pools)."""
    url = resolve_url(url)
    if url not in _ENGINES:
        _ENGINES[url] = _create_engine(url)
    return _ENGINES[url]


def dispose_engines() -> None:
    """Close every engine's pool: before dropping a test database, or after a process fork."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def forget_engines_after_fork() -> None:
    """In a forked child: drop the parent's pools without closing the sockets the parent uses."""
    for engine in _ENGINES.values():
        engine.dispose(close=False)
    _ENGINES.clear()


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # Never created here: a mistyped URL would silently start an empty database somewhere.
        # The application creates its default data directory itself.
        folder = Path(parsed.database or ".").parent
        if parsed.database not in (None, "", ":memory:") and not folder.is_dir():
            raise ArgumentError(
                f"the folder of the SQLite database {parsed.database} does not exist "
                "(a mistyped CTRENDS_DATABASE_URL?); create it first"
            )
        engine = create_engine(url, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any exception."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

"""Shared fixtures: fresh migrated databases on SQLite and PostgreSQL, and ../shared material.

Every test that takes ``db_url`` (or ``session``/``ctrends_env``) runs once per engine. Databases
are built by running the Alembic migrations once per test session into a template, then copied
per test (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), so tests may
commit freely and still never see each other's rows.

Outside CI, PostgreSQL tests and ``../shared`` tests skip with the reason; with ``CI=true`` they
fail instead, so a missing service or checkout can never turn into a silently green run.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from db.migrate import upgrade
from db.session import dispose_engines, normalize_url, session_scope

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("CTRENDS_SHARED_DIR", REPO_ROOT.parent / "shared"))
POSTGRES_ADMIN_URL = normalize_url(
    os.environ.get("CTRENDS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
ENGINES = os.environ.get("CTRENDS_TEST_ENGINES", "sqlite,postgresql").split(",")


def unavailable(reason: str) -> None:
    """Skip a test for a missing resource; in CI a missing resource is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must be available in CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        unavailable(f"{SHARED_DIR} is absent (it sits beside the checkout in CI)")
    return SHARED_DIR


@pytest.fixture(scope="session")
def dev_corpus(shared_dir: Path) -> Path:
    corpus = shared_dir / "corpus" / "dev"
    if not (corpus / "pdfs").is_dir():
        unavailable(f"{corpus}/pdfs is absent")
    return corpus


class _SqliteFactory:
    def __init__(self, root: Path) -> None:
        self.template = root / "template.sqlite"
        upgrade(f"sqlite:///{self.template}")
        dispose_engines()
        self.root = root
        self.counter = itertools.count()

    def create(self) -> tuple[str, None]:
        path = self.root / f"test-{next(self.counter)}.sqlite"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}", None

    def drop(self, _handle: None) -> None:
        pass


class _PostgresFactory:
    def __init__(self) -> None:
        self.admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        self.prefix = f"ctrends_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.template = f"{self.prefix}_tmpl"
        self._execute(f'CREATE DATABASE "{self.template}"')
        upgrade(self._url(self.template))
        dispose_engines()
        self.counter = itertools.count()

    def _url(self, name: str) -> str:
        return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def create(self) -> tuple[str, str]:
        name = f"{self.prefix}_{next(self.counter)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return self._url(name), name

    def drop(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_factory(tmp_path_factory: pytest.TempPathFactory) -> _SqliteFactory:
    return _SqliteFactory(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def _postgres_factory() -> Iterator[_PostgresFactory]:
    try:
        factory = _PostgresFactory()
    except Exception as exc:
        unavailable(f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable: {exc}")
    yield factory
    dispose_engines()
    factory.close()


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated, empty database on each engine."""
    if request.param == "postgresql":
        request.applymarker(pytest.mark.postgres)
        factory = request.getfixturevalue("_postgres_factory")
    else:
        factory = request.getfixturevalue("_sqlite_factory")
    url, handle = factory.create()
    yield url
    dispose_engines()
    factory.drop(handle)


@pytest.fixture
def ctrends_env(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """Point the whole application (config, CLI, flows) at a fresh database and data directory."""
    env = {
        "CTRENDS_DATABASE_URL": db_url,
        "CTRENDS_DATA_DIR": str(tmp_path / "data"),
        "CTRENDS_ARXIV_DELAY": "0",
        "CTRENDS_REVIEWER": "test-curator",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    yield env


@pytest.fixture
def session(ctrends_env: dict[str, str]) -> Iterator[Session]:
    with session_scope(ctrends_env["CTRENDS_DATABASE_URL"]) as s:
        yield s


@pytest.fixture
def no_row_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No committed row model (``extractors.row_confidence``): row confidences fall back to the
    product of the cells' confidences, which a test sets by hand."""
    from extractors import row_confidence

    monkeypatch.setattr(row_confidence, "ROW_MODEL_PATH", tmp_path / "no-row-model.json")

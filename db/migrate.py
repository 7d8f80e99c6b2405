"""Run the Alembic migrations from code (``ctrends db upgrade``) on SQLite or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from db.session import get_engine, resolve_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # "%" is ConfigParser's interpolation character; URL-encoded passwords contain it.
    cfg.set_main_option("sqlalchemy.url", resolve_url(url).replace("%", "%%"))
    return cfg


def _run(url: str | None, action, revision: str) -> None:  # type: ignore[no-untyped-def]
    """Run on our engine (its SQLite pragmas, its directory creation) in one transaction."""
    cfg = alembic_config(url)
    with get_engine(url).begin() as connection:
        cfg.attributes["connection"] = connection
        action(cfg, revision)


def upgrade(url: str | None = None, revision: str = "head") -> None:
    _run(url, command.upgrade, revision)


def downgrade(url: str | None = None, revision: str = "-1") -> None:
    _run(url, command.downgrade, revision)


def current_revision(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()

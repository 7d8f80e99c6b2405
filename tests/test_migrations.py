"""The Alembic chain is the schema: it must upgrade, downgrade and re-upgrade on both engines."""

from __future__ import annotations

from sqlalchemy import inspect

from db.migrate import current_revision, downgrade, upgrade
from db.models import Base
from db.session import get_engine


def test_migrations_match_models_and_round_trip(db_url: str) -> None:
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "latest_trend_fits" in inspect(get_engine(db_url)).get_view_names()
    head = current_revision(db_url)
    assert head is not None

    downgrade(db_url, "base")
    assert current_revision(db_url) is None
    assert not set(Base.metadata.tables) & set(inspect(get_engine(db_url)).get_table_names())

    upgrade(db_url)
    assert current_revision(db_url) == head


def test_models_have_no_unmigrated_changes(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with get_engine(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models changed without a migration: {diff}"

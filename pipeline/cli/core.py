"""The pipeline's own commands: database, ingest, extract, run, export, papers."""

from __future__ import annotations

import typer
from rich.console import Console

from db import migrate
from pipeline.cli.app import app
from pipeline.config import get_settings

console = Console()
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Create or upgrade the schema of CTRENDS_DATABASE_URL."""
    migrate.upgrade(revision=revision)
    console.print(f"database at revision {migrate.current_revision()}: {_redacted_url()}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target, e.g. -1 or base.")) -> None:
    """Downgrade the schema (data in dropped columns is lost; back up first)."""
    migrate.downgrade(revision=revision)
    console.print(f"database at revision {migrate.current_revision()}")


def _redacted_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(get_settings().database_url).render_as_string(hide_password=True)

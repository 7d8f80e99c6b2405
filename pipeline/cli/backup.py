"""``ctrends backup FILE`` and ``ctrends restore FILE``: the database as a portable archive."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipeline.cli.app import app

console = Console()


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="Archive to write (a .zip of JSON lines).")],
) -> None:
    """Back up every table of CTRENDS_DATABASE_URL into FILE (any engine restores it)."""
    from pipeline.backup import backup

    summary = backup(file)
    total = sum(summary.rows.values())
    console.print(
        f"{total} rows in {len(summary.rows)} tables at schema revision {summary.revision} "
        f"written to {summary.path}",
        highlight=False,
    )


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="Archive written by `ctrends backup`.")],
) -> None:
    """Restore FILE into CTRENDS_DATABASE_URL, which must be empty; then upgrade its schema."""
    from pipeline.backup import restore

    summary = restore(file)
    total = sum(summary.rows.values())
    console.print(
        f"{total} rows in {len(summary.rows)} tables restored from {summary.path} "
        f"(revision {summary.revision}), schema upgraded to head",
        highlight=False,
    )

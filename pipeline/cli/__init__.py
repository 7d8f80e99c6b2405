"""``ctrends``: the command line. Commands are thin: they parse options and call plain functions."""

from __future__ import annotations

import logging
import os
import sys

from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from pipeline.cli import (
    backup,  # noqa: F401  (registers backup, restore)
    core,  # noqa: F401  (registers commands)
    evaluate,  # noqa: F401  (registers eval)
    observations,  # noqa: F401  (registers observations)
    review,  # noqa: F401  (registers review)
    trends,  # noqa: F401  (registers fit, trends, import)
    web,  # noqa: F401  (registers web)
)
from pipeline.cli.app import app
from pipeline.errors import UserError


def _configure_runtime() -> None:
    """Logs to stderr (stdout stays for --format json/csv); Prefect's state under the data dir."""
    from pipeline.config import get_settings

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(settings.data_dir / "prefect"))
    # Prefect's 20 s default for its temporary API server is too short on a loaded 2-core host.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    # The temporary server's anonymous telemetry: no use offline, and when it cannot get at its
    # SQLite file during a run it prints a traceback between our logs.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    level = os.environ.get("CTRENDS_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level,
        format="%(message)s",
        handlers=[RichHandler(console=Console(stderr=True), show_path=False)],
    )
    for noisy in ("httpx", "alembic.runtime.migration", "arxiv"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main() -> None:
    _configure_runtime()
    try:
        app()
    except UserError as exc:
        message = f"[bold red]error:[/] {escape(str(exc))}"
        Console(stderr=True, soft_wrap=True).print(message, highlight=False)
        sys.exit(2)


__all__ = ["app", "main"]

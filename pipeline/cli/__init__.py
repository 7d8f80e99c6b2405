"""``ctrends``: the command line. Commands are thin: they parse options and call plain functions."""

from __future__ import annotations

import logging
import os

from rich.console import Console
from rich.logging import RichHandler

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
from pipeline.cli.boundary import guarded


def _configure_runtime() -> None:
    """Logs to stderr (stdout stays for --format json/csv); Prefect's state under the data dir."""
    from pipeline.config import get_settings

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(settings.data_dir / "prefect"))
    # The temporary server's anonymous telemetry: no use offline, and when it cannot get at its
    # SQLite file during a run it prints a traceback between our logs.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    level = os.environ.get("CTRENDS_LOG_LEVEL", "INFO").upper()
    # A quiet log: Prefect's banners, links and state changes only when debugging.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "DEBUG" if level == "DEBUG" else "WARNING")
    logging.basicConfig(level=level, format="%(message)s", handlers=[console_handler(level)])
    for noisy in ("httpx", "alembic.runtime.migration", "arxiv"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def console_handler(level: str) -> logging.Handler:
    """The terminal's log handler. Below DEBUG, Prefect's own records stay off it: its report
    of a failed task or flow is hundreds of lines of traceback where ctrends prints one line
    (Prefect's API handler still records them for the Prefect UI of a served deployment)."""
    handler = RichHandler(console=Console(stderr=True), show_path=False)
    if level.upper() != "DEBUG":
        handler.addFilter(lambda record: not record.name.startswith("prefect"))
    return handler


def main() -> None:
    """Settings are read and checked before any command runs; every error a user can act on
    ends in one line (``pipeline.cli.boundary``)."""

    def configured_app() -> object:
        _configure_runtime()
        return app(standalone_mode=False)

    guarded(configured_app)


__all__ = ["app", "main"]

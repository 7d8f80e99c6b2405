"""Runtime configuration, read from ``CTRENDS_*`` environment variables.

Every knob lives here so the README's configuration table has one source of truth; a test checks
that each field is documented there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from pipeline.errors import UserError


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "compute-trends"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (the first is the default); anything else is the user's to fix."""
    value = _env(name, allowed[0]).lower()
    if value not in allowed:
        raise UserError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """One immutable snapshot of the configuration (read it with :func:`get_settings`)."""

    data_dir: Path = field(metadata={"env": "CTRENDS_DATA_DIR"})
    database_url: str = field(metadata={"env": "CTRENDS_DATABASE_URL"})
    arxiv_api_url: str = field(metadata={"env": "CTRENDS_ARXIV_API_URL"})
    arxiv_delay_seconds: float = field(metadata={"env": "CTRENDS_ARXIV_DELAY"})
    arxiv_retries: int = field(metadata={"env": "CTRENDS_ARXIV_RETRIES"})
    arxiv_page_size: int = field(metadata={"env": "CTRENDS_ARXIV_PAGE_SIZE"})
    arxiv_first_window_days: int = field(metadata={"env": "CTRENDS_ARXIV_FIRST_WINDOW_DAYS"})
    schedule_cron: str = field(metadata={"env": "CTRENDS_SCHEDULE_CRON"})
    schedule_timezone: str = field(metadata={"env": "CTRENDS_SCHEDULE_TZ"})
    reviewer: str | None = field(metadata={"env": "CTRENDS_REVIEWER"})
    auto_accept_confidence: float | None = field(metadata={"env": "CTRENDS_AUTO_ACCEPT"})
    pdf_max_pages: int = field(metadata={"env": "CTRENDS_PDF_MAX_PAGES"})
    pdf_max_bytes: int = field(metadata={"env": "CTRENDS_PDF_MAX_BYTES"})
    pdf_timeout_seconds: float = field(metadata={"env": "CTRENDS_PDF_TIMEOUT"})
    pdf_max_memory_mb: int = field(metadata={"env": "CTRENDS_PDF_MAX_MEMORY_MB"})
    max_facts_per_paper: int = field(metadata={"env": "CTRENDS_MAX_FACTS_PER_PAPER"})
    workers: int = field(metadata={"env": "CTRENDS_WORKERS"})
    task_runner: str = field(metadata={"env": "CTRENDS_TASK_RUNNER"})  # local | dask
    dask_address: str | None = field(metadata={"env": "CTRENDS_DASK_ADDRESS"})
    run_lock_wait_seconds: float = field(metadata={"env": "CTRENDS_RUN_LOCK_WAIT"})
    web_token: str | None = field(metadata={"env": "CTRENDS_WEB_TOKEN"})
    web_host: str = field(metadata={"env": "CTRENDS_WEB_HOST"})
    web_port: int = field(metadata={"env": "CTRENDS_WEB_PORT"})

    @property
    def pdf_cache_dir(self) -> Path:
        return self.data_dir / "pdfs"

    @property
    def parse_cache_dir(self) -> Path:
        return self.data_dir / "parsed"

    @classmethod
    def env_names(cls) -> list[str]:
        return [f.metadata["env"] for f in fields(cls)]


def get_settings() -> Settings:
    """Read the environment now (not at import time, so tests can change it per test)."""
    data_dir = Path(_env("CTRENDS_DATA_DIR", str(_default_data_dir()))).expanduser()
    auto_accept = os.environ.get("CTRENDS_AUTO_ACCEPT")
    return Settings(
        data_dir=data_dir,
        database_url=_env("CTRENDS_DATABASE_URL", f"sqlite:///{data_dir / 'ctrends.sqlite'}"),
        arxiv_api_url=_env("CTRENDS_ARXIV_API_URL", "https://export.arxiv.org/api/query"),
        arxiv_delay_seconds=float(_env("CTRENDS_ARXIV_DELAY", "3.0")),
        arxiv_retries=int(_env("CTRENDS_ARXIV_RETRIES", "4")),
        arxiv_page_size=int(_env("CTRENDS_ARXIV_PAGE_SIZE", "100")),
        arxiv_first_window_days=int(_env("CTRENDS_ARXIV_FIRST_WINDOW_DAYS", "7")),
        schedule_cron=_env("CTRENDS_SCHEDULE_CRON", "0 2 * * *"),
        schedule_timezone=_env("CTRENDS_SCHEDULE_TZ", "UTC"),
        reviewer=os.environ.get("CTRENDS_REVIEWER") or None,
        auto_accept_confidence=float(auto_accept) if auto_accept else None,
        pdf_max_pages=int(_env("CTRENDS_PDF_MAX_PAGES", "120")),
        pdf_max_bytes=int(_env("CTRENDS_PDF_MAX_BYTES", str(80 * 1024 * 1024))),
        pdf_timeout_seconds=float(_env("CTRENDS_PDF_TIMEOUT", "180")),
        pdf_max_memory_mb=int(_env("CTRENDS_PDF_MAX_MEMORY_MB", "2048")),
        max_facts_per_paper=int(_env("CTRENDS_MAX_FACTS_PER_PAPER", "2000")),
        workers=int(_env("CTRENDS_WORKERS", str(min(2, os.cpu_count() or 1)))),
        task_runner=_choice("CTRENDS_TASK_RUNNER", ("local", "dask")),
        dask_address=os.environ.get("CTRENDS_DASK_ADDRESS") or None,
        run_lock_wait_seconds=float(_env("CTRENDS_RUN_LOCK_WAIT", "0")),
        web_token=os.environ.get("CTRENDS_WEB_TOKEN") or None,
        web_host=_env("CTRENDS_WEB_HOST", "127.0.0.1"),
        web_port=int(_env("CTRENDS_WEB_PORT", "8765")),
    )

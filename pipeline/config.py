"""Runtime configuration, read from ``CTRENDS_*`` environment variables (pydantic-settings).

Each variable is named once, by its field (``pdf_max_pages`` is ``CTRENDS_PDF_MAX_PAGES``; a few
keep a shorter historical name as an alias), with its type, default and bounds beside it. The
README's configuration table documents every field; a test checks that it does. A bad value is
the user's to fix: :func:`get_settings` raises one :class:`~pipeline.errors.UserError` naming the
variable, never a validation traceback.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.errors import UserError

ENV_PREFIX = "CTRENDS_"


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "compute-trends"


def _default_database_url(data: dict[str, Any]) -> str:
    return f"sqlite:///{data['data_dir'] / 'ctrends.sqlite'}"


class Settings(BaseSettings):
    """One immutable snapshot of the configuration (read it with :func:`get_settings`)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_ignore_empty=True,  # VAR= means "the default", as an unset variable does
        extra="ignore",
        frozen=True,
        populate_by_name=True,  # tests and callers may pass fields by name
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str = Field(default_factory=_default_database_url, min_length=1)
    arxiv_api_url: str = Field("https://export.arxiv.org/api/query", min_length=1)
    arxiv_delay_seconds: float = Field(3.0, ge=0, validation_alias="CTRENDS_ARXIV_DELAY")
    arxiv_retries: int = Field(4, ge=0)
    arxiv_page_size: int = Field(100, gt=0)
    arxiv_first_window_days: int = Field(7, gt=0)
    schedule_cron: str = "0 2 * * *"
    schedule_timezone: str = Field("UTC", validation_alias="CTRENDS_SCHEDULE_TZ")
    reviewer: str | None = None
    auto_accept_confidence: float | None = Field(
        None, ge=0, le=1, validation_alias="CTRENDS_AUTO_ACCEPT"
    )
    pdf_max_pages: int = Field(120, gt=0)
    pdf_max_bytes: int = Field(80 * 1024 * 1024, gt=0)
    pdf_timeout_seconds: float = Field(180.0, gt=0, validation_alias="CTRENDS_PDF_TIMEOUT")
    pdf_max_memory_mb: int = Field(2048, gt=0)
    max_facts_per_paper: int = Field(2000, gt=0)
    workers: int = Field(default_factory=lambda: min(2, os.cpu_count() or 1), gt=0)
    task_runner: Literal["local", "dask"] = "local"
    dask_address: str | None = None
    run_lock_wait_seconds: float = Field(0.0, ge=0, validation_alias="CTRENDS_RUN_LOCK_WAIT")
    web_token: str | None = None
    web_host: str = "127.0.0.1"
    web_port: int = Field(8765, gt=0, lt=65536)

    @field_validator("data_dir")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("task_runner", mode="before")
    @classmethod
    def _lower_case(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @property
    def pdf_cache_dir(self) -> Path:
        return self.data_dir / "pdfs"

    @property
    def parse_cache_dir(self) -> Path:
        return self.data_dir / "parsed"

    @classmethod
    def env_name(cls, field: str) -> str:
        alias = cls.model_fields[field].validation_alias
        return alias if isinstance(alias, str) else ENV_PREFIX + field.upper()

    @classmethod
    def env_names(cls) -> list[str]:
        return [cls.env_name(name) for name in cls.model_fields]


def get_settings() -> Settings:
    """Read the environment now (not at import time, so tests can change it per test).

    Called for every default database session, so a snapshot is reused while the variables it
    reads are unchanged (building one reads and validates the whole environment, ~1 ms)."""
    read = sorted(
        (key, value)
        for key, value in os.environ.items()
        if key.upper().startswith(ENV_PREFIX) or key in ("XDG_DATA_HOME", "HOME")
    )
    return _settings_for(tuple(read))


@lru_cache(maxsize=16)
def _settings_for(_environment: tuple[tuple[str, str], ...]) -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise UserError(_first_problem(exc)) from None


def _first_problem(exc: ValidationError) -> str:
    """``CTRENDS_PDF_MAX_PAGES must be greater than 0; got '0'``: the variable, not the field."""
    error = exc.errors(include_url=False)[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    name = field if field.startswith(ENV_PREFIX) else Settings.env_name(field)
    message = error["msg"]
    if message.startswith("Input should be "):
        message = "must be " + message.removeprefix("Input should be ")
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    others = len(exc.errors()) - 1
    more = f" (and {others} more problem{'s' * (others > 1)})" if others else ""
    return f"{name} {message}; got {error['input']!r}{more}"

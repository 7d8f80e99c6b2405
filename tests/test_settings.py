"""Settings (pydantic-settings): read per call, validated, and refused in one line naming the
variable; the PDF limits must be positive (a limit of 0 used to mark papers extracted with 0
facts, and a timeout of 0 failed every PDF)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Settings, get_settings
from pipeline.errors import UserError


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("CTRENDS_PDF_MAX_PAGES", "0", "greater than 0"),
        ("CTRENDS_PDF_MAX_PAGES", "-1", "greater than 0"),
        ("CTRENDS_PDF_TIMEOUT", "0", "greater than 0"),
        ("CTRENDS_PDF_TIMEOUT", "-5", "greater than 0"),
        ("CTRENDS_PDF_MAX_BYTES", "0", "greater than 0"),
        ("CTRENDS_PDF_MAX_MEMORY_MB", "-2048", "greater than 0"),
        ("CTRENDS_WORKERS", "0", "greater than 0"),
        ("CTRENDS_WORKERS", "two", "integer"),
        ("CTRENDS_ARXIV_PAGE_SIZE", "0", "greater than 0"),
        ("CTRENDS_ARXIV_RETRIES", "-1", "greater than or equal to 0"),
        ("CTRENDS_ARXIV_DELAY", "soon", "number"),
        ("CTRENDS_AUTO_ACCEPT", "1.5", "less than or equal to 1"),
        ("CTRENDS_WEB_PORT", "70000", "less than 65536"),
        ("CTRENDS_TASK_RUNNER", "spark", "'local' or 'dask'"),
        ("CTRENDS_RUN_LOCK_WAIT", "-1", "greater than or equal to 0"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(UserError) as refused:
        get_settings()
    message = str(refused.value)
    assert message.startswith(f"{variable} must be") and says in message, message
    assert repr(value) in message and "\n" not in message


def test_defaults_and_derived_values(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.env_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    settings = get_settings()
    assert settings.data_dir == tmp_path / "compute-trends"
    assert settings.database_url == f"sqlite:///{tmp_path / 'compute-trends' / 'ctrends.sqlite'}"
    assert (settings.pdf_max_pages, settings.pdf_timeout_seconds, settings.task_runner) == (
        120,
        180.0,
        "local",
    )
    monkeypatch.setenv("CTRENDS_DATA_DIR", "~/somewhere")
    monkeypatch.setenv("CTRENDS_TASK_RUNNER", "DASK")
    monkeypatch.setenv("CTRENDS_PDF_MAX_PAGES", "")  # empty means the default
    settings = get_settings()
    assert settings.data_dir == Path("~/somewhere").expanduser()
    assert settings.database_url.endswith("/somewhere/ctrends.sqlite")
    assert settings.task_runner == "dask" and settings.pdf_max_pages == 120


def test_settings_follow_the_environment_and_are_immutable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CTRENDS_PDF_MAX_PAGES", "7")
    first = get_settings()
    assert first.pdf_max_pages == 7 and get_settings() is first  # one snapshot while unchanged
    monkeypatch.setenv("CTRENDS_PDF_MAX_PAGES", "8")
    assert get_settings().pdf_max_pages == 8
    with pytest.raises(ValueError):
        first.pdf_max_pages = 9  # type: ignore[misc]


def test_every_variable_is_named_once() -> None:
    names = Settings.env_names()
    assert len(names) == len(set(names)) == len(Settings.model_fields)
    assert "CTRENDS_PDF_TIMEOUT" in names and "CTRENDS_PDF_MAX_PAGES" in names

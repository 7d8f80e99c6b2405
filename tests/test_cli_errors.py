"""A user's mistakes and an unreachable arXiv end in one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from db.session import dispose_engines
from pipeline.cli import main


def _ctrends(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from pipeline.cli import main; main()", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unreachable_arxiv_is_one_line_naming_the_offline_form(
    ctrends_env: dict[str, str],
) -> None:
    result = _ctrends(
        "run", env={**ctrends_env, "CTRENDS_ARXIV_API_URL": "http://127.0.0.1:9/api/query"}
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "arXiv cannot be reached" in lines[0] and "--source DIR" in lines[0]


def test_a_missing_source_directory_is_one_line(ctrends_env: dict[str, str]) -> None:
    result = _ctrends("ingest", "--source", "/nonexistent/papers", env=ctrends_env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--source must be 'arxiv' or an existing directory" in result.stderr


# -- every bad input through the real entry point: one line on stderr, exit != 0 ---------------

HUGE = "99999999999999999999"  # beyond int64
BAD_INPUTS: list[tuple[str, list[str], dict[str, str]]] = [
    # (case, arguments, environment; "{tmp}" is the test's folder, "{db}" an unmigrated one)
    ("papers, no schema", ["papers"], {"CTRENDS_DATABASE_URL": "{db}"}),
    ("trends latest, no schema", ["trends", "latest"], {"CTRENDS_DATABASE_URL": "{db}"}),
    ("review list, no schema", ["review", "list", "--facts"], {"CTRENDS_DATABASE_URL": "{db}"}),
    ("review show, no schema", ["review", "show", "1"], {"CTRENDS_DATABASE_URL": "{db}"}),
    ("export, no schema", ["export"], {"CTRENDS_DATABASE_URL": "{db}"}),
    ("review show beyond int64", ["review", "show", HUGE], {}),
    ("review accept beyond int64", ["review", "accept", HUGE, "--reviewer", "x"], {}),
    ("review undo beyond int64", ["review", "undo", HUGE, "--reviewer", "x"], {}),
    ("unknown database driver", ["papers"], {"CTRENDS_DATABASE_URL": "nosuchdb://x/y"}),
    ("not a URL at all", ["papers"], {"CTRENDS_DATABASE_URL": "::::"}),
    ("mistyped SQLite folder", ["papers"], {"CTRENDS_DATABASE_URL": "sqlite:///{tmp}/typo/x.db"}),
    (
        "unreachable PostgreSQL",
        ["papers"],
        {"CTRENDS_DATABASE_URL": "postgresql://u@127.0.0.1:9/x"},
    ),
    ("MAX_PAGES=0", ["papers"], {"CTRENDS_PDF_MAX_PAGES": "0"}),
    ("MAX_PAGES=-1", ["extract"], {"CTRENDS_PDF_MAX_PAGES": "-1"}),
    ("TIMEOUT=0", ["extract"], {"CTRENDS_PDF_TIMEOUT": "0"}),
    ("TIMEOUT=-5", ["run", "--source", "{tmp}"], {"CTRENDS_PDF_TIMEOUT": "-5"}),
    ("MAX_BYTES=abc", ["ingest", "--source", "{tmp}"], {"CTRENDS_PDF_MAX_BYTES": "abc"}),
    ("MEMORY=0", ["extract"], {"CTRENDS_PDF_MAX_MEMORY_MB": "0"}),
    ("WORKERS=0", ["extract"], {"CTRENDS_WORKERS": "0"}),
    ("TASK_RUNNER=spark", ["papers"], {"CTRENDS_TASK_RUNNER": "spark"}),
    ("WEB_PORT=0", ["papers"], {"CTRENDS_WEB_PORT": "0"}),
    ("export to a directory", ["export", "--output", "{tmp}"], {}),
    ("export to a missing folder", ["export", "--output", "{tmp}/missing/facts.jsonl"], {}),
    ("db downgrade bogus", ["db", "downgrade", "bogus"], {}),
    ("db upgrade bogus", ["db", "upgrade", "bogus"], {}),
    ("ingest --source ''", ["ingest", "--source", ""], {}),
    ("run --source ''", ["run", "--source", ""], {}),
    ("extrapolate --year -5", ["trends", "extrapolate", "--year", "-5"], {}),
    ("review show abc", ["review", "show", "abc"], {}),
    ("papers --format xml", ["papers", "--format", "xml"], {}),
    ("no such command", ["nonsense"], {}),
    ("data dir under a file", ["papers"], {"CTRENDS_DATA_DIR": "{tmp}/a-file/data"}),
]


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def ctrends_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Ran]:
    """The real entry point (``pipeline.cli:main``, as the ``ctrends`` script runs it) in this
    process: the same error boundary, without a 2 s interpreter start per case."""

    def run(*args: str, env: dict[str, str]) -> Ran:
        for name in [n for n in os.environ if n.upper().startswith("CTRENDS_")]:
            monkeypatch.delenv(name)
        monkeypatch.setenv("PREFECT_HOME", env.get("CTRENDS_DATA_DIR", "") + "/prefect")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(sys, "argv", ["ctrends", *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            dispose_engines()
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


@pytest.fixture(scope="module")
def cli_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A data directory with a migrated default database (SQLite), built by the CLI itself."""
    home = tmp_path_factory.mktemp("cli-home")
    env = {"CTRENDS_DATA_DIR": str(home / "data"), "CTRENDS_DATABASE_URL": ""}
    assert _ctrends("db", "upgrade", env=env).returncode == 0
    (home / "a-file").write_text("not a folder")
    (home / "empty").mkdir()
    return {**env, "tmp": str(home)}


def _one_line_failure(result: Ran | subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr[-2000:]
    return lines[0]


@pytest.mark.parametrize(("case", "args", "env"), BAD_INPUTS, ids=[c for c, _, _ in BAD_INPUTS])
def test_every_bad_input_is_one_line(
    cli_home: dict[str, str],
    ctrends_main: Callable[..., Ran],
    case: str,
    args: list[str],
    env: dict[str, str],
) -> None:
    tmp = cli_home["tmp"]
    fill = {"{tmp}": tmp, "{db}": f"sqlite:///{tmp}/empty/unmigrated.sqlite"}

    def filled(text: str) -> str:
        for key, value in fill.items():
            text = text.replace(key, value)
        return text

    base = {k: v for k, v in cli_home.items() if k != "tmp"}
    result = ctrends_main(
        *[filled(a) for a in args],
        env={**base, **{k: filled(v) for k, v in env.items()}, "COLUMNS": "200"},
    )
    line = _one_line_failure(result)
    assert line.startswith("error:"), line
    if "no schema" in case:
        assert "ctrends db upgrade" in line
    if "SQLite folder" in case:
        assert not Path(tmp, "typo").exists(), "a mistyped URL must not create folders"
    if case.startswith("export"):
        assert not list(Path(tmp).rglob(".*.part")), "no temporary file left behind"
    for name in env:
        if name not in ("CTRENDS_DATA_DIR", "CTRENDS_DATABASE_URL"):
            assert name in line, "a bad setting is named"


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def read_only_home(cli_home: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    """The migrated data directory, bind-mounted read-only (needs root; skipped otherwise)."""
    view = tmp_path / "ro"
    view.mkdir()
    if os.geteuid() != 0 or not _mount("--bind", cli_home["CTRENDS_DATA_DIR"], str(view)):
        pytest.skip("a read-only bind mount needs root")
    try:
        if not _mount("-o", "remount,bind,ro", str(view)):
            pytest.skip("this system refuses read-only remounts")
        yield {"CTRENDS_DATA_DIR": str(view), "CTRENDS_DATABASE_URL": "", "tmp": str(tmp_path)}
    finally:
        subprocess.run(["umount", str(view)], check=False)


@pytest.mark.parametrize(
    "args",
    [
        ["papers"],
        ["review", "list", "--facts"],
        ["trends", "latest"],
        ["export"],
        ["backup", "{tmp}/backup.tar.gz"],
        ["extract"],
        ["ingest", "--source", "{tmp}"],
        ["fit"],
        ["db", "upgrade"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_every_command_on_a_read_only_data_directory_is_one_line(
    read_only_home: dict[str, str], ctrends_main: Callable[..., Ran], args: list[str]
) -> None:
    env = {k: v for k, v in read_only_home.items() if k != "tmp"}
    result = ctrends_main(*[a.replace("{tmp}", read_only_home["tmp"]) for a in args], env=env)
    assert "read-only" in _one_line_failure(result)


def test_prefect_records_stay_off_the_terminal_unless_debugging() -> None:
    """A disk-full run printed Prefect's own task and flow tracebacks (hundreds of lines)
    around ctrends' one-line error; at DEBUG they are wanted."""
    import logging

    from pipeline.cli import console_handler

    def shown(level: str, logger: str) -> bool:
        record = logging.LogRecord(logger, logging.ERROR, __file__, 1, "boom", None, None)
        return bool(console_handler(level).filter(record))

    assert not shown("INFO", "prefect.flow_runs")
    assert not shown("WARNING", "prefect.task_runs")
    assert shown("INFO", "pipeline.flows")
    assert shown("DEBUG", "prefect.flow_runs")

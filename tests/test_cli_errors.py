"""A user's mistakes and an unreachable arXiv end in one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys


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

"""Finding 8 of issue 14: after the README's set-up, `ctrends` is usable as printed, and
installing prints no deprecation warning about the project's own metadata."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_make_setup_says_how_to_run_ctrends(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    venv = tmp_path / "venv"
    # -o: take the installed venv as up to date, so only the closing message runs
    out = subprocess.run(
        ["make", "-s", "-o", f"{venv}/bin/ctrends", "setup", f"VENV={venv}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert f"{venv}/bin/ctrends" in out and f"source {venv}/bin/activate" in out


def test_the_readme_session_works_as_printed() -> None:
    readme = (ROOT / "README.md").read_text()
    session = readme[readme.index("An analyst's session") :]
    block = session[session.index("```sh") : session.index("```", session.index("```sh") + 5)]
    commands = [line for line in block.splitlines()[1:] if line.strip()]
    first_ctrends = next(i for i, c in enumerate(commands) if c.startswith("ctrends "))
    assert "source .venv/bin/activate" in commands[:first_ctrends]


def test_the_licence_is_an_spdx_expression() -> None:
    """setuptools >= 77 warns (three times per install) about `license = { text = ... }`."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert isinstance(project["project"]["license"], str)
    (setuptools,) = [r for r in project["build-system"]["requires"] if r.startswith("setuptools")]
    assert int(re.search(r">=\s*(\d+)", setuptools).group(1)) >= 77

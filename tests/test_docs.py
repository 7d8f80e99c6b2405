"""The README is the front door: every setting and command must be documented there."""

from __future__ import annotations

from pathlib import Path

import typer.main

from pipeline.cli import app
from pipeline.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _command_paths(group: typer.Typer, prefix: str = "") -> list[str]:
    click_group = typer.main.get_command(group)
    paths: list[str] = []

    def walk(command, path: str) -> None:  # type: ignore[no-untyped-def]
        subcommands = getattr(command, "commands", None)
        if not subcommands:
            paths.append(path.strip())
            return
        for name, sub in subcommands.items():
            walk(sub, f"{path} {name}")

    walk(click_group, prefix)
    return paths


def test_every_setting_is_documented() -> None:
    missing = [name for name in Settings.env_names() if f"`{name}`" not in README]
    assert not missing, f"settings missing from the README's configuration table: {missing}"


def test_every_command_is_documented() -> None:
    missing = [path for path in _command_paths(app) if f"ctrends {path}" not in README]
    assert not missing, f"commands missing from the README: {missing}"

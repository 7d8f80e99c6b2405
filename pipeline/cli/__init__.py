"""``ctrends``: the command line. Commands are thin: they parse options and call plain functions."""

from __future__ import annotations

import sys

from rich.console import Console

from pipeline.cli import core  # noqa: F401  (registers commands)
from pipeline.cli.app import app
from pipeline.errors import UserError


def main() -> None:
    try:
        app()
    except UserError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)


__all__ = ["app", "main"]

"""``ctrends web``: serve the review UI (see ``docs/review.md``)."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from db import migrate
from pipeline.cli.app import app
from pipeline.config import get_settings
from pipeline.errors import UserError
from pipeline.web.app import create_app

console = Console(stderr=True)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@app.command("web")
def web(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default CTRENDS_WEB_HOST, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default CTRENDS_WEB_PORT, 8765).", min=1, max=65535)
    ] = None,
) -> None:
    """Serve the review queue in the browser; access needs CTRENDS_WEB_TOKEN.

    Without CTRENDS_WEB_TOKEN a random token is generated for this run and printed here.
    """
    settings = get_settings()
    if migrate.current_revision(settings.database_url) is None:
        raise UserError("the database has no schema yet: run `ctrends db upgrade` first")
    host = host or settings.web_host
    port = port or settings.web_port
    token = settings.web_token
    if token is None:
        token = secrets.token_urlsafe(24)
        console.print("access token for this run (set CTRENDS_WEB_TOKEN to choose one):")
        console.print(token, soft_wrap=True, highlight=False)
    if host not in LOOPBACK:
        console.print(
            f"[yellow]warning:[/] serving on {host}: anyone who can reach it and has the token "
            "can decide facts; the traffic is plain HTTP (put TLS in front of it)."
        )
    console.print(f"review queue at http://{host}:{port}/ (Ctrl+C stops)")
    uvicorn.run(
        create_app(token, settings.database_url, settings.data_dir),
        host=host,
        port=port,
        log_level="warning",
    )

"""``ctrends web``: serve the review UI (see ``docs/review.md``)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from db import migrate
from pipeline.cli.app import app
from pipeline.config import get_settings
from pipeline.errors import UserError
from pipeline.web.app import LOOPBACK_HOSTS, create_app
from pipeline.web.auth import check_token, generate_token

console = Console(stderr=True)


@app.command("web")
def web(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default CTRENDS_WEB_HOST, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default CTRENDS_WEB_PORT, 8765).", min=1, max=65535)
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="Another host name browsers may use to reach the server (repeatable); the "
            "bound address and localhost are always allowed.",
        ),
    ] = None,
) -> None:
    """Serve the review queue in the browser; access needs CTRENDS_WEB_TOKEN.

    Without CTRENDS_WEB_TOKEN a random token is generated for this run and printed here; a
    configured one needs at least 16 characters.
    """
    settings = get_settings()
    if migrate.current_revision(settings.database_url) is None:
        raise UserError("the database has no schema yet: run `ctrends db upgrade` first")
    host = host or settings.web_host
    port = port or settings.web_port
    token = settings.web_token
    if token is not None:
        check_token(token)
    else:
        token = generate_token()
        console.print("access token for this run (set CTRENDS_WEB_TOKEN to choose one):")
        console.print(token, soft_wrap=True, highlight=False)
    if host not in LOOPBACK_HOSTS:
        console.print(
            f"[yellow]warning:[/] serving on {host}: anyone who can reach it and has the token "
            "can decide facts; the traffic is plain HTTP (put TLS in front of it)."
        )
    console.print(f"review queue at http://{host}:{port}/ (Ctrl+C stops)")
    app = create_app(token, settings.database_url, settings.data_dir, [host, *(allow_host or [])])
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
    )

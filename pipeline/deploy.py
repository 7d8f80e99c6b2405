"""Serving the nightly flow: a Prefect deployment with a cron schedule (``ctrends serve``).

Prefect creates scheduled runs only through a Prefect server's scheduler service; the temporary
in-process server that ``ctrends run`` uses cannot schedule ("Cannot schedule flows on an
ephemeral server"). So ``ctrends serve`` talks to ``PREFECT_API_URL`` when it is set (a team's
``prefect server start`` or Prefect Cloud, where the runs also show in the UI), and otherwise
starts a local Prefect server of its own, under ``PREFECT_HOME``, for as long as it serves
(``pipeline.prefect_server``: it dies with ``ctrends serve``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prefect.schedules import Cron, Schedule

from pipeline.errors import UserError
from pipeline.prefect_server import prefect_api

log = logging.getLogger(__name__)


def nightly_schedule(cron: str, timezone: str) -> Schedule:
    """A cron schedule in an IANA time zone (runs follow daylight saving time there)."""
    try:
        ZoneInfo(timezone)
        return Cron(cron, timezone=timezone)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise UserError(f"invalid schedule {cron!r} in time zone {timezone!r}: {exc}") from exc


def serve_nightly(schedule: Schedule, source: str, log_file: Path) -> None:
    """Serve the nightly flow on ``schedule`` until interrupted."""
    from pipeline.flows import nightly_flow

    with prefect_api(log_file, services=True) as api_url:
        log.info("serving the nightly flow against the Prefect API at %s", api_url)
        nightly_flow.serve(
            name="nightly",
            schedules=[schedule],
            parameters={"source": source},
            global_limit=1,  # one nightly run at a time; a late one waits for the running one
        )

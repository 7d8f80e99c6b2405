"""``ctrends serve`` runs the nightly flow on its schedule: served every minute, on SQLite, it
starts its own Prefect server and a scheduled run completes and writes its summary.

Bounded: the served process (and the Prefect server it starts, in its process group) is killed
at the end, and the test gives up after ``HARD_TIMEOUT_SECONDS``. The schedule is an engine-free
concern, so one engine is enough here; the flow itself is tested on both (test_flows.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.exc import OperationalError

from db.models import PipelineRun
from tests.test_flows import write_corpus

HARD_TIMEOUT_SECONDS = 420  # server start-up + up to a minute to the next run + the run itself


def _finished_runs(url: str) -> list[tuple[str, str | None]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(PipelineRun.status, PipelineRun.flow_run_id).where(
                    PipelineRun.status != "running"
                )
            ).all()
            return [(r.status, r.flow_run_id) for r in rows]
    except OperationalError:  # the schema is not there yet
        return []
    finally:
        engine.dispose()


def test_serve_runs_the_nightly_flow_on_its_schedule(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    url = f"sqlite:///{data_dir / 'ctrends.sqlite'}"
    pdfs = write_corpus(tmp_path / "pdfs", 1, broken=False)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CTRENDS_", "PREFECT_"))
    }
    env |= {
        "CTRENDS_DATA_DIR": str(data_dir),
        "CTRENDS_DATABASE_URL": url,
        "PREFECT_HOME": str(tmp_path / "prefect"),
    }
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [
            *(str(Path(sys.executable).with_name("ctrends")), "serve", "--cron", "* * * * *"),
            *("--timezone", "Europe/Paris", "--source", str(pdfs)),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the Prefect server dies with it
    )
    try:
        deadline = time.monotonic() + HARD_TIMEOUT_SECONDS
        runs: list[tuple[str, str | None]] = []
        while not runs and time.monotonic() < deadline and serve.poll() is None:
            time.sleep(5)
            runs = _finished_runs(url)
    finally:
        os.killpg(serve.pid, signal.SIGKILL)
        serve.wait(60)
        log.close()
    output = (tmp_path / "serve.log").read_text(errors="replace")
    if not runs:
        pytest.fail(f"no scheduled run finished within {HARD_TIMEOUT_SECONDS} s:\n{output[-3000:]}")
    status, flow_run_id = runs[0]
    assert status == "succeeded", output[-3000:]
    assert flow_run_id, "the run was started by Prefect, so it knows its flow run"
    assert "serving the nightly flow: cron '* * * * *' (Europe/Paris)" in output


def test_prefect_yaml_deploys_the_nightly_flow_on_the_default_schedule() -> None:
    import yaml
    from prefect.flows import load_flow_from_entrypoint

    from pipeline.deploy import nightly_schedule
    from pipeline.flows import nightly_flow

    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "prefect.yaml").read_text())
    (deployment,) = config["deployments"]
    assert load_flow_from_entrypoint(deployment["entrypoint"]).name == nightly_flow.name
    (schedule,) = deployment["schedules"]
    assert (schedule["cron"], schedule["timezone"]) == ("0 2 * * *", "UTC")  # as `ctrends serve`
    nightly_schedule(schedule["cron"], schedule["timezone"])  # valid cron and time zone
    assert deployment["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}

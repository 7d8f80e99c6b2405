"""Kill ``ctrends ingest`` / ``extract`` / ``fit`` with SIGKILL at random points, many times over,
then run to completion, and compare with a run never interrupted; the helpers serve the CI test
(``tests/test_crash_recovery.py``) too.

    python -m tests.stress.crash_kills --kills 10 --seeds 5 [--database-url URL]

prints the figures ``docs/reliability.md`` records (kill points tried, kills landed mid-run,
databases that differ, damaged cache files).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from db.models import Fact, Observation, Paper
from db.session import dispose_engines, session_scope
from tests.stress.bad_pdfs import good_pdf, truncated
from tests.support.pdfgen import make_pdf

CTRENDS = Path(sys.executable).with_name("ctrends")
# fit: with CTRENDS_AUTO_ACCEPT=0.0 it first accepts every row with a score and compute (the
# zero-touch writes), then builds observations and fits
STAGES = (("ingest", "--source"), ("extract",), ("fit",))
RUN_LIMIT = 300  # seconds: a stuck (deadlocked) command fails the test instead of hanging CI


def corpus(directory: Path, papers: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for n in range(papers):
        text = [
            f"Our Net-{n} has {n + 1}2.5M parameters and {n + 2}.1 billion FLOPs.",
            f"We trained it on {n + 2} NVIDIA V100 GPUs for {n + 1} days.",
        ]
        pages = [text] + [[f"Appendix page {p} of paper {n}."] for p in range(n % 4)]
        (directory / f"1901.{n:05d}.pdf").write_bytes(make_pdf(pages))
    (directory / "1901.99999.pdf").write_bytes(truncated(random.Random(1), good_pdf()))
    return directory


def ctrends(args: list[str], env: dict[str, str], kill_after: float | None = None) -> int:
    """Run ``ctrends``; with ``kill_after``, SIGKILL it then (if still running)."""
    proc = subprocess.Popen(
        [str(CTRENDS), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return proc.wait(timeout=kill_after if kill_after is not None else RUN_LIMIT)
    except subprocess.TimeoutExpired:
        if kill_after is None:
            proc.kill()
            raise
        proc.send_signal(signal.SIGKILL)
        return proc.wait(timeout=30)


def snapshot(url: str) -> dict[str, Any]:
    """What a run produces, without ids and timestamps (they differ between runs by design)."""
    dispose_engines()
    with session_scope(url) as s:
        papers = sorted(
            (p.arxiv_id, p.version, p.status, p.error, p.pdf_sha256, p.page_count, p.extracted_with)
            for p in s.scalars(select(Paper))
        )
        facts = sorted(
            (
                f.paper.arxiv_id,
                f.fact_key,
                f.kind,
                f.model,
                f.value,
                f.normalized,
                f.page,
                f.evidence,
                f.status,
            )
            for f in s.scalars(select(Fact))
        )
        observations = sorted(
            (o.source, o.source_key, o.error, o.parameters, o.ops_forward_pass)
            for o in s.scalars(select(Observation))
        )
    return {"papers": papers, "facts": facts, "observations": observations}


def check_caches(data_dir: Path, url: str) -> None:
    """Every cached PDF is whole; every parse-cache entry loads; papers point at whole PDFs."""
    for pdf in (data_dir / "pdfs").rglob("*.pdf"):
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == pdf.stem
    for entry in (data_dir / "parsed").rglob("*.json.gz"):
        with gzip.open(entry, "rt") as handle:
            assert json.load(handle)["sha256"] == entry.name.split(".")[0]
    with session_scope(url) as s:
        for path, sha in s.execute(select(Paper.pdf_path, Paper.pdf_sha256)):
            if path:
                assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha


def environment(url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTRENDS_")}
    env |= {
        "CTRENDS_DATABASE_URL": url,
        "CTRENDS_DATA_DIR": str(data_dir),
        "CTRENDS_AUTO_ACCEPT": "0.0",
        "CTRENDS_WORKERS": "2",
        "CTRENDS_PDF_TIMEOUT": "120",
    }
    return env


def run_with_kills(
    pdfs: Path, env: dict[str, str], durations: dict[str, float], kills: int, seed: int
) -> int:
    """Each stage killed ``kills`` times at random points, then run to completion."""
    rng = random.Random(seed)
    killed = 0
    for stage in STAGES:
        args = [*stage, str(pdfs)] if stage[-1] == "--source" else list(stage)
        for _ in range(kills):
            if ctrends(args, env, kill_after=rng.uniform(0.2, 1.0) * durations[stage[0]]) < 0:
                killed += 1
        assert ctrends(args, env) in (0, 1)
    return killed


def reference_run(pdfs: Path, env: dict[str, str]) -> dict[str, float]:
    """An uninterrupted run; returns each stage's duration (kill points are drawn within it)."""
    durations = {}
    for stage in STAGES:
        started = time.monotonic()
        args = [*stage, str(pdfs)] if stage[-1] == "--source" else list(stage)
        assert ctrends(args, env) in (0, 1)
        durations[stage[0]] = time.monotonic() - started
    return durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=10, help="kill points per stage and seed")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--papers", type=int, default=12)
    parser.add_argument("--database-url", help="an empty database (default: new SQLite files)")
    args = parser.parse_args()

    from db.migrate import upgrade

    work = Path(tempfile.mkdtemp(prefix="ctrends-crash-"))
    pdfs = corpus(work / "pdfs", args.papers)
    reference_url = f"sqlite:///{work / 'reference.sqlite'}"
    upgrade(reference_url)
    durations = reference_run(pdfs, environment(reference_url, work / "reference"))
    expected = snapshot(reference_url)
    figures = {"kill_points": 0, "kills_mid_run": 0, "databases_differing": 0, "rows_lost": 0}
    for seed in range(args.seeds):
        url = args.database_url or f"sqlite:///{work / f'seed{seed}.sqlite'}"
        upgrade(url)
        killed = run_with_kills(
            pdfs, environment(url, work / f"data{seed}"), durations, args.kills, seed
        )
        figures["kill_points"] += args.kills * len(STAGES)
        figures["kills_mid_run"] += killed
        got = snapshot(url)
        if got != expected:
            figures["databases_differing"] += 1
            for table in expected:
                missing = sorted(set(expected[table]) - set(got[table]))[:3]
                extra = sorted(set(got[table]) - set(expected[table]))[:3]
                if missing or extra:
                    print(f"seed {seed} {table}: -{missing} +{extra}", file=sys.stderr)
        figures["rows_lost"] += sum(len(expected[t]) - len(got[t]) for t in expected)
        check_caches(work / f"data{seed}", url)
        if args.database_url:
            break
    figures["facts_per_run"] = len(expected["facts"])
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

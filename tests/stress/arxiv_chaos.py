"""Nightly arXiv runs under random faults: new papers and versions keep arriving, every request
may fail (503, 429, dropped, slow, cut, truncated, malformed, empty), and a run that gives up is
simply run again. At the end, with the faults gone, every paper version must be stored exactly
once with its PDF, and succeeded runs' watermarks must never go backwards.

    python -m tests.stress.arxiv_chaos --seeds 20 --nights 6

prints the figures ``docs/reliability.md`` records; ``tests/test_arxiv_faults.py`` runs one seed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import func, select

from db.models import IngestRun, Paper
from db.session import session_scope
from pipeline.ingest import ingest_arxiv
from pipeline.sources.arxiv_api import ArxivGaveUp
from tests.support.fake_arxiv import Entry, FakeArxiv
from tests.support.pdfgen import make_pdf

START = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
API_FAULTS = ("503", "429", "drop", "slow:1.5", "cut", "truncated", "malformed", "empty")
PDF_FAULTS = ("503", "429", "drop", "slow:1.5", "cut")


def chaos(rng: random.Random, rate: float) -> Callable[[str], str | None]:
    def pick(path: str) -> str | None:
        if rng.random() >= rate:
            return None
        return rng.choice(PDF_FAULTS if path.startswith("/pdf/") else API_FAULTS)

    return pick


def _entry(number: int, version: int, updated: datetime) -> Entry:
    return Entry(
        arxiv_id=f"2406.{number:05d}",
        version=version,
        title=f"Paper {number} v{version}",
        published=updated,
        updated=updated,
        pdf=make_pdf([[f"Paper {number} v{version} has {number}.{version}M parameters."]]),
    )


def nights(fake: FakeArxiv, url: str, rng: random.Random, count: int, rate: float) -> dict:
    """``count`` nightly runs under faults (each retried until it succeeds), then a clean one."""
    numbers = iter(range(1, 10**5))
    gave_up = 0
    for night in range(count):
        now = START + timedelta(days=night)
        for _ in range(rng.randint(1, 6)):  # new papers, some only visible hours later
            fake.entries.append(_entry(next(numbers), 1, now - timedelta(hours=rng.uniform(0, 30))))
        for old in rng.sample(fake.entries, k=min(2, len(fake.entries))):  # new versions
            if old.version == max(e.version for e in fake.entries if e.arxiv_id == old.arxiv_id):
                number = int(old.arxiv_id.split(".")[1])
                fake.entries.append(_entry(number, old.version + 1, now - timedelta(hours=1)))
        fake.chaos = chaos(rng, rate)
        for attempt in range(20):
            try:
                ingest_arxiv(benchmarks=["imagenet"], now=now + timedelta(minutes=attempt), url=url)
                break
            except ArxivGaveUp:
                gave_up += 1
    fake.chaos = None
    ingest_arxiv(benchmarks=["imagenet"], now=START + timedelta(days=count), url=url)
    with session_scope(url) as s:
        stored = s.execute(
            select(Paper.arxiv_id, Paper.version, func.count(), func.max(Paper.status)).group_by(
                Paper.arxiv_id, Paper.version
            )
        ).all()
        marks = [
            m.replace(tzinfo=UTC) if m.tzinfo is None else m
            for m in s.scalars(
                select(IngestRun.watermark)
                .where(IngestRun.status == "succeeded", IngestRun.benchmark == "imagenet")
                .order_by(IngestRun.id)
            )
        ]
    expected = {(e.arxiv_id, e.version) for e in fake.entries}
    return {
        "paper_versions": len(expected),
        "requests": len(fake.requests),
        "runs_given_up": gave_up,
        "missing": len(expected - {(a, v) for a, v, _, _ in stored}),
        "duplicated": sum(1 for *_, n, _ in stored if n > 1),
        "without_pdf": sum(1 for *_, status in stored if status != "ingested"),
        "watermark_went_back": sum(1 for a, b in pairwise(marks) if b < a),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--nights", type=int, default=6)
    parser.add_argument("--rate", type=float, default=0.3, help="share of requests that fail")
    args = parser.parse_args()

    from db.migrate import upgrade
    from pipeline import ingest

    work = tempfile.mkdtemp(prefix="ctrends-chaos-")
    os.environ |= {"CTRENDS_ARXIV_DELAY": "0.001", "CTRENDS_ARXIV_RETRIES": "3"}
    os.environ |= {"CTRENDS_ARXIV_PAGE_SIZE": "3", "CTRENDS_DATA_DIR": work}
    ingest.HTTP_TIMEOUT = 1.0
    totals: dict[str, Any] = {}
    for seed in range(args.seeds):
        url = f"sqlite:///{work}/seed{seed}.sqlite"
        upgrade(url)
        fake = FakeArxiv().start()
        os.environ["CTRENDS_ARXIV_API_URL"] = fake.api_url
        try:
            figures = nights(fake, url, random.Random(seed), args.nights, args.rate)
        finally:
            fake.stop()
        for key, value in figures.items():
            totals[key] = totals.get(key, 0) + value
    print(json.dumps({"seeds": args.seeds, "nights_per_seed": args.nights, **totals}, indent=2))


if __name__ == "__main__":
    main()

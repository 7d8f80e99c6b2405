"""How the review queue scales: ordering cost against plainly loading the same facts.

Every review page orders the open queue (to know the next fact), so its cost is paid per
decision. This builds throw-away SQLite databases of 1,000 and 10,000 pending facts (ten per
paper, results and FLOPs mixed) and reports, as ratios:

- queue / load: ``pipeline.review.queue`` (ordered facts as ORM objects, what ``review list``
  without a limit does) against ``select(Fact)`` with the papers joined, the floor any ordering
  of whole facts pays; near 1 means priority costs little beyond reading the rows;
- ranked / load: ``pipeline.review.ranked`` (ordered ids, what each review page computes);
- growth: time at 10,000 over time at 1,000 facts; near 10 means linear.

Run: ``.venv/bin/python benchmarks/review_queue.py``
"""

from __future__ import annotations

import tempfile
import timeit
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from db.migrate import upgrade
from db.models import Fact, Paper
from db.session import get_engine, session_scope
from extractors.facts import ExtractedFact
from pipeline import review
from pipeline.store import store_facts

SIZES = (1_000, 10_000)
FACTS_PER_PAPER = 10


def build(url: str, n_facts: int) -> None:
    upgrade(url)
    with session_scope(url) as session:
        for p in range(n_facts // FACTS_PER_PAPER):
            paper = Paper(arxiv_id=f"2001.{p:05d}", version=1, source="local")
            session.add(paper)
            session.flush()
            store_facts(session, paper, [_fact(p, i) for i in range(FACTS_PER_PAPER)])


def _fact(p: int, i: int) -> ExtractedFact:
    common = {
        "page": 1 + i,
        "evidence": f"Net-{i % 5} 75.{i}",
        "confidence": ((p * 7 + i * 13) % 100) / 100,
        "extractor": "bench",
        "extractor_version": "1",
        "model": f"Net-{i % 5}",
    }
    if i % 2:
        return ExtractedFact(kind="flops", value=f"{i}.5", unit="G", normalized=i * 1e9, **common)
    return ExtractedFact(
        kind="result", value=f"75.{i}", unit="%", error=0.25, benchmark="imagenet", **common
    )


def best_of(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def measure(url: str) -> tuple[float, float, float]:
    with Session(bind=get_engine(url)) as session:

        def load() -> None:
            session.expunge_all()
            session.scalars(select(Fact).join(Paper).options(joinedload(Fact.paper))).all()

        def order() -> None:
            session.expunge_all()
            review.queue(session, review.QueueFilter())

        def rank() -> None:
            review.ranked(session, review.QueueFilter())

        return best_of(load), best_of(order), best_of(rank)


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            url = f"sqlite:///{Path(tmp) / f'bench-{n}.sqlite'}"
            build(url, n)
            results[n] = measure(url)
    for n, (load, order, rank) in results.items():
        print(
            f"{n:>6} facts: load {load * 1e3:6.1f} ms, queue {order * 1e3:6.1f} ms, "
            f"ranked {rank * 1e3:6.1f} ms; queue/load {order / load:4.2f}, "
            f"ranked/load {rank / load:4.2f}"
        )
    small, large = (results[n] for n in SIZES)
    growth = ", ".join(
        f"{name} x{large[i] / small[i]:.1f}" for i, name in enumerate(("load", "queue", "ranked"))
    )
    print(f"growth for {SIZES[1] // SIZES[0]}x the facts: {growth}")


if __name__ == "__main__":
    main()

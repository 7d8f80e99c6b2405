"""Choose the facts to hand-label from `ctrends export` files, reproducibly (seeded).

Usage: python tests/data/hand-labels/select.py EXPORT.jsonl CORPUS_NAME > selection.jsonl

Every fact at confidence >= 0.9 is taken. From the 0.8-0.9 band a seeded sample is added with a
quota per kind (and per benchmark for results), so compute facts, which never reach 0.9, are
measured too; within a quota, facts of papers not yet covered come first, so as many papers as
possible appear. The quotas are what two hours of page reading allow, not a statistical design.
Draws are prefix-stable: raising one kind's quota keeps every fact a smaller quota drew and
changes no other kind's draw.

This is the first selection only; the second (every result fact at >= 0.7 in any confidence
column that no label judges yet, README step 4) is ``ctrends eval --unlabelled``.
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from typing import Any

SEED = 13
HIGH = 0.9
LOW = 0.8
# Facts drawn from the 0.8-0.9 band, per corpus and kind (results: per benchmark, below).
# Hardware and training-time facts are few and quick to read: all of them are taken.
ALL = 10_000
BAND_QUOTAS = {
    "dev": {"hardware": ALL, "training_time": ALL, "parameters": 30, "flops": 30},
    "dev2": {"hardware": ALL, "training_time": ALL, "parameters": 20, "flops": 20},
}
RESULTS_PER_BENCHMARK = {"dev": 3, "dev2": 2}


def _draw(pool: list[dict[str, Any]], n: int, covered: set[str], rng: random.Random) -> list:
    """n facts from pool, facts of papers not yet in covered first (one paper at a time)."""
    pool = sorted(pool, key=lambda f: f["id"])
    rng.shuffle(pool)
    chosen: list[dict[str, Any]] = []
    while pool and len(chosen) < n:
        fresh = [f for f in pool if f["arxiv_id"] not in covered]
        pick = fresh[0] if fresh else pool[0]
        pool.remove(pick)
        chosen.append(pick)
        covered.add(pick["arxiv_id"])
    return chosen


def select(facts: list[dict[str, Any]], corpus: str) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    chosen = [f for f in facts if f["confidence"] >= HIGH]
    covered = {f["arxiv_id"] for f in chosen}
    band = [f for f in facts if LOW <= f["confidence"] < HIGH]
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for fact in band:
        key = f"result:{fact['benchmark']}" if fact["kind"] == "result" else fact["kind"]
        by_kind[key].append(fact)
    quotas = dict(BAND_QUOTAS[corpus])
    for key in by_kind:
        if key.startswith("result:"):
            quotas[key] = RESULTS_PER_BENCHMARK[corpus]
    for key in sorted(quotas):  # each kind starts from the same papers: quotas stay independent
        chosen += _draw(by_kind.get(key, []), quotas[key], set(covered), rng)
    return sorted(chosen, key=lambda f: (f["arxiv_id"], f["page"], f["id"]))


def main() -> None:
    path, corpus = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as handle:
        facts = [json.loads(line) for line in handle if line.strip()]
    for fact in select(facts, corpus):
        print(json.dumps(fact, ensure_ascii=False))


if __name__ == "__main__":
    main()

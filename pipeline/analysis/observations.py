"""Observations: the rows a regression uses, built from curated facts or imported datasets.

``rebuild_extracted`` turns accepted (or edited) facts into ``source="extracted"`` rows: every
result fact is one observation, joined with the compute facts of the same paper version and
model. A compute fact without a model name is a paper-level statement ("we train on 8 V100s for
3 days") and joins every result of the paper when it is the paper's only fact of its kind.
Hardware burden follows Thompson et al.: count x peak FLOP/s per counted unit x training
seconds, no utilisation factor; without a training time there is no hardware burden.

Every source writes through :func:`pipeline.observation_store.upsert_observations`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Fact, Paper
from extractors.accelerators import peak_flops
from extractors.facts import normalize_model_name
from pipeline.observation_store import COMPUTE_KINDS, CURATED, UpsertCounts, upsert_observations

log = logging.getLogger(__name__)


def rebuild_extracted(session: Session) -> UpsertCounts:
    """Rebuild every ``extracted`` observation from the curated facts (idempotent)."""
    facts = session.scalars(
        select(Fact).join(Paper).where(Fact.status.in_(CURATED)).order_by(Fact.id)
    ).all()
    latest = _latest_versions(session)
    by_paper: dict[int, list[Fact]] = defaultdict(list)
    for fact in facts:
        if latest.get(fact.paper.arxiv_id) == fact.paper_id:
            by_paper[fact.paper_id].append(fact)
    rows: dict[str, dict[str, Any]] = {}
    skipped: dict[str, int] = defaultdict(int)
    for paper_facts in by_paper.values():
        for row in _paper_rows(paper_facts, skipped):
            best = rows.get(row["source_key"])
            if best is None or row["details"]["confidence"] > best["details"]["confidence"]:
                rows[row["source_key"]] = row
    counts = upsert_observations(session, "extracted", rows.values(), prune=True)
    for reason, n in skipped.items():
        counts.skipped[reason] = n
    log.debug("extracted observations: %s", counts)
    return counts


def _latest_versions(session: Session) -> dict[str, int]:
    """arXiv id -> id of its newest stored version that has curated facts."""
    latest: dict[str, tuple[int, int]] = {}
    stmt = select(Paper.arxiv_id, Paper.version, Paper.id).where(
        Paper.id.in_(select(Fact.paper_id).where(Fact.status.in_(CURATED)))
    )
    for arxiv_id, version, paper_id in session.execute(stmt):
        if arxiv_id not in latest or version > latest[arxiv_id][0]:
            latest[arxiv_id] = (version, paper_id)
    return {arxiv_id: paper_id for arxiv_id, (_, paper_id) in latest.items()}


def _paper_rows(facts: list[Fact], skipped: dict[str, int]) -> Iterable[dict[str, Any]]:
    compute: dict[tuple[str, str], list[Fact]] = defaultdict(list)
    for fact in facts:
        if fact.kind in COMPUTE_KINDS:
            compute[(fact.kind, normalize_model_name(fact.model))].append(fact)
    for fact in facts:
        if fact.kind != "result":
            continue
        if fact.error is None or fact.benchmark is None:
            skipped["result without error or benchmark"] += 1
            continue
        model = normalize_model_name(fact.model)
        linked = {kind: _linked(compute, kind, model) for kind in COMPUTE_KINDS}
        yield _row(fact, model, linked)


def _linked(compute: dict[tuple[str, str], list[Fact]], kind: str, model: str) -> Fact | None:
    """The model's own fact of this kind, else the paper's single model-less one."""
    candidates = compute.get((kind, model)) if model else None
    if not candidates:
        candidates = compute.get((kind, ""))
        if candidates is None or len(candidates) != 1:
            return None
    return max(candidates, key=lambda f: (f.confidence, -f.id))


def _row(result: Fact, model: str, linked: dict[str, Fact | None]) -> dict[str, Any]:
    paper = result.paper
    params, flops = linked["parameters"], linked["flops"]
    hardware, time = linked["hardware"], linked["training_time"]
    seconds = time.normalized if time else None
    burden = _hardware_burden(hardware, seconds)
    used = [f for f in (result, *linked.values()) if f is not None]
    return {
        "source_key": f"{paper.arxiv_id}:{result.benchmark}:{result.metric or ''}:{model}",
        "benchmark": result.benchmark,
        "metric": result.metric,
        "model": result.model,
        "arxiv_id": paper.arxiv_id,
        "paper_id": paper.id,
        "published": paper.published.date() if paper.published else None,
        # the contract's error is 1 - score/100 for every metric, so the score follows from it
        # (the printed value may be an error rate, e.g. "top-1 err. 21.4")
        "score": round((1 - result.error) * 100, 9),
        "error": result.error,
        "parameters": params.normalized if params else None,
        "ops_forward_pass": flops.normalized if flops else None,
        "network_operations": None,
        "hardware_burden": burden,
        "training_time_sec": seconds,
        "fact_ids": sorted(f.id for f in used),
        "details": {
            "arxiv_version": paper.version,
            "confidence": result.confidence,
            "accelerator": hardware.accelerator if hardware else None,
            "accelerator_count": hardware.count if hardware else None,
            "count_unit": hardware.count_unit if hardware else None,
        },
    }


def _hardware_burden(hardware: Fact | None, seconds: float | None) -> float | None:
    if hardware is None or seconds is None or not hardware.accelerator or not hardware.count:
        return None
    peak = peak_flops(hardware.accelerator, hardware.count_unit or "gpu")
    return hardware.count * peak * seconds if peak else None

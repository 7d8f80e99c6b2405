"""Observations: the rows a regression uses, built from curated facts or imported datasets.

``rebuild_extracted`` turns the model rows (``extractors.rows``, stored by ``pipeline.rows``)
into ``source="extracted"`` observations: one per row, benchmark and metric with an accepted (or
edited) score, with the compute of the row's accepted cells. A row links what exact-name joins
lost (a size table's name variant, a "152-layer ResNet" in prose, a paper-level hardware
statement); derived measures (network operations, hardware burden) are
``pipeline.analysis.derived``'s and each keeps its method in ``details["methods"]``.

Every source writes through :func:`pipeline.observation_store.upsert_observations`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from db.models import Fact, ModelRow, Observation, Paper, RowCell
from extractors.cues import names_benchmark
from extractors.kinds import preference
from extractors.rows import LINK_RANK, name_distance
from pipeline.analysis.derived import (
    COMPUTE_FIELDS,
    PHASED_FIELDS,
    PHASES,
    derive_compute,
    phase_of,
)
from pipeline.observation_store import CURATED, UpsertCounts, upsert_observations
from pipeline.review_rows import scored_benchmarks
from pipeline.rows import refresh_rows

log = logging.getLogger(__name__)


def rebuild_extracted(session: Session) -> UpsertCounts:
    """Rebuild every ``extracted`` observation from the curated cells of model rows
    (idempotent). Each row not rejected or merged gives one observation per benchmark and metric
    it has an accepted score for, with the compute of its accepted cells."""
    latest = _latest_versions(session)
    _backfill_rows(session, set(latest.values()))
    stmt = (
        select(ModelRow)
        .where(
            ModelRow.paper_id.in_(latest.values()), ModelRow.status.not_in(("rejected", "merged"))
        )
        .options(
            joinedload(ModelRow.paper),
            selectinload(ModelRow.cells).joinedload(RowCell.fact),
        )
        .order_by(ModelRow.id)
    )
    rows: list[dict[str, Any]] = []
    skipped: dict[str, int] = defaultdict(int)
    for model_row in session.scalars(stmt).unique():
        rows.extend(row_observations(model_row, skipped))
    counts = upsert_observations(session, "extracted", rows, prune=True)
    for reason, n in skipped.items():
        counts.skipped[reason] = n
    log.debug("extracted observations: %s", counts)
    return counts


def _backfill_rows(session: Session, paper_ids: set[int]) -> None:
    """Papers whose curated facts are in no row (extracted before rows existed, or facts added
    by hand) get their rows re-assembled now (``pipeline.rows``)."""
    in_rows = select(RowCell.fact_id)
    stale = session.scalars(
        select(Fact.paper_id)
        .where(Fact.paper_id.in_(paper_ids), Fact.status.in_(CURATED), Fact.id.not_in(in_rows))
        .distinct()
    )
    for paper_id in sorted(stale):
        refresh_rows(session, session.get_one(Paper, paper_id))


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


def row_observations(row: ModelRow, skipped: dict[str, int]) -> Iterable[dict[str, Any]]:
    """The observations of one model row: each distinct accepted score (per benchmark and
    metric), with the row's accepted compute (the best-linked cell per field, then
    :func:`extractors.kinds.preference`)."""
    curated = [c for c in row.cells if c.fact.status in CURATED]
    scores: dict[tuple[str, str | None, float], list[Fact]] = defaultdict(list)
    for cell in curated:
        if cell.field != "score":
            continue
        if cell.fact.error is None or cell.fact.benchmark is None:
            skipped["result without error or benchmark"] += 1
            continue
        # one observation per distinct score: a model's two settings are two data points
        scores[(cell.fact.benchmark, cell.fact.metric, round(cell.fact.error, 6))].append(cell.fact)
    if not scores:
        return
    scored = scored_benchmarks(curated)
    own = [c for c in curated if c.field not in PHASED_FIELDS or phase_of(c.fact) is None]
    compute = {name: _best_cell(row, own, name, scored) for name in COMPUTE_FIELDS}
    phases = {
        phase: {
            name: _best_cell(row, [c for c in curated if phase_of(c.fact) == phase], name, scored)
            for name in PHASED_FIELDS
        }
        for phase in PHASES
    }
    for candidates in scores.values():
        yield _row(row, max(candidates, key=preference), compute, phases)


def _best_cell(
    row: ModelRow, cells: list[RowCell], field_name: str, scored: set[str]
) -> RowCell | None:
    """The cell a row's ``field_name`` takes: the strongest link, then the fact naming the row
    most closely, then a statement naming one of the row's benchmarks ``scored``
    (:func:`extractors.cues.names_benchmark`), then :func:`extractors.kinds.preference`."""
    candidates = [c for c in cells if c.field == field_name]
    if not candidates:
        return None

    def closeness(cell: RowCell) -> tuple[int, int]:
        return LINK_RANK[cell.link], name_distance(row.model, cell.fact.model)

    closest = min(closeness(c) for c in candidates)
    return max(
        (c for c in candidates if closeness(c) == closest),
        key=lambda c: (names_benchmark(c.fact.details, scored), preference(c.fact)),
    )


def _row(
    row: ModelRow,
    result: Fact,
    compute: dict[str, RowCell | None],
    phases: dict[str, dict[str, RowCell | None]],
) -> dict[str, Any]:
    paper = row.paper
    fact = {name: cell.fact if cell else None for name, cell in compute.items()}
    params, flops, hardware = fact["parameters"], fact["ops_forward_pass"], fact["hardware"]
    time = fact["training_time_sec"]
    seconds = time.normalized if time else None
    phased = {
        p: {n: c.fact if c else None for n, c in cells.items()} for p, cells in phases.items()
    }
    derived = derive_compute(fact, result.benchmark, phased)
    used = [f for f in (result, *fact.values()) if f is not None]
    used += [f for cells in phased.values() for f in cells.values() if f is not None]
    return {
        "source_key": (
            f"{paper.arxiv_id}:{result.benchmark}:{result.metric or ''}:{row.row_key}"
            f":{round(result.error, 6):g}"
        ),
        "benchmark": result.benchmark,
        "metric": result.metric,
        "model": row.model,
        "arxiv_id": paper.arxiv_id,
        "paper_id": paper.id,
        "published": paper.published.date() if paper.published else None,
        # the contract's error is 1 - score/100 for every metric, so the score follows from it
        # (the printed value may be an error rate, e.g. "top-1 err. 21.4")
        "score": round((1 - result.error) * 100, 9),
        "error": result.error,
        "parameters": params.normalized if params else None,
        "ops_forward_pass": flops.normalized if flops else None,
        "network_operations": derived["network_operations"].value,
        "hardware_burden": derived["hardware_burden"].value,
        "training_time_sec": seconds,
        "fact_ids": sorted({f.id for f in used}),
        "details": {
            "arxiv_version": paper.version,
            "row_id": row.id,
            "own": row.own,
            "confidence": result.confidence,
            "accelerator": hardware.accelerator if hardware else None,
            "accelerator_count": hardware.count if hardware else None,
            "count_unit": hardware.count_unit if hardware else None,
            "links": {name: cell.link for name, cell in compute.items() if cell},
            "methods": {name: d.method for name, d in derived.items() if d.value is not None},
            "network_operations_inputs": list(derived["network_operations"].inputs),
            "six_n_d": derived["six_n_d"].value,
        },
    }


# The fields ``ctrends observations`` prints: what a fit uses, and where each value came from.
OBSERVATION_FIELDS = (
    "source",
    "arxiv_id",
    "benchmark",
    "metric",
    "model",
    "score",
    "error",
    "parameters",
    "ops_forward_pass",
    "network_operations",
    "hardware_burden",
    "training_time_sec",
    "fact_ids",
    "confidence",
    "obtained",
)


def list_observations(
    session: Session, source: str | None = None, benchmark: str | None = None
) -> list[dict[str, Any]]:
    """Observations as records of :data:`OBSERVATION_FIELDS`, by source, benchmark, paper."""
    stmt = select(Observation).order_by(
        Observation.source, Observation.benchmark, Observation.arxiv_id, Observation.id
    )
    if source:
        stmt = stmt.where(Observation.source == source)
    if benchmark:
        stmt = stmt.where(Observation.benchmark == benchmark)
    return [observation_record(obs) for obs in session.scalars(stmt)]


def observation_record(obs: Observation) -> dict[str, Any]:
    details = obs.details or {}
    record = {name: getattr(obs, name, None) for name in OBSERVATION_FIELDS[:12]}
    record["fact_ids"] = obs.fact_ids
    record["confidence"] = details.get("confidence")
    record["obtained"] = _obtained(obs, details)
    return record


def _obtained(obs: Observation, details: dict[str, Any]) -> dict[str, str]:
    """How each compute value of ``obs`` was obtained: a derivation's method, the link that
    brought a stated value to the row, or the curated dataset it was imported from."""
    if obs.source != "extracted":
        return {
            name: f"{obs.source} dataset"
            for name in ("parameters", "ops_forward_pass", "network_operations", "hardware_burden")
            if getattr(obs, name) is not None
        }
    obtained = {
        name: f"stated ({link})"
        for name, link in (details.get("links") or {}).items()
        if name in ("parameters", "ops_forward_pass", "training_time_sec")
    }
    obtained.update(details.get("methods") or {})
    return obtained

"""Reviewing by model row: the rows closest to a fit first, and a row's cells accepted at once.

A row (``extractors.rows``) is what a fit uses: a score with a compute measure. Rows are ordered
by what completes a fit soonest: rows nobody has decided yet before rows already accepted whose
other candidate cells are still pending; a score with FLOPs or hardware and training time beats a
score with only a parameter count, which beats a score alone; the paper's main and own rows
before quoted ones; then by the score's confidence. A row's proposal is, for each of its fields, the
cell its observation would take (``pipeline.analysis.observations``: strongest link, closest
name, most confident); ``pipeline.row_decisions`` accepts it, rejects, moves, merges and undoes;
``pipeline.zerotouch`` accepts confident rows with no human.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from db.models import ModelRow, Paper, RowCell
from extractors.confidence import SECONDARY
from extractors.cues import names_benchmark
from extractors.kinds import rule_confidence, rule_preference
from extractors.rows import LINK_RANK, name_distance
from pipeline.errors import UserError
from pipeline.rows import MERGED
from pipeline.sources import BadRecord, split_arxiv_id

FIT_MEASURES = ("ops_forward_pass", "hardware")  # with a score, a data point of a fit
REJECTED = "rejected"
# Fields a paper-level statement fills with the paper's training; a statement the rules read as
# inference, fine-tuning, a baseline's or another work's (confidence <= SECONDARY) is no row's.
TRAINING_FIELDS = ("hardware", "training_time_sec")


@dataclass(frozen=True)
class RowEntry:
    row: ModelRow
    tier: int  # 0 score + FLOPs/hardware, 1 score + parameters, 2 score alone, 3 compute only
    proposal: dict[str, RowCell]  # field -> the cell a row accept takes

    @property
    def reason(self) -> str:
        return ROW_TIERS[self.tier]

    @property
    def benchmark(self) -> str | None:
        """The benchmark of the proposed score: a model scored on two is two rows
        (``extractors.rows``), which the queue tells apart by it."""
        score = self.proposal.get("score")
        return score.fact.benchmark if score else None


ROW_TIERS = {
    0: "a score with a compute measure: completes a fit",
    1: "a score with parameters",
    2: "a score without compute",
    3: "compute without a score",
}


def proposal(row: ModelRow) -> dict[str, RowCell]:
    """Per field, the not-rejected cell the row's observation would take, but never a training
    field from an inference or cited statement (:func:`_not_training`). A statement about another
    benchmark's training is no cell of the row at all (``extractors.rows``)."""
    best: dict[str, RowCell] = {}
    scored = scored_benchmarks(row.cells)
    for cell in row.cells:
        if cell.fact.status == REJECTED or _not_training(cell):
            continue
        current = best.get(cell.field)
        if current is None or rank(row, cell, scored) > rank(row, current, scored):
            best[cell.field] = cell
    return best


def _not_training(cell: RowCell) -> bool:
    """A statement about inference or someone else's training ("Runtime is measured on a single
    NVIDIA TITAN RTX", "Throughput is measured on a V100 GPU") stays a cell a curator can pick,
    but is not proposed: accepting the row would make it the row's training."""
    return (
        cell.field in TRAINING_FIELDS
        and cell.link == "paper-level statement"
        and rule_confidence(cell.fact) <= SECONDARY
    )


def scored_benchmarks(cells: Iterable[RowCell]) -> set[str]:
    """The benchmarks a row's score cells are on."""
    return {c.fact.benchmark for c in cells if c.field == "score" and c.fact.benchmark}


def rank(
    row: ModelRow, cell: RowCell, scored: set[str]
) -> tuple[int, int, bool, tuple[float, float]]:
    """Strongest link, closest name, a statement naming one of the row's benchmarks
    (:func:`extractors.cues.names_benchmark`, ``scored``), then the rules' preference."""
    closeness = name_distance(row.model, cell.fact.model)
    named = names_benchmark(cell.fact.details, scored)
    return -LINK_RANK[cell.link], -closeness, named, rule_preference(cell.fact)


def tier(cells: dict[str, RowCell]) -> int:
    if "score" not in cells:
        return 3
    if any(field in cells for field in FIT_MEASURES):
        return 0
    return 1 if "parameters" in cells else 2


def row_queue(
    session: Session, paper: str | None = None, limit: int | None = None
) -> list[RowEntry]:
    """Rows with a pending cell, most useful first (see the module docstring)."""
    stmt = (
        select(ModelRow)
        .join(ModelRow.paper)
        .where(ModelRow.status.not_in((REJECTED, MERGED)))
        .options(joinedload(ModelRow.paper), selectinload(ModelRow.cells).joinedload(RowCell.fact))
    )
    if paper:
        try:
            arxiv_id, version = split_arxiv_id(paper)
        except BadRecord as exc:
            raise UserError(f"--paper: {exc}") from None
        stmt = stmt.where(Paper.arxiv_id == arxiv_id)
        if version is not None:
            stmt = stmt.where(Paper.version == version)
    entries = []
    for row in session.scalars(stmt).unique():
        if not any(c.fact.status == "pending" or c.fact.needs_rereview for c in row.cells):
            continue
        cells = proposal(row)
        entries.append(RowEntry(row, tier(cells), cells))
    entries.sort(key=lambda e: (e.row.status != "pending", *_usefulness(e)))
    return entries[:limit]


def _usefulness(entry: RowEntry) -> tuple[int, bool, float, int]:
    return entry.tier, not entry.row.own, -_score_confidence(entry), entry.row.id


def _score_confidence(entry: RowEntry) -> float:
    score = entry.proposal.get("score")
    return score.fact.confidence if score else 0.0

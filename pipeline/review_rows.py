"""Reviewing by model row: the rows closest to a fit first, and a row's cells accepted at once.

A row (``extractors.rows``) is what a fit uses: a score with a compute measure. Rows are ordered
by what completes a fit soonest: a score with FLOPs or hardware and training time beats a score
with only a parameter count, which beats a score alone; the paper's main and own rows before
quoted ones; then by the score's confidence. Accepting a row accepts, for each of its fields, the
cell its observation would take (``pipeline.analysis.observations``: strongest link, closest
name, most confident) when that fact is still pending, each through the fact's own ``accept``:
the audit trail stays per fact and ``review undo ID`` takes any of them back.

Zero-touch (``CTRENDS_AUTO_ACCEPT``, ``review bulk-accept --min-confidence``) accepts whole rows
the same way, those whose ``row_confidence`` reaches a threshold; the automatic one marks each
fact ``auto_accepted`` (``review audit`` brings them up) and never touches a fact a person (or
an earlier automatic acceptance, since undone) has decided on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from db.models import Fact, ModelRow, Paper, ReviewEvent, RowCell
from extractors.kinds import preference
from extractors.rows import LINK_RANK, name_distance
from pipeline import review
from pipeline.errors import UserError
from pipeline.sources import BadRecord, split_arxiv_id

FIT_MEASURES = ("ops_forward_pass", "hardware")  # with a score, a data point of a fit
REJECTED = "rejected"


@dataclass(frozen=True)
class RowEntry:
    row: ModelRow
    tier: int  # 0 score + FLOPs/hardware, 1 score + parameters, 2 score alone, 3 compute only
    proposal: dict[str, RowCell]  # field -> the cell a row accept takes

    @property
    def reason(self) -> str:
        return ROW_TIERS[self.tier]


ROW_TIERS = {
    0: "a score with a compute measure: completes a fit",
    1: "a score with parameters",
    2: "a score without compute",
    3: "compute without a score",
}


def proposal(row: ModelRow) -> dict[str, RowCell]:
    """Per field, the not-rejected cell the row's observation would take."""
    best: dict[str, RowCell] = {}
    for cell in row.cells:
        if cell.fact.status == REJECTED:
            continue
        current = best.get(cell.field)
        if current is None or rank(row, cell) > rank(row, current):
            best[cell.field] = cell
    return best


def rank(row: ModelRow, cell: RowCell) -> tuple[int, int, tuple[float, float]]:
    closeness = name_distance(row.model, cell.fact.model)
    return -LINK_RANK[cell.link], -closeness, preference(cell.fact)


def _tier(cells: dict[str, RowCell]) -> int:
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
        .where(ModelRow.status != REJECTED)
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
        entries.append(RowEntry(row, _tier(cells), cells))
    entries.sort(key=lambda e: (e.tier, not e.row.own, -_score_confidence(e), e.row.id))
    return entries[:limit]


def _score_confidence(entry: RowEntry) -> float:
    score = entry.proposal.get("score")
    return score.fact.confidence if score else 0.0


def accept_row(
    session: Session, row_id: int, reviewer: str, note: str | None = None
) -> list[ReviewEvent]:
    """Accept the row's proposed cells that are still pending (one transaction)."""
    row = session.get(ModelRow, row_id)
    if row is None:
        raise UserError(f"no model row with id {row_id}")
    if row.status == REJECTED:
        raise UserError(f"row {row_id} is rejected; nothing of it feeds a fit")
    events = [
        review.accept(session, cell.fact_id, reviewer, note=note or f"row {row_id}")
        for cell in proposal(row).values()
        if cell.fact.status == "pending" or cell.fact.needs_rereview
    ]
    if not events:
        raise UserError(f"row {row_id} has no pending cell to accept")
    return events


def row_confidence(cells: dict[str, RowCell]) -> float | None:
    """How sure a row is as a data point of a fit: its score cell's confidence times its best
    compute cell's; ``None`` for a row that lacks either (it is no data point at all).

    A data point is right only when its score *and* its compute are right, and the two come from
    different reads (often a different table), so, taken as independent, the chance of both is
    the product: a 0.95 score with a 0.6 FLOPs count is a 0.57 row, not a 0.95 one. Of the
    compute cells the best one counts, since a fit needs one measure and takes the one it has.
    """
    score = cells.get("score")
    compute = [cells[name].fact.confidence for name in FIT_MEASURES if name in cells]
    if score is None or not compute:
        return None
    return score.fact.confidence * max(compute)


def confident_rows(
    session: Session, min_confidence: float, benchmark: str | None = None
) -> Iterator[tuple[ModelRow, dict[str, RowCell], float]]:
    """Not-rejected rows whose ``row_confidence`` is at least ``min_confidence``, with their
    proposal, in id order (optionally only rows whose score is on ``benchmark``)."""
    stmt = (
        select(ModelRow)
        .where(ModelRow.status != REJECTED)
        .order_by(ModelRow.id)
        .options(selectinload(ModelRow.cells).joinedload(RowCell.fact).selectinload(Fact.events))
    )
    for row in session.scalars(stmt).unique():
        cells = proposal(row)
        confidence = row_confidence(cells)
        if confidence is None or confidence < min_confidence:
            continue
        if benchmark is None or cells["score"].fact.benchmark == benchmark:
            yield row, cells, confidence


Accepted = dict[int, list[ReviewEvent]]  # row id -> the events of the facts it accepted


def auto_accept_rows(session: Session, min_confidence: float) -> Accepted:
    """Zero-touch: accept the proposed cells of every row at or above ``min_confidence`` with no
    human, each marked automatic. A fact with any review event is left alone: a person decided
    on it, or took an earlier automatic acceptance back. Re-runs accept nothing new."""

    def untouched(fact: Fact) -> bool:
        return fact.status == "pending" and not fact.needs_rereview and not fact.events

    return _accept_rows(
        session,
        min_confidence,
        None,
        untouched,
        lambda fact, note: review.auto_accept(session, fact, note),
    )


def bulk_accept_rows(
    session: Session, reviewer: str, min_confidence: float, benchmark: str | None = None
) -> Accepted:
    """A curator's bulk accept by row: the pending, unflagged proposed cells of every row at or
    above ``min_confidence``, each through ``review.accept`` under the curator's name."""

    def pending(fact: Fact) -> bool:
        return fact.status == "pending" and not fact.needs_rereview

    return _accept_rows(
        session,
        min_confidence,
        benchmark,
        pending,
        lambda fact, note: review.accept(session, fact.id, reviewer, note=note),
    )


def _accept_rows(
    session: Session,
    min_confidence: float,
    benchmark: str | None,
    eligible: Callable[[Fact], bool],
    decide: Callable[[Fact, str], ReviewEvent],
) -> Accepted:
    accepted: Accepted = {}
    for row, cells, confidence in confident_rows(session, min_confidence, benchmark):
        note = f"row {row.id}: row confidence {confidence:.2f} >= {min_confidence:g}"
        events = [decide(c.fact, note) for c in cells.values() if eligible(c.fact)]
        if events:
            accepted[row.id] = events
    return accepted


def undo_automatic_row(
    session: Session, row_id: int, reviewer: str, note: str | None = None
) -> list[ReviewEvent]:
    """Take back every automatic acceptance still standing in the row (one ``undo`` per fact);
    those facts are then never accepted automatically again (see ``auto_accept_rows``)."""
    row = session.get(ModelRow, row_id)
    if row is None:
        raise UserError(f"no model row with id {row_id}")
    facts = {c.fact_id: c.fact for c in row.cells if c.fact.auto_accepted}
    if not facts:
        raise UserError(f"row {row_id} has no automatic acceptance to undo")
    return [review.undo(session, fact_id, reviewer, note=note) for fact_id in sorted(facts)]


def automatic_rows(session: Session) -> list[RowEntry]:
    """Rows with a cell accepted automatically that no person has checked since, by id."""
    stmt = (
        select(ModelRow)
        .join(ModelRow.cells)
        .join(RowCell.fact)
        .where(Fact.status == "accepted", Fact.auto_accepted.is_(True))
        .order_by(ModelRow.id)
        .options(joinedload(ModelRow.paper), selectinload(ModelRow.cells).joinedload(RowCell.fact))
    )
    entries = []
    for row in session.scalars(stmt).unique():
        cells = proposal(row)
        entries.append(RowEntry(row, _tier(cells), cells))
    return entries

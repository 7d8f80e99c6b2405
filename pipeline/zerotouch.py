"""Zero-touch: rows accepted with no human when their confidence reaches a threshold.

``CTRENDS_AUTO_ACCEPT`` (every fit first runs ``auto_accept_rows``) and ``ctrends review
bulk-accept --min-confidence`` accept whole rows: the proposed cells (``pipeline.review_rows``) of
rows whose ``row_confidence`` reaches the threshold, each through the fact's own accept, so the
audit trail stays per fact. The automatic one marks each fact ``auto_accepted`` (``review audit``
brings them up) and never touches a fact a person (or an earlier automatic acceptance, since
undone) has decided on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from db.models import Fact, ModelRow, ReviewEvent, RowCell
from pipeline import review
from pipeline.errors import UserError
from pipeline.review_rows import FIT_MEASURES, REJECTED, RowEntry, proposal, tier


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


def accepted_automatically(session: Session, row_id: int) -> bool:
    """Whether an automatic acceptance still stands on one of the row's cells."""
    row = session.get(ModelRow, row_id)
    return row is not None and any(_standing(c.fact) for c in row.cells)


def undo_automatic_row(
    session: Session, row_id: int, reviewer: str, note: str | None = None
) -> list[ReviewEvent]:
    """Take back every automatic acceptance still standing in the row (one ``undo`` per fact);
    those facts are then never accepted automatically again (see ``auto_accept_rows``)."""
    row = session.get(ModelRow, row_id)
    if row is None:
        raise UserError(f"no model row with id {row_id}")
    facts = {c.fact_id for c in row.cells if _standing(c.fact)}
    if not facts:
        raise UserError(f"row {row_id} has no automatic acceptance to undo")
    return [review.undo(session, fact_id, reviewer, note=note) for fact_id in sorted(facts)]


def _standing(fact: Fact) -> bool:
    return fact.auto_accepted and fact.status == "accepted"


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
        entries.append(RowEntry(row, tier(cells), cells))
    return entries

"""Zero-touch: rows accepted with no human when their confidence reaches a threshold.

``CTRENDS_AUTO_ACCEPT`` (every fit first runs ``auto_accept_rows``) and ``ctrends review
bulk-accept --min-confidence`` accept whole rows: the proposed cells (``pipeline.review_rows``) of
rows whose row confidence (:func:`row_confidences`: the learned probability that the row is a
right data point, :mod:`extractors.row_confidence`) reaches the threshold, each through the
fact's own accept, so the audit trail stays per fact. The automatic one marks each fact
``auto_accepted`` (``review audit`` brings them up) and never touches a fact a person (or an
earlier automatic acceptance, since undone) has decided on; the curator's is an ``accept-row``
decision per row (``pipeline.row_decisions``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from db.models import Fact, ModelRow, ReviewEvent, RowCell
from extractors.ranking import Model
from extractors.row_confidence import load_row_model, row_features
from pipeline import review, row_decisions
from pipeline.errors import UserError
from pipeline.review_rows import FIT_MEASURES, REJECTED, RowEntry, proposal, tier


def product_confidence(cells: Mapping[str, RowCell]) -> float:
    """The fallback when no row model is committed: the score cell's confidence times the best
    compute cell's. Taken as independent reads, the chance that both are right is the product;
    the best compute cell counts, since a fit needs one measure and takes the one it has."""
    compute = [cells[name].fact.confidence for name in FIT_MEASURES if name in cells]
    return cells["score"].fact.confidence * max(compute)


def row_confidences(rows: Iterable[ModelRow], model: Model | None = None) -> dict[int, float]:
    """Row id -> how sure the row is as a data point of a fit, for the rows with a score and a
    compute measure (the others are no data point at all): the learned row model's probability
    (:mod:`extractors.row_confidence`; ``model`` overrides the committed one), or the
    :func:`product_confidence` when none is committed (``load_model`` logs it). Features compare
    a row with the other rows of its paper, so rows are scored paper by paper."""
    model = model or load_row_model()
    papers: dict[int, list[tuple[ModelRow, dict[str, RowCell]]]] = defaultdict(list)
    for row in rows:
        papers[row.paper_id].append((row, proposal(row)))
    confidences: dict[int, float] = {}
    for entries in papers.values():
        for (row, cells), vector in zip(entries, row_features(entries), strict=True):
            if vector is not None:
                confidences[row.id] = (
                    model.probability(vector) if model else product_confidence(cells)
                )
    return confidences


def open_rows(session: Session) -> list[ModelRow]:
    """Not-rejected rows with their cells and facts, in id order."""
    stmt = (
        select(ModelRow)
        .where(ModelRow.status != REJECTED)
        .order_by(ModelRow.id)
        .options(selectinload(ModelRow.cells).joinedload(RowCell.fact).selectinload(Fact.events))
    )
    return list(session.scalars(stmt).unique())


def confident_rows(
    session: Session,
    min_confidence: float,
    benchmark: str | None = None,
    confidences: Mapping[int, float] | None = None,
) -> Iterator[tuple[ModelRow, dict[str, RowCell], float]]:
    """Not-rejected rows whose row confidence is at least ``min_confidence``, with their
    proposal, in id order (optionally only rows whose score is on ``benchmark``).
    ``confidences`` (row id -> confidence) replaces :func:`row_confidences`: the evaluation
    passes cross-validated ones."""
    rows = open_rows(session)
    scores = row_confidences(rows) if confidences is None else confidences
    for row in rows:
        confidence = scores.get(row.id)
        if confidence is None or confidence < min_confidence:
            continue
        cells = proposal(row)
        if benchmark is None or cells["score"].fact.benchmark == benchmark:
            yield row, cells, confidence


Accepted = dict[int, list[ReviewEvent]]  # row id -> the events of the facts it accepted


def auto_accept_rows(
    session: Session, min_confidence: float, confidences: Mapping[int, float] | None = None
) -> Accepted:
    """Zero-touch: accept the proposed cells of every row at or above ``min_confidence`` with no
    human, each marked automatic. A fact with any review event is left alone: a person decided
    on it, or took an earlier automatic acceptance back. Re-runs accept nothing new.
    ``confidences``: see :func:`confident_rows`."""
    accepted: Accepted = {}
    for row, cells, confidence in confident_rows(session, min_confidence, None, confidences):
        note = _note(row, confidence, min_confidence)
        events = [
            review.auto_accept(session, c.fact, note)
            for c in cells.values()
            if c.fact.status == "pending" and not c.fact.needs_rereview and not c.fact.events
        ]
        if events:
            accepted[row.id] = events
    return accepted


def bulk_accept_rows(
    session: Session, reviewer: str, min_confidence: float, benchmark: str | None = None
) -> Accepted:
    """A curator's bulk accept by row: every row at or above ``min_confidence`` with a pending
    proposed cell is accepted as ``review accept-row`` would (``pipeline.row_decisions``), so
    each row gets its row event (``undo-row`` takes it back) and each fact its own. A row with a
    proposed cell flagged for re-review is left for the curator to look at."""
    accepted: Accepted = {}
    for row, cells, confidence in list(confident_rows(session, min_confidence, benchmark)):
        proposed = [c.fact for c in cells.values()]
        if any(f.needs_rereview for f in proposed) or all(f.status != "pending" for f in proposed):
            continue
        note = _note(row, confidence, min_confidence)
        accepted[row.id] = row_decisions.accept_row(session, row.id, reviewer, note=note)
    return accepted


def _note(row: ModelRow, confidence: float, threshold: float) -> str:
    return f"row {row.id}: row confidence {confidence:.2f} >= {threshold:g}"


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

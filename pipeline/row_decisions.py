"""A curator's decisions on whole model rows, each a ``row_events`` entry ``undo-row`` reverses.

- **accept-row**: the row's proposed cells (``pipeline.review_rows.proposal``) still pending are
  accepted, each through the fact's own ``accept`` (one ``review_events`` entry per fact); a
  picked cell replaces its field's proposal, a dropped field's pending cells are rejected.
- **reject-row**: not this paper's model, or not a result. The row feeds no observation; its
  pending cells' facts are rejected, except facts another live row still uses (a paper-level
  hardware statement belongs to every model of the paper, not to the one row).
- **move**: a fact belongs to another row. Its cells leave every other row of the paper and it
  joins the target row with the link ``moved``, which re-extraction keeps (``pipeline.rows``).
- **merge-rows A B**: two rows are one model. B's cells join A, B is marked ``merged`` into A,
  and re-extraction sends what it assembles under B's key to A.

Every decision stores in its event what undoing it needs, so ``undo-row`` restores the state
from before the row's latest decision not yet undone, and is itself recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Fact, ModelRow, ReviewEvent, RowCell, RowEvent
from extractors.kinds import SPECS
from pipeline import review
from pipeline.errors import UserError
from pipeline.review_rows import REJECTED, proposal
from pipeline.rows import MERGED, MOVED

OPEN = ("pending", "accepted")  # a row that still feeds observations


def accept_row(
    session: Session,
    row_id: int,
    reviewer: str,
    note: str | None = None,
    pick: Sequence[int] = (),
    drop: Sequence[str] = (),
) -> list[ReviewEvent]:
    """Accept the row's proposed cells that are still pending (one transaction).

    ``pick`` names facts of the row to take instead of the proposal for their fields (the
    curator saw the right number among the cells); ``drop`` names fields none of whose cells is
    right: their pending cells are rejected. One command judges the whole card.
    """
    row = _open_row(session, row_id)
    cells = {cell.fact_id: cell for cell in row.cells}
    chosen = proposal(row)
    for fact_id in pick:
        if fact_id not in cells:
            raise UserError(f"fact {fact_id} is not a cell of row {row_id}")
        chosen[cells[fact_id].field] = cells[fact_id]
    fields = {cell.field for cell in row.cells}
    for name in drop:
        if name not in fields:
            raise UserError(
                f"row {row_id} has no {name!r} cell (it has {', '.join(sorted(fields))})"
            )
        if any(cells[f].field == name for f in pick):
            raise UserError(f"field {name!r} is both picked and dropped")
    note = note or f"row {row_id}"
    rejected = [
        review.reject(session, cell.fact_id, reviewer, note=note)
        for cell in row.cells
        if cell.field in drop and _undecided(cell.fact)
    ]
    events = [
        review.accept(session, cell.fact_id, reviewer, note=note)
        for name, cell in chosen.items()
        if name not in drop and _undecided(cell.fact)
    ]
    if not events and not rejected:
        raise UserError(f"row {row_id} has no pending cell to accept")
    decided = [e.fact_id for e in [*rejected, *events]]
    after = {"facts": decided, "pick": list(pick), "drop": list(drop)}
    _record(session, row, "accept_row", reviewer, note, after, "accepted")
    return [*rejected, *events]


def reject_row(
    session: Session, row_id: int, reviewer: str, note: str | None = None
) -> list[ReviewEvent]:
    """Reject the row and its pending cells' facts that no other live row uses."""
    row = _open_row(session, row_id)
    shared = set(
        session.scalars(
            select(RowCell.fact_id)
            .join(RowCell.row)
            .where(
                ModelRow.paper_id == row.paper_id,
                ModelRow.id != row.id,
                ModelRow.status.in_(OPEN),
            )
        )
    )
    note = note or f"row {row_id} rejected"
    events = [
        review.reject(session, cell.fact_id, reviewer, note=note)
        for cell in row.cells
        if _undecided(cell.fact) and cell.fact_id not in shared
    ]
    facts = [e.fact_id for e in events]
    _record(session, row, "reject_row", reviewer, note, {"facts": facts}, REJECTED)
    return events


def move(
    session: Session, fact_id: int, to_row: int, reviewer: str, note: str | None = None
) -> RowEvent:
    """Make ``fact_id`` a cell of row ``to_row`` only (same paper version)."""
    fact = review.get_fact(session, fact_id)
    row = _open_row(session, to_row)
    if fact.paper_id != row.paper_id:
        raise UserError(f"fact {fact_id} is not from the paper of row {to_row}")
    cells = list(session.scalars(select(RowCell).where(RowCell.fact_id == fact_id)))
    if [c.row_id for c in cells] == [row.id] and cells[0].link == MOVED:
        raise UserError(f"fact {fact_id} is already in row {to_row}")
    field = next((c.field for c in cells if c.row_id == row.id), None)
    field = field or SPECS[fact.kind].row_field
    before = {"cells": [[c.row_id, c.field, c.link] for c in cells]}
    for cell in cells:  # out of its row's collection too, or a later flush re-adds it
        cell.row.cells.remove(cell)
    session.flush()
    row.cells.append(RowCell(fact_id=fact_id, field=field, link=MOVED))
    return _record(session, row, "move", reviewer, note, {"fact_id": fact_id}, row.status, before)


def merge_rows(
    session: Session, into: int, other: int, reviewer: str, note: str | None = None
) -> RowEvent:
    """Rows ``into`` and ``other`` are one model: ``other``'s cells join ``into``."""
    if into == other:
        raise UserError("a row cannot be merged into itself")
    target, source = _open_row(session, into), _open_row(session, other)
    if target.paper_id != source.paper_id:
        raise UserError(f"rows {into} and {other} are from different papers")
    have = {c.fact_id for c in target.cells}
    moved = [c for c in source.cells if c.fact_id not in have]
    before = {
        "row": source.id,
        "status": source.status,
        "cells": [[c.fact_id, c.field, c.link] for c in source.cells],
    }
    source.cells = []
    session.flush()
    target.cells.extend(RowCell(fact_id=c.fact_id, field=c.field, link=c.link) for c in moved)
    source.status, source.merged_into_id = MERGED, target.id
    after = {"row": source.id, "facts": [c.fact_id for c in moved]}
    return _record(session, target, "merge", reviewer, note, after, target.status, before)


def undo_row(session: Session, row_id: int, reviewer: str, note: str | None = None) -> RowEvent:
    """Take back the row's latest decision not yet undone (recorded as an ``undo`` event)."""
    row = _row(session, row_id)
    undone = {e.after.get("undoes") for e in row.events if e.action == "undo" and e.after}
    target = next(
        (e for e in reversed(row.events) if e.action != "undo" and e.id not in undone), None
    )
    if target is None:
        raise UserError(f"row {row_id} has no row decision to undo")
    before, after = target.before or {}, target.after or {}
    if target.action in ("accept_row", "reject_row"):
        for fact_id in after.get("facts", []):
            review.undo(session, fact_id, reviewer, note=f"undo of row {row_id}")
    elif target.action == "move":
        _undo_move(session, row, after["fact_id"], before["cells"])
    elif target.action == "merge":
        _undo_merge(session, row, before, after["facts"])
    row.status = before["status"]
    return _record(
        session, row, "undo", reviewer, note, {"undoes": target.id}, row.status, status=False
    )


def _undo_move(session: Session, row: ModelRow, fact_id: int, cells: list[list[Any]]) -> None:
    for cell in [c for c in row.cells if c.fact_id == fact_id]:
        row.cells.remove(cell)
    session.flush()
    for row_id, field, link in cells:  # through the collection, which a re-assembly reads
        _row(session, row_id).cells.append(RowCell(fact_id=fact_id, field=field, link=link))


def _undo_merge(session: Session, row: ModelRow, before: dict[str, Any], facts: list[int]) -> None:
    source = _row(session, before["row"])
    row.cells = [c for c in row.cells if c.fact_id not in set(facts)]
    session.flush()
    source.cells = [
        RowCell(fact_id=f, field=field, link=link) for f, field, link in before["cells"]
    ]
    source.status, source.merged_into_id = before["status"], None


def _record(
    session: Session,
    row: ModelRow,
    action: str,
    reviewer: str,
    note: str | None,
    after: dict[str, Any],
    new_status: str,
    before: dict[str, Any] | None = None,
    status: bool = True,
) -> RowEvent:
    """Write the row's event; ``before`` always carries the row's status to restore."""
    who = review.reviewer_name(reviewer)
    recorded = {**(before or {}), "status": row.status} if status else None
    row.status = new_status
    event = RowEvent(
        row=row,
        reviewer=who,
        action=action,
        before=recorded,
        after={**after, "status": row.status},
        note=review.clean_note(note),
    )
    session.add(event)
    session.flush()
    return event


def _row(session: Session, row_id: int) -> ModelRow:
    row = session.get(ModelRow, row_id)
    if row is None:
        raise UserError(f"no model row with id {row_id}")
    return row


def _open_row(session: Session, row_id: int) -> ModelRow:
    row = _row(session, row_id)
    if row.status not in OPEN:
        raise UserError(f"row {row_id} is {row.status}; `review undo-row {row_id}` reopens it")
    return row


def _undecided(fact: Fact) -> bool:
    return fact.status == "pending" or fact.needs_rereview

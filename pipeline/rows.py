"""Store a paper's model rows (``extractors.rows``) next to its facts, keeping row decisions.

Rows are re-assembled from all the paper version's facts every time its facts are stored, in the
same transaction. A row is found again by its key (the aligned model name), so a curator's row
decision (``accepted``/``rejected``) survives re-extraction; its cells are re-linked, since they
follow the facts (whose own decisions the fact store keeps). A row nobody decided on that the
new facts no longer produce is removed; a decided one stays, with the cells it still has.
The row decisions of ``pipeline.row_decisions`` hold too: a moved cell stays in the row it was
moved to, and what is assembled under a merged row's key goes to the row it was merged into.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Fact, ModelRow, Paper, RowCell
from extractors.rows import assemble

MOVED = "moved"  # the link of a cell a curator moved (pipeline.row_decisions)
MERGED = "merged"


@dataclass
class RowReport:
    added: int = 0
    kept: int = 0
    removed: int = 0


def refresh_rows(session: Session, paper: Paper) -> RowReport:
    """Re-assemble ``paper``'s rows from its stored facts, inside the caller's transaction."""
    session.flush()  # facts just stored need their ids
    facts = session.scalars(select(Fact).where(Fact.paper_id == paper.id)).all()
    rows = list(
        session.scalars(
            select(ModelRow)
            .where(ModelRow.paper_id == paper.id)
            .options(selectinload(ModelRow.cells))
        )
    )
    existing = {row.row_key: row for row in rows}
    by_id = {row.id: row for row in rows}
    # A curator's move pins a fact to its row; assembly places it nowhere else.
    pinned = {c.fact_id: row for row in rows for c in row.cells if c.link == MOVED}
    report = RowReport()
    fact_ids = {fact.id for fact in facts}
    kept: dict[int, dict[int, RowCell]] = {}  # id(row) -> fact id -> cell, in assembly order
    for assembled in assemble(facts):
        row = existing.get(assembled.key)
        if row is None:
            row = ModelRow(paper_id=paper.id, row_key=assembled.key, status="pending")
            session.add(row)
            existing[assembled.key] = row
            report.added += 1
        else:
            report.kept += 1
        home = _merged_home(row, by_id)
        if home is row:
            row.model, row.aliases, row.own = assembled.model, assembled.aliases, assembled.own
        old = {cell.fact_id: cell for cell in home.cells}
        cells = kept.setdefault(id(home), {})
        for cell in assembled.cells:  # reuse a cell per fact: (row, fact) is unique
            if cell.fact_id in pinned or cell.fact_id in cells:
                continue
            reused = old.get(cell.fact_id) or RowCell(fact_id=cell.fact_id)
            reused.field, reused.link = cell.field, cell.link
            cells[cell.fact_id] = reused
    for row in existing.values():
        cells = kept.get(id(row))
        moved = [c for c in row.cells if c.link == MOVED and c.fact_id in fact_ids]
        if cells is None and not moved and row.status == "pending":
            session.delete(row)  # nobody decided on it and the facts no longer produce it
            report.removed += 1
        elif cells is None:
            row.cells = [c for c in row.cells if c.fact_id in fact_ids]
        else:
            row.cells = moved + list(cells.values())
    session.flush()
    return report


def _merged_home(row: ModelRow, by_id: dict[int, ModelRow]) -> ModelRow:
    """The row a merged row's cells go to (merges can chain: B into A, then A into C)."""
    seen: set[int] = set()
    while row.status == MERGED and row.merged_into_id in by_id and row.id not in seen:
        seen.add(row.id)
        row = by_id[row.merged_into_id]
    return row

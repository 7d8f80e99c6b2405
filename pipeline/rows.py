"""Store a paper's model rows (``extractors.rows``) next to its facts, keeping row decisions.

Rows are re-assembled from all the paper version's facts every time its facts are stored, in the
same transaction. A row is found again by its key (the aligned model name), so a curator's row
decision (``accepted``/``rejected``) survives re-extraction; its cells are re-linked, since they
follow the facts (whose own decisions the fact store keeps). A row nobody decided on that the
new facts no longer produce is removed; a decided one stays, with the cells it still has.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Fact, ModelRow, Paper, RowCell
from extractors.rows import assemble


@dataclass
class RowReport:
    added: int = 0
    kept: int = 0
    removed: int = 0


def refresh_rows(session: Session, paper: Paper) -> RowReport:
    """Re-assemble ``paper``'s rows from its stored facts, inside the caller's transaction."""
    session.flush()  # facts just stored need their ids
    facts = session.scalars(select(Fact).where(Fact.paper_id == paper.id)).all()
    existing = {
        row.row_key: row
        for row in session.scalars(
            select(ModelRow)
            .where(ModelRow.paper_id == paper.id)
            .options(selectinload(ModelRow.cells))
        )
    }
    report = RowReport()
    produced: set[str] = set()
    fact_ids = {fact.id for fact in facts}
    for assembled in assemble(facts):
        produced.add(assembled.key)
        row = existing.get(assembled.key)
        if row is None:
            row = ModelRow(paper_id=paper.id, row_key=assembled.key, status="pending")
            session.add(row)
            report.added += 1
        else:
            report.kept += 1
        row.model, row.aliases, row.own = assembled.model, assembled.aliases, assembled.own
        old = {cell.fact_id: cell for cell in row.cells}
        cells = []
        for cell in assembled.cells:  # reuse a cell per fact: (row, fact) is unique
            kept = old.get(cell.fact_id) or RowCell(fact_id=cell.fact_id)
            kept.field, kept.link = cell.field, cell.link
            cells.append(kept)
        row.cells = cells
    for key, row in existing.items():
        if key not in produced:
            if row.status == "pending":
                session.delete(row)
                report.removed += 1
            else:
                row.cells = [c for c in row.cells if c.fact_id in fact_ids]
    session.flush()
    return report

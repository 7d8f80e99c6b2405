"""Model rows in the browser: the row queue, and one row as a card with every cell's page crop.

Decisions go through :mod:`pipeline.row_decisions`, as on the command line, so both write the
same ``row_events``; after a row accept or reject the next row of the queue opens. Each cell's
crop is its fact's region (``/facts/ID/region.png``), which for a table cell reaches up to the
table's header rows, so the column a number was read from can be checked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from db.models import ModelRow
from db.session import session_scope
from pipeline import review, review_rows, row_decisions
from pipeline.errors import UserError
from pipeline.web.auth import WebSession
from pipeline.web.deps import Config, PostedByUi, RowId, SignedIn, WebConfig
from pipeline.web.pages import after, error_page, filter_context, page

router = APIRouter(prefix="/rows")
ROWS_PAGE_LIMIT = 500
ACTIONS = {
    "accept": row_decisions.accept_row,
    "reject": row_decisions.reject_row,
    "undo": row_decisions.undo_row,
}


@router.get("")
def rows_page(request: Request, config: Config, session: SignedIn) -> Response:
    with session_scope(config.database_url) as db:
        entries = review_rows.row_queue(db)
        return page(
            config,
            request,
            "rows.html",
            session=session,
            entries=entries[:ROWS_PAGE_LIMIT],
            total=len(entries),
            **filter_context({"status": "open"}),
        )


@router.get("/{row_id}")
def row_page(request: Request, config: Config, row_id: RowId, session: SignedIn) -> Response:
    with session_scope(config.database_url) as db:
        return _row_page(config, request, db, session, row_id)


@router.post("/{row_id}/{action}")
def decide(
    request: Request,
    config: Config,
    row_id: RowId,
    action: str,
    session: PostedByUi,
    note: Annotated[str, Form()] = "",
) -> Response:
    if action not in ACTIONS:
        return error_page(config, request, session, "unknown action", status_code=404)
    with session_scope(config.database_url) as db:
        ids = [entry.row.id for entry in review_rows.row_queue(db)]
        try:
            ACTIONS[action](db, row_id, session.reviewer, note=note)
        except UserError as exc:  # a refused decision: the card says why
            db.rollback()
            return _row_page(config, request, db, session, row_id, error=str(exc))
    if action == "undo":
        return RedirectResponse(f"/rows/{row_id}", status_code=303)
    following = after(ids, row_id)
    return RedirectResponse(f"/rows/{following}" if following else "/rows", status_code=303)


def _row_page(
    config: WebConfig,
    request: Request,
    db: Session,
    session: WebSession,
    row_id: int,
    error: str | None = None,
) -> Response:
    row = db.get(ModelRow, row_id)
    if row is None:
        return error_page(config, request, session, f"no model row with id {row_id}", 404)
    proposed = {cell.id for cell in review_rows.proposal(row).values()}
    cells = sorted(row.cells, key=lambda c: (c.id not in proposed, c.field, c.id))
    return page(
        config,
        request,
        "row.html",
        status_code=422 if error else 200,
        session=session,
        row=row,
        paper_label=review.paper_label(row.paper),
        cells=cells,
        proposed=proposed,
        events=row.events,
        error=error,
        **filter_context({"status": "open"}),
    )

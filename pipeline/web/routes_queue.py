"""The review queue page: facts in priority order, filtered by the query string."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from db.session import session_scope
from pipeline import review
from pipeline.errors import UserError
from pipeline.web.deps import Config, LastId, SignedIn
from pipeline.web.pages import error_page, filter_context, filters, last_decided, page

router = APIRouter()
QUEUE_PAGE_LIMIT = 500


@router.get("/")
def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue")
def queue_page(
    request: Request, config: Config, session: SignedIn, last: LastId = None
) -> Response:
    active = filters(request)
    with session_scope(config.database_url) as db:
        try:
            where = review.QueueFilter(**active)
        except UserError as exc:
            return error_page(config, request, session, str(exc))
        ranking = review.ranked(db, where)
        return page(
            config,
            request,
            "queue.html",
            session=session,
            entries=review.entries(db, ranking[:QUEUE_PAGE_LIMIT]),
            total=len(ranking),
            last=last_decided(db, last),
            **filter_context(active),
        )

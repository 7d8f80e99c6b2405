"""One fact: its page, the PDF region it came from, and the decisions posted from that page.

All decisions go through :mod:`pipeline.review`, so the browser and the command line write the
same audit trail; after each one the next fact of the same filtered queue opens.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from db.models import Fact
from db.session import session_scope
from pipeline import review
from pipeline.errors import UserError
from pipeline.web.auth import WebSession
from pipeline.web.deps import Config, FactId, LastId, PostedByUi, SignedIn, WebConfig
from pipeline.web.evidence import highlight
from pipeline.web.pages import after, error_page, filter_context, filters, last_decided, page
from pipeline.web.regions import RegionUnavailable, region_png

router = APIRouter(prefix="/facts")
ACTIONS = ("accept", "reject", "edit", "keep", "undo")


@router.get("/{fact_id}")
def fact_page(
    request: Request, config: Config, fact_id: FactId, session: SignedIn, last: LastId = None
) -> Response:
    with session_scope(config.database_url) as db:
        return _fact_page(config, request, db, session, fact_id, last)


@router.get("/{fact_id}/region.png")
def fact_region(config: Config, fact_id: FactId, _session: SignedIn) -> Response:
    with session_scope(config.database_url) as db:
        fact = db.get(Fact, fact_id)
        if fact is None:
            return Response("no such fact", status_code=404, media_type="text/plain")
        paper = fact.paper
        try:
            png = region_png(
                paper.pdf_path,
                fact.page,
                fact.bbox,
                config.regions_dir,
                paper.pdf_sha256,
                context_top=(fact.details or {}).get("header_top"),
            )
        except RegionUnavailable as exc:
            return Response(str(exc), status_code=404, media_type="text/plain")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private"})


@router.post("/{fact_id}/{action}")
def decide(
    request: Request,
    config: Config,
    fact_id: FactId,
    action: str,
    session: PostedByUi,
    value: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    if action not in ACTIONS:
        return error_page(config, request, session, "unknown action", status_code=404)
    active = filters(request)
    with session_scope(config.database_url) as db:
        try:
            where = review.QueueFilter(**active)
            ids = [fact_id for fact_id, _ in review.ranked(db, where)]
            _apply(db, action, fact_id, session.reviewer, value, unit, note)
        except UserError as exc:  # a refused decision or correction: the page says why
            db.rollback()
            return _fact_page(config, request, db, session, fact_id, None, error=str(exc))
    query = urlencode({**{k: v for k, v in active.items() if v}, "last": fact_id})
    if action == "undo":
        return RedirectResponse(f"/facts/{fact_id}?{query}", status_code=303)
    following = after(ids, fact_id)
    target = f"/facts/{following}" if following is not None else "/queue"
    return RedirectResponse(f"{target}?{query}", status_code=303)


def _apply(
    db: Session, action: str, fact_id: int, reviewer: str, value: str, unit: str, note: str
) -> None:
    if action == "edit":
        review.edit(db, fact_id, reviewer, value, unit or None, note=note)
    else:
        decide = {
            "accept": review.accept,
            "reject": review.reject,
            "keep": review.keep,
            "undo": review.undo,
        }[action]
        decide(db, fact_id, reviewer, note=note)


def _fact_page(
    config: WebConfig,
    request: Request,
    db: Session,
    session: WebSession,
    fact_id: int,
    last: int | None,
    error: str | None = None,
) -> Response:
    active = filters(request)
    try:
        where = review.QueueFilter(**active)
        fact = review.get_fact(db, fact_id)
    except UserError as exc:
        return error_page(config, request, session, str(exc), status_code=404)
    ids = [fact_id for fact_id, _ in review.ranked(db, where)]
    position = ids.index(fact_id) if fact_id in ids else None
    if position is None:
        previous_id, next_id = None, (ids[0] if ids else None)
    else:
        previous_id = ids[position - 1] if position > 0 else None
        next_id = ids[position + 1] if position + 1 < len(ids) else None
    others = sorted(fact.paper.facts, key=lambda f: (f.page or 0, f.kind, f.id))
    context: dict[str, Any] = {
        "session": session,
        "fact": fact,
        "paper": fact.paper,
        "evidence": highlight(fact.evidence, fact.value),
        "proposed": fact.proposed if fact.needs_rereview else None,
        "others": others,
        "events": fact.events,
        "position": position,
        "total": len(ids),
        "previous_id": previous_id,
        "next_id": next_id,
        "error": error,
        "last": last_decided(db, last),
    }
    status = 422 if error else 200  # a refused decision: the request could not be processed
    return page(
        config, request, "fact.html", status_code=status, **context, **filter_context(active)
    )

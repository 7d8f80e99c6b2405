"""Rendering the review UI's pages: the Jinja environment, the filters every page carries, and
the error page.

Every value a template prints passes :func:`visible_text` (Jinja's ``finalize``) before it is
escaped, so no page can forget to neutralise bidirectional controls
from PDF text (a U+202E reorders the evidence on screen).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from db.models import Fact
from extractors.facts import BENCHMARKS, KINDS
from extractors.parse.text import without_bidi_controls
from pipeline import review
from pipeline.display import fact_value
from pipeline.web.auth import WebSession
from pipeline.web.deps import WebConfig

HERE = Path(__file__).parent
FILTER_KEYS = ("status", "benchmark", "kind", "paper")


def visible_text(value: Any) -> Any:
    """Strings lose bidirectional controls (PDF text must not reorder a page); others pass."""
    return without_bidi_controls(value) if isinstance(value, str) else value


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(
        env=Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True),
            finalize=visible_text,
        )
    )
    templates.env.filters["paper_label"] = review.paper_label
    templates.env.globals["fact_value"] = fact_value
    return templates


def page(
    config: WebConfig, request: Request, name: str, status_code: int = 200, **context: Any
) -> Response:
    return config.templates.TemplateResponse(request, name, context, status_code=status_code)


def filters(request: Request) -> dict[str, str]:
    values = {k: request.query_params.get(k, "").strip() for k in FILTER_KEYS}
    return {"status": values["status"] or "open"} | {
        k: v for k, v in values.items() if k != "status" and v
    }


def filter_context(active_filters: dict[str, str]) -> dict[str, Any]:
    active = {k: v for k, v in active_filters.items() if v}
    return {
        "filters": active,
        "query": urlencode(active),
        "status_choices": review.STATUS_FILTERS,
        "benchmark_choices": BENCHMARKS,
        "kind_choices": KINDS,
    }


def last_decided(db: Session, last: int | None) -> Fact | None:
    return db.get(Fact, last) if last is not None else None


def error_page(
    config: WebConfig,
    request: Request,
    session: WebSession | None,
    message: str,
    status_code: int = 400,
) -> Response:
    return page(
        config,
        request,
        "error.html",
        status_code=status_code,
        session=session,
        message=message,
        **filter_context({"status": "open"}),
    )


def after(ids: list[int], current: int) -> int | None:
    """The item to open once ``current`` is decided: its successor, else the queue's head."""
    if current in ids:
        position = ids.index(current)
        rest = ids[position + 1 :] or ids[:position]
        return rest[0] if rest else None
    return ids[0] if ids else None


def local(url: str) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else "/queue"

"""Query side of facts: the export contract (one JSON object per fact) and paper listings."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from db.models import Fact, Paper
from pipeline.display import tidy
from pipeline.errors import UserError
from pipeline.sources import UNKNOWN_VERSION
from pipeline.store import EXTRACTED_FIELDS

# The export contract's field order (README, "Export contract"): the paper version, then the
# fields extraction stores (one list, ``pipeline.store.EXTRACTED_FIELDS``, without the rule that
# fired), with the review status before the extractor that produced the fact.
_STORED = tuple(name for name in EXTRACTED_FIELDS if name != "rule")
_BY = _STORED.index("extractor")
FACT_FIELDS = ("id", "arxiv_id", "arxiv_version", *_STORED[:_BY], "status", *_STORED[_BY:])
PAPER_FIELDS = (
    "arxiv_id",
    "version",
    "title",
    "status",
    "failure_class",
    "error",
    "page_count",
    "pages_in_pdf",
    "truncated",
    "source",
)
# A paper version's life: ingested -> parsed -> extracted, or failed (with its error) at any stage
PAPER_STATUSES = ("ingested", "parsed", "extracted", "failed")


def fact_to_dict(fact: Fact) -> dict[str, Any]:
    version = fact.paper.version
    return {
        "id": fact.id,
        "arxiv_id": fact.paper.arxiv_id,
        "arxiv_version": None if version == UNKNOWN_VERSION else version,
        **{name: getattr(fact, name) for name in FACT_FIELDS[3:]},
    }


def paper_to_dict(paper: Paper) -> dict[str, Any]:
    return {name: getattr(paper, name) for name in PAPER_FIELDS}


def iter_facts(session: Session) -> Iterator[Fact]:
    query = select(Fact).options(joinedload(Fact.paper)).order_by(Fact.paper_id, Fact.id)
    yield from session.scalars(query).unique()


def list_papers(session: Session, status: str | None = None) -> list[Paper]:
    query = select(Paper).order_by(Paper.arxiv_id, Paper.version)
    if status:
        query = query.where(Paper.status == status)
    return list(session.scalars(query))


def json_text(value: Any, **options: Any) -> str:
    """``json.dumps`` that writes standard JSON only: Python would write a NaN or infinite number
    as ``NaN``/``Infinity``, which other JSON readers (and PostgreSQL) refuse. Such a number is
    an error naming the row, never written."""
    try:
        return json.dumps(value, ensure_ascii=False, default=str, allow_nan=False, **options)
    except ValueError as exc:
        rows = value if isinstance(value, list) else [value]
        bad = [row.get("id") for row in rows if isinstance(row, dict) and not _finite(row)]
        where = f" (id {', '.join(map(str, bad))})" if bad else ""
        raise UserError(
            f"a row{where} holds a NaN or infinite number, which JSON cannot carry: correct it "
            "first (ctrends review edit)"
        ) from exc


def _finite(row: dict[str, Any]) -> bool:
    return not any(isinstance(v, float) and not math.isfinite(v) for v in row.values())


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for row in rows:
        out.write(json_text(tidy(row)) + "\n")
        count += 1
    return count


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def spreadsheet_safe(value: Any) -> Any:
    """PDF text like ``=HYPERLINK(...)`` must not run as a formula when a CSV is opened in a
    spreadsheet: prefix such cells with an apostrophe (numbers such as ``-0.5`` stay as they are).
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _is_number(value):
        return "'" + value
    return value


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO, fields: tuple[str, ...]) -> int:
    writer = csv.DictWriter(out, fieldnames=list(fields), extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({key: spreadsheet_safe(tidy(value)) for key, value in row.items()})
        count += 1
    return count


def csv_text(rows: Iterable[dict[str, Any]], fields: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    write_csv(rows, buffer, fields)
    return buffer.getvalue()

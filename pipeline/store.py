"""Store: write one paper's extracted facts, never clobbering a curator's decision.

A fact is found again by its stable key (``ExtractedFact.identity``). Then:
- new key: inserted as ``pending`` (zero-touch acceptance works on rows, before a fit:
  ``pipeline.zerotouch.auto_accept_rows``);
- key of a fact nobody decided on: updated in place to the new extraction;
- key of a fact a curator decided on: if the extractor now says something else than it said
  before (``Fact.extracted``, kept apart from the curator's corrections, so an edited value is
  not "disagreed with" at every run), the fact keeps its decided values, is flagged
  ``needs_rereview`` with the new values in ``proposed`` and a ``flag`` event in the audit
  trail; otherwise only the extractor version is refreshed;
- a pending fact the new extraction no longer produces is removed, unless it has review events
  (a decision that was undone): the audit trail is never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Fact, Paper, ReviewEvent
from extractors.facts import ExtractedFact
from extractors.kinds import rule_preference

SYSTEM_REVIEWER = "compute-trends"
HUMAN_DECIDED = ("accepted", "rejected", "edited")
# The values a curator judges; a change in any of them needs a human to look again.
JUDGED_FIELDS = (
    "value",
    "unit",
    "error",
    "normalized",
    "flops_kind",
    "accelerator",
    "count",
    "count_unit",
)
EXTRACTED_FIELDS = (
    "kind",
    "benchmark",
    "metric",
    "model",
    *JUDGED_FIELDS,
    "page",
    "evidence",
    "confidence",
    "extractor",
    "extractor_version",
    "rule",
)


@dataclass
class StoreReport:
    added: int = 0
    updated: int = 0
    flagged: int = 0
    unchanged: int = 0
    removed: int = 0


def snapshot(fact: Fact) -> dict[str, Any]:
    """The judged values plus status: what a review event records as before/after."""
    data = {name: getattr(fact, name) for name in JUDGED_FIELDS}
    data["status"] = fact.status
    return data


def _extracted_values(new: ExtractedFact) -> dict[str, Any]:
    values = {name: getattr(new, name) for name in EXTRACTED_FIELDS}
    values["bbox"] = list(new.bbox) if new.bbox else None
    values["details"] = new.details or None
    values["extracted"] = _judged(new)
    return values


def _judged(new: ExtractedFact) -> dict[str, Any]:
    return {name: getattr(new, name) for name in JUDGED_FIELDS}


def _differs(fact: Fact, new: ExtractedFact) -> bool:
    return any(getattr(fact, name) != getattr(new, name) for name in JUDGED_FIELDS)


def _extractor_changed_its_mind(fact: Fact, new: ExtractedFact) -> bool:
    if fact.extracted is None:  # facts stored before the baseline existed
        return _differs(fact, new)
    return fact.extracted != _judged(new)


def store_facts(
    session: Session,
    paper: Paper,
    facts: list[ExtractedFact],
) -> StoreReport:
    """Upsert ``facts`` for ``paper`` inside the caller's transaction."""
    report = StoreReport()
    by_key: dict[str, ExtractedFact] = {}
    for new in facts:
        key = new.identity(paper.arxiv_id, paper.version)
        # Two candidates for one identity: keep the preferred one (the one tie-break policy).
        if key not in by_key or rule_preference(new) > rule_preference(by_key[key]):
            by_key[key] = new
    existing = {
        fact.fact_key: fact
        for fact in session.scalars(select(Fact).where(Fact.paper_id == paper.id))
    }
    for key, new in by_key.items():
        fact = existing.get(key)
        if fact is None:
            fact = Fact(fact_key=key, paper_id=paper.id, status="pending", **_extracted_values(new))
            session.add(fact)
            report.added += 1
        elif fact.status in HUMAN_DECIDED and not fact.auto_accepted:
            if _extractor_changed_its_mind(fact, new):
                _flag(session, fact, new)
                report.flagged += 1
            else:
                fact.extractor_version = new.extractor_version
                fact.confidence = new.confidence
                report.unchanged += 1
        elif _differs(fact, new) or fact.extractor_version != new.extractor_version:
            for name, value in _extracted_values(new).items():
                setattr(fact, name, value)
            report.updated += 1
        else:
            report.unchanged += 1
    audited = set(
        session.scalars(
            select(ReviewEvent.fact_id).where(
                ReviewEvent.fact_id.in_([f.id for f in existing.values()])
            )
        )
    )
    for key, fact in existing.items():
        if key not in by_key and fact.status == "pending" and fact.id not in audited:
            session.delete(fact)
            report.removed += 1
    return report


def _flag(session: Session, fact: Fact, new: ExtractedFact) -> None:
    proposed = _judged(new)
    proposed["extractor_version"] = new.extractor_version
    proposed["evidence"] = new.evidence
    fact.extracted = _judged(new)  # the new baseline: the same opinion will not flag again
    fact.needs_rereview = True
    fact.proposed = proposed
    session.add(
        ReviewEvent(
            fact_id=fact.id,
            reviewer=SYSTEM_REVIEWER,
            action="flag",
            before=snapshot(fact),
            after=proposed,
            note=f"{new.extractor}@{new.extractor_version} disagrees with the reviewed value",
        )
    )

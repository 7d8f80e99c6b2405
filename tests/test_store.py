"""Storing extracted facts: stable identities, and curator decisions are never overwritten."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Fact, Paper, ReviewEvent
from extractors.facts import ExtractedFact
from pipeline.store import store_facts


def _paper(session: Session) -> Paper:
    paper = Paper(arxiv_id="1512.03385", version=1, source="local", status="ingested")
    session.add(paper)
    session.flush()
    return paper


def _result(
    value: str = "78.57", confidence: float = 0.9, model: str = "ResNet-152"
) -> ExtractedFact:
    return ExtractedFact(
        kind="result",
        value=value,
        page=6,
        evidence=f"{model} 21.43 {value}",
        confidence=confidence,
        extractor="results",
        extractor_version="1",
        benchmark="imagenet",
        metric="top1",
        model=model,
        unit="%",
        error=round(1 - float(value) / 100, 6),
    )


def test_restoring_the_same_facts_keeps_ids_and_adds_nothing(session: Session) -> None:
    paper = _paper(session)
    first = store_facts(session, paper, [_result(), _result(model="ResNet-101", value="77.37")])
    session.flush()
    ids = sorted(session.scalars(select(Fact.id)))
    second = store_facts(session, paper, [_result(), _result(model="ResNet-101", value="77.37")])
    session.flush()
    assert (first.added, second.added, second.unchanged) == (2, 0, 2)
    assert sorted(session.scalars(select(Fact.id))) == ids


def test_duplicate_candidates_keep_the_most_confident(session: Session) -> None:
    paper = _paper(session)
    report = store_facts(session, paper, [_result(confidence=0.4), _result(confidence=0.8)])
    session.flush()
    assert report.added == 1
    assert session.scalars(select(Fact.confidence)).one() == 0.8


def test_new_extraction_that_disagrees_with_a_curator_is_flagged_not_applied(
    session: Session,
) -> None:
    paper = _paper(session)
    store_facts(session, paper, [_result()])
    session.flush()
    fact = session.scalars(select(Fact)).one()
    fact.status = "accepted"
    session.flush()

    newer = replace(_result(value="78.60"), extractor_version="2")
    report = store_facts(session, paper, [newer])
    session.flush()

    assert report.flagged == 1
    assert (fact.value, fact.status, fact.needs_rereview) == ("78.57", "accepted", True)
    assert fact.proposed is not None and fact.proposed["value"] == "78.60"
    event = session.scalars(select(ReviewEvent).where(ReviewEvent.fact_id == fact.id)).one()
    assert event.action == "flag" and event.after["value"] == "78.60"

    # the same disagreement again does not pile up events
    store_facts(session, paper, [newer])
    session.flush()
    assert len(session.scalars(select(ReviewEvent)).all()) == 1


def test_pending_facts_no_longer_extracted_are_removed_decided_ones_stay(
    session: Session,
) -> None:
    paper = _paper(session)
    store_facts(session, paper, [_result(), _result(model="ResNet-101", value="77.37")])
    session.flush()
    decided = session.scalars(select(Fact).where(Fact.model == "ResNet-101")).one()
    decided.status = "rejected"
    session.flush()
    report = store_facts(session, paper, [])
    session.flush()
    assert report.removed == 1
    assert session.scalars(select(Fact.model)).all() == ["ResNet-101"]


def test_storing_accepts_nothing_on_its_own(session: Session) -> None:
    """Zero-touch acceptance is by row, before a fit (``zerotouch.auto_accept_rows``)."""
    paper = _paper(session)
    store_facts(session, paper, [_result(confidence=0.99)])
    session.flush()
    assert session.scalars(select(Fact.status)).all() == ["pending"]
    assert session.scalars(select(ReviewEvent)).all() == []


def test_an_edited_fact_is_not_flagged_while_the_extractor_says_what_it_said_before(
    session: Session,
) -> None:
    paper = _paper(session)
    store_facts(session, paper, [_result(value="7857")])  # a garbled number, corrected by hand
    session.flush()
    fact = session.scalars(select(Fact)).one()
    fact.value, fact.error, fact.status = "78.57", 0.2143, "edited"
    session.flush()

    report = store_facts(session, paper, [replace(_result(value="7857"), extractor_version="2")])
    session.flush()
    assert (report.flagged, fact.needs_rereview, fact.value) == (0, False, "78.57")
    assert fact.extractor_version == "2"


def test_an_undone_decision_keeps_its_fact_and_audit_trail(session: Session) -> None:
    paper = _paper(session)
    store_facts(session, paper, [_result()])
    session.flush()
    fact = session.scalars(select(Fact)).one()
    session.add_all(
        [
            ReviewEvent(fact_id=fact.id, reviewer="ann", action="accept"),
            ReviewEvent(fact_id=fact.id, reviewer="ann", action="undo"),
        ]
    )
    session.flush()  # back to pending, with two events
    report = store_facts(session, paper, [])
    session.flush()
    assert report.removed == 0
    assert len(session.scalars(select(ReviewEvent)).all()) == 2

"""The review service: decisions, the audit trail, undo, re-review flags, priority and filters."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Fact, ReviewEvent
from db.session import session_scope
from pipeline import review
from pipeline.errors import UserError
from pipeline.review import QueueFilter
from tests.support.review_data import flops, paper, parameters, result, stored


def _events(session: Session, fact: Fact) -> list[ReviewEvent]:
    return list(
        session.scalars(
            select(ReviewEvent).where(ReviewEvent.fact_id == fact.id).order_by(ReviewEvent.id)
        )
    )


def test_accept_records_who_when_before_after_and_note(session: Session) -> None:
    [fact] = stored(session, paper(session), [result()])
    event = review.accept(session, fact.id, "alice", note="matches Table 3")
    assert fact.status == "accepted"
    assert (event.action, event.reviewer, event.note) == ("accept", "alice", "matches Table 3")
    assert event.before["status"] == "pending" and event.after["status"] == "accepted"
    assert event.created_at is not None
    assert _events(session, fact) == [event]


def test_reject_and_edit_are_decisions_too(session: Session) -> None:
    one, two = stored(session, paper(session), [result(), result(model="ResNet-101", value="76.4")])
    review.reject(session, one.id, "alice", note="a baseline's number")
    event = review.edit(session, two.id, "bob", value="77.4")
    assert one.status == "rejected"
    assert (two.status, two.value, two.unit) == ("edited", "77.4", "%")
    assert two.error == pytest.approx(1 - 0.774)
    assert (event.before["value"], event.after["value"]) == ("76.4", "77.4")
    assert event.before["error"] == pytest.approx(0.236)


def test_edit_keeps_an_error_rate_printed_as_such(session: Session) -> None:
    printed_error = result(value="23.9", error=0.239, evidence="top-1 err. 23.9")
    [fact] = stored(session, paper(session), [printed_error])
    review.edit(session, fact.id, "alice", value="22.9")
    assert fact.error == pytest.approx(0.229)


def test_edit_renormalizes_compute_with_a_new_unit(session: Session) -> None:
    [params] = stored(session, paper(session), [parameters(value="25.6")])
    review.edit(session, params.id, "alice", value="1.5", unit="B")
    assert params.normalized == pytest.approx(1.5e9)


def test_a_bad_edit_changes_nothing(session: Session) -> None:
    [fact] = stored(session, paper(session), [result()])
    with pytest.raises(UserError, match="as a number"):
        review.edit(session, fact.id, "alice", value="seventy-ish")
    assert (fact.status, fact.value) == ("pending", "75.3")
    assert _events(session, fact) == []


def test_a_decision_is_not_changed_silently(session: Session) -> None:
    [fact] = stored(session, paper(session), [result()])
    review.accept(session, fact.id, "alice")
    with pytest.raises(UserError, match=r"already accepted by alice.*undo"):
        review.reject(session, fact.id, "bob")


def test_undo_is_a_new_event_and_restores_the_snapshot(session: Session) -> None:
    [fact] = stored(session, paper(session), [result(value="76.4")])
    review.edit(session, fact.id, "alice", value="77.4")
    event = review.undo(session, fact.id, "alice", note="wrong row")
    assert (fact.status, fact.value, fact.error) == ("pending", "76.4", pytest.approx(0.236))
    assert [e.action for e in _events(session, fact)] == ["edit", "undo"]
    assert event.after["undoes"] == _events(session, fact)[0].id
    with pytest.raises(UserError, match="no decision to undo"):
        review.undo(session, fact.id, "alice")
    review.reject(session, fact.id, "alice")
    review.undo(session, fact.id, "alice")
    assert fact.status == "pending"
    assert [e.action for e in _events(session, fact)] == ["edit", "undo", "reject", "undo"]


def test_a_reviewer_is_required(session: Session) -> None:
    [fact] = stored(session, paper(session), [result()])
    with pytest.raises(UserError, match="CTRENDS_REVIEWER"):
        review.accept(session, fact.id, "  ")
    with pytest.raises(UserError, match="no fact with id 999"):
        review.accept(session, 999, "alice")


def test_reextraction_flags_a_decision_and_accepting_adopts_the_proposal(
    session: Session,
) -> None:
    row = paper(session)
    [fact] = stored(session, row, [result(value="75.3")])
    review.accept(session, fact.id, "alice")
    stored(session, row, [replace(result(value="75.8"), extractor_version="2")])
    assert (fact.status, fact.value, fact.needs_rereview) == ("accepted", "75.3", True)
    assert [e.fact.id for e in review.queue(session, QueueFilter(status="flagged"))] == [fact.id]

    review.accept(session, fact.id, "bob")
    assert (fact.value, fact.extractor_version) == ("75.8", "2")
    assert fact.error == pytest.approx(0.242)
    assert (fact.needs_rereview, fact.proposed) == (False, None)
    review.undo(session, fact.id, "bob")  # back to the flag, proposal and all
    assert (fact.value, fact.needs_rereview, fact.proposed["value"]) == ("75.3", True, "75.8")


def test_keep_resolves_a_flag_with_the_earlier_decision(session: Session) -> None:
    row = paper(session)
    [fact] = stored(session, row, [result(value="75.3")])
    review.edit(session, fact.id, "alice", value="75.4")
    stored(session, row, [replace(result(value="75.9"), extractor_version="2")])
    review.keep(session, fact.id, "alice", note="the new extractor reads the wrong column")
    assert (fact.status, fact.value, fact.needs_rereview, fact.proposed) == (
        "edited",
        "75.4",
        False,
        None,
    )
    assert [e.action for e in _events(session, fact)] == ["edit", "flag", "keep"]
    with pytest.raises(UserError, match="not flagged"):
        review.keep(session, fact.id, "alice")


def test_reextraction_leaves_every_decision_intact(session: Session) -> None:
    row = paper(session)
    facts = [result(model=f"Net-{i}", value=f"7{i}.0") for i in range(4)]
    a, r, e, p = stored(session, row, facts)
    review.accept(session, a.id, "alice")
    review.reject(session, r.id, "alice")
    review.edit(session, e.id, "alice", value="99.0")
    stored(session, row, [replace(f, extractor_version="2") for f in facts])
    assert [f.status for f in (a, r, e, p)] == ["accepted", "rejected", "edited", "pending"]
    assert [f.value for f in (a, r, e)] == ["70.0", "71.0", "99.0"]
    assert (a.needs_rereview, r.needs_rereview) == (False, False)
    decisions = session.scalar(
        select(func.count()).select_from(ReviewEvent).where(ReviewEvent.action != "flag")
    )
    assert decisions == 3


def test_queue_puts_what_changes_observations_first(session: Session) -> None:
    row = paper(session)
    linked, lonely, compute, other_compute = stored(
        session,
        row,
        [
            result(model="ResNet-50", confidence=0.3),
            result(model="ResNet-18", confidence=0.9),
            flops(model="ResNet-50", confidence=0.2),
            flops(model="ResNet-152", confidence=0.8),
        ],
    )
    # ResNet-50's result has compute beside it: accepting it creates a data point of a fit.
    order = [e.fact.id for e in review.queue(session, QueueFilter())]
    assert order == [linked.id, lonely.id, other_compute.id, compute.id]
    assert review.next_fact(session).reason == "creates or changes an observation"
    # Once the result is accepted its FLOPs change an observation: they move up.
    review.accept(session, linked.id, "alice")
    order = [e.fact.id for e in review.queue(session, QueueFilter())]
    assert order == [compute.id, lonely.id, other_compute.id]


def test_filters_by_benchmark_kind_paper_and_status(session: Session) -> None:
    one = paper(session, "1512.03385")
    two = paper(session, "1905.11946", version=3)
    imagenet, model_flops = stored(session, one, [result(), flops()])
    [squad] = stored(session, two, [result(benchmark="squad11", metric="em", model="BERT")])

    def ids(**where: object) -> set[int]:
        return {e.fact.id for e in review.queue(session, QueueFilter(**where))}  # type: ignore[arg-type]

    # FLOPs name no benchmark; they serve the benchmark of the model's results.
    assert ids(benchmark="imagenet") == {imagenet.id, model_flops.id}
    assert ids(benchmark="squad11") == {squad.id}
    assert ids(kind="flops") == {model_flops.id}
    assert ids(paper="1905.11946") == ids(paper="1905.11946v3") == {squad.id}
    assert ids(paper="1905.11946v1") == set()
    review.reject(session, squad.id, "alice")
    assert ids(status="rejected") == {squad.id}
    assert ids(status="open") == {imagenet.id, model_flops.id}
    assert ids(status="all") == {imagenet.id, model_flops.id, squad.id}
    with pytest.raises(UserError, match="unknown status"):
        QueueFilter(status="done")
    with pytest.raises(UserError, match="unknown benchmark"):
        QueueFilter(benchmark="mnist")


def test_bulk_accept_takes_confident_pending_facts_only(session: Session) -> None:
    row = paper(session)
    facts = [
        result(model="A", confidence=0.95),
        result(model="B", confidence=0.5),
        result(model="C", confidence=0.97, benchmark="coco", metric="box_ap"),
        result(model="D", confidence=0.99, value="70.0"),
    ]
    high, low, other_benchmark, flagged = stored(session, row, facts)
    review.reject(session, flagged.id, "alice")
    stored(session, row, [*facts[:3], result(model="D", confidence=0.99, value="71.0")])
    events = review.bulk_accept(session, "alice", 0.9, benchmark="imagenet")
    assert [e.fact_id for e in events] == [high.id]
    assert events[0].note == "bulk-accept: confidence >= 0.9"
    assert [f.status for f in (high, low, other_benchmark, flagged)] == [
        "accepted",
        "pending",
        "pending",
        "rejected",
    ]


def test_audit_samples_auto_accepted_facts_and_a_human_check_ends_that(
    session: Session,
) -> None:
    row = paper(session)
    facts = stored(
        session,
        row,
        [result(model=f"Net-{i}", confidence=0.95) for i in range(6)] + [result(model="X")],
        auto_accept=0.9,
    )
    auto = {f.id for f in facts[:6]}
    assert [e.fact.id for e in review.queue(session, QueueFilter())] == [facts[6].id]
    sample = review.audit_sample(session, 3, seed=7)
    assert len(sample) == 3 and {f.id for f in sample} <= auto
    assert [f.id for f in review.audit_sample(session, 3, seed=7)] == [f.id for f in sample]
    assert {f.id for f in review.audit_sample(session, 50)} == auto

    checked = sample[0]
    review.reject(session, checked.id, "alice", note="audit: wrong table")
    assert (checked.status, checked.auto_accepted) == ("rejected", False)
    assert checked.id not in {f.id for f in review.audit_sample(session, 50)}
    with pytest.raises(UserError, match="at least 1"):
        review.audit_sample(session, 0)


def test_undoing_an_auto_accept_returns_the_fact_to_the_queue(session: Session) -> None:
    [fact] = stored(session, paper(session), [result(confidence=0.95)], auto_accept=0.9)
    assert (fact.status, fact.auto_accepted) == ("accepted", True)
    review.undo(session, fact.id, "alice")
    assert (fact.status, fact.auto_accepted) == ("pending", False)
    assert [e.action for e in _events(session, fact)] == ["auto_accept", "undo"]


def test_two_curators_deciding_one_fact_at_once_cannot_both_win(
    session: Session, ctrends_env: dict[str, str]
) -> None:
    [fact] = stored(session, paper(session), [result()])
    session.commit()
    outcome: list[BaseException | None] = []

    def second_curator() -> None:
        try:
            with session_scope(ctrends_env["CTRENDS_DATABASE_URL"]) as other:
                review.reject(other, fact.id, "bob")
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    review.accept(session, fact.id, "alice")  # holds the fact's lock until the commit
    bob = threading.Thread(target=second_curator)
    bob.start()
    bob.join(timeout=0.5)
    assert bob.is_alive(), "the second decision must wait for the first"
    session.commit()
    bob.join(timeout=30)
    assert isinstance(outcome[0], UserError) and "already accepted by alice" in str(outcome[0])
    session.expire_all()
    assert session.get_one(Fact, fact.id).status == "accepted"
    assert [e.action for e in _events(session, fact)] == ["accept"]


def test_undo_keeps_a_proposal_that_came_after_the_decision(session: Session) -> None:
    row = paper(session)
    one, two = stored(session, row, [result(value="75.3"), result(model="B", value="70.0")])
    review.accept(session, one.id, "alice")
    review.reject(session, two.id, "alice")
    newer = [replace(result(value="75.8"), extractor_version="2"), result(model="B", value="71.0")]
    stored(session, row, newer)
    review.undo(session, one.id, "alice")  # pending again: it takes the newer values
    assert (one.status, one.value, one.needs_rereview, one.proposed) == (
        "pending",
        "75.8",
        False,
        None,
    )
    review.undo(session, two.id, "alice")
    assert (two.status, two.value, two.needs_rereview, two.proposed) == (
        "pending",
        "71.0",
        False,
        None,
    )
    # a decided fact keeps the newest proposal when a decision on it is undone
    three = stored(session, row, [*newer, result(model="C", value="60.0")])[2]
    review.accept(session, three.id, "alice")
    stored(session, row, [*newer, replace(result(model="C", value="61.0"), extractor_version="2")])
    review.keep(session, three.id, "alice")
    stored(session, row, [*newer, replace(result(model="C", value="62.0"), extractor_version="3")])
    review.undo(session, three.id, "alice")  # takes back the keep
    assert (three.status, three.value, three.needs_rereview) == ("accepted", "60.0", True)
    assert three.proposed["value"] == "62.0"
